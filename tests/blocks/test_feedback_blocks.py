"""The feedback builders, without Slack or a database: escaping, no names on
anonymous answers, and Block Kit limits (the sandbox's strict validator)."""

import json

from peerbot.blocks import feedback as blocks
from peerbot.sandbox.blockkit import validate_blocks, validate_view
from peerbot.services import feedback

HOSTILE = "<!channel> <@U999> <https://evil.example|click> & more"
HUGE = ("&<>" + "word " * 200) * 40


def test_the_forms_are_valid_modals():
    for view in (blocks.request_modal(feedback.TEMPLATES, 14, 5, 3, 300, 30),
                 blocks.answer_modal(7, "U1", HUGE, "https://example.com/doc", True, 3000),
                 blocks.direct_modal("C1", "1.000001", "U2", HUGE, 3000)):
        assert validate_view(view) == [], view["callback_id"]


def test_user_text_is_escaped_and_kept_within_limits():
    for message in (blocks.ask_message("k", 7, "U1", HOSTILE + HUGE, "https://example.com/a", False, "<!date^1^x|y>"),
                    blocks.answers_message("k", 7, HOSTILE, [("U2", HOSTILE + HUGE), (None, HUGE)], False),
                    blocks.direct_message("k", "U1", HOSTILE + HUGE, "https://example.com/p1"),
                    blocks.expired_message("k", HOSTILE, 2, False, 2)):
        assert validate_blocks(message["blocks"], "message") == []
        shown = json.dumps(message["blocks"])
        assert "<!channel>" not in shown and "<@U999>" not in shown and "<https://evil" not in shown


def test_anonymous_answers_carry_no_names():
    message = blocks.answers_message("k", 7, "Q?", [(None, "one"), (None, "two"), (None, "three")], True)
    assert "<@" not in json.dumps(message["blocks"]) and "anonymous" in message["text"]


def test_the_home_section_stays_within_limits():
    rows = [blocks.RequestRow(n, HUGE, "1 of 2 answered", [("U2", HUGE)] * 5) for n in range(5)]
    waiting = [blocks.WaitingRow(n + 10, "U3", HUGE, "<!date^1^x|y>") for n in range(5)]
    section = blocks.home_blocks(rows, waiting)
    assert validate_blocks(section, "message") == []
    assert "No feedback requests" in json.dumps(blocks.home_blocks([], []))
