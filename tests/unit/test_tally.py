"""The programmes job's summary line, and what happens when one subject's steps fail."""

import logging

from peerbot.programme_flow import Tally


def test_nothing_done_says_so():
    assert str(Tally("talks")) == "talks: nothing due"


def test_a_failing_subject_is_logged_and_counted_and_the_others_carry_on(caplog):
    tally = Tally("circles")
    with caplog.at_level(logging.ERROR):
        for subject in ("T1", "T2"):
            with tally.guard(subject):
                if subject == "T1":
                    raise RuntimeError("boom")
                tally.count("reminders", 2)
    tally.count("formed", 0)  # nothing of a step: not listed
    tally.count(None)  # a step that had nothing to do
    assert str(tally) == "circles: 1 crashed, 2 reminders"
    assert "circles steps for T1 failed" in caplog.text and "boom" in caplog.text
