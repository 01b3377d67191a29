"""The knowledge base builders, without Slack or a database: escaping and
Block Kit limits, checked with the sandbox's own (strict) validator."""

import json
from datetime import datetime, timezone

from peerbot.blocks import ids
from peerbot.blocks.knowledge import (
    Entry,
    kb_most_useful,
    kb_results,
    save_errors,
    save_modal,
    saved_notice,
    tip_error,
    tip_failed,
    tip_message,
    tip_modal,
)
from peerbot.sandbox.blockkit import validate_blocks, validate_view

WHEN = datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc)
HOSTILE = "<!channel> <@U999> <https://evil.example|click> & more"
HUGE = ("&<>" + "word " * 200) * 40  # escaping triples and quadruples these characters


def entry(**overrides) -> Entry:
    values = dict(title="Squash fixups", snippet="use git rebase -i --autosquash", author_id="U1", posted_at=WHEN,
                  score=2, link="https://sandbox.slack.com/archives/C1/p1", kind="message")
    values.update(overrides)
    return Entry(**values)


def text_of(message: dict) -> str:
    return json.dumps(message["blocks"]) + message["text"]


def assert_safe(message: dict) -> None:
    text = text_of(message)
    for markup in ("<!channel>", "<@U999>", "<https://evil.example|click>"):
        assert markup not in text
    assert "&lt;!channel&gt;" in text


def test_kb_results_show_title_link_snippet_author_date_and_score():
    message = kb_results("rebase", [entry()])
    text = text_of(message)
    assert "*<https://sandbox.slack.com/archives/C1/p1|Squash fixups>*" in text
    assert "use git rebase -i --autosquash" in text
    assert "by <@U1>" in text and ":bookmark: 2 saves" in text
    assert f"<!date^{int(WHEN.timestamp())}^{{date_short}}|2026-03-02>" in text
    assert validate_blocks(message["blocks"], "message") == []


def test_kb_results_escape_user_text_everywhere():
    message = kb_results(HOSTILE, [entry(title=HOSTILE, snippet=HOSTILE, link=None)])
    assert_safe(message)
    assert_safe(kb_results(HOSTILE, []))
    assert_safe(kb_most_useful([entry(title=HOSTILE, snippet=HOSTILE)]))


def test_kb_results_respect_limits_with_huge_text_and_many_results():
    many = [entry(title=HUGE, snippet=HUGE, link="https://sandbox.slack.com/archives/C1/p" + "1" * 400)] * 60
    for message in (kb_results(HUGE, many), kb_most_useful(many)):
        assert validate_blocks(message["blocks"], "message") == []
        assert len(message["blocks"]) <= 1 + 5 * 2 + 1
        assert len(message["text"]) <= 3000


def test_no_results_suggest_asking_with_the_same_words():
    message = kb_results("vpn  profile", [])
    assert "`/ask vpn profile`" in text_of(message)


def test_the_snippet_is_left_out_when_it_only_repeats_the_title():
    message = kb_results("standup", [entry(title="Standup is at 9:30", snippet="Standup is at 9:30")])
    assert text_of(message).count("Standup is at 9:30") == 1  # the heading only


def test_tip_message_credits_the_author_and_escapes():
    message = tip_message("U1", HOSTILE)
    assert message["blocks"][0]["text"]["text"] == ":bulb: *Tip from <@U1>*"
    assert_safe(message)
    assert "&lt;!channel&gt; &lt;@U999&gt;" in message["blocks"][1]["text"]["text"]


def test_a_tip_at_the_limit_fits_in_valid_sections_without_cutting_escapes():
    tip = ("&" * 1500) + ("<b> " * 375)  # 3000 characters that escape to far more than 3000
    assert tip_error(tip) is None
    message = tip_message("U1", tip)
    assert validate_blocks(message["blocks"], "message") == []
    body = "".join(block["text"]["text"] for block in message["blocks"][1:])
    assert body == tip.strip().replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def test_tip_errors_name_the_limit():
    assert "3,000" in tip_error("x" * 3001) and "3,001" in tip_error("x" * 3001)
    assert "/tip your tip" in tip_error("   ")
    assert tip_error("ok") is None


def test_a_failed_tip_gives_the_text_back_escaped():
    message = tip_failed("Invite me with `/invite @peerbot`.", HOSTILE + "\nsecond line")
    assert_safe(message)
    assert "\\nsecond line" in text_of(message)
    whole = "&<>" * 1000  # a tip at the limit comes back whole, not truncated
    given_back = tip_failed("hint", whole)["blocks"]
    assert validate_blocks(given_back, "message") == []
    assert "".join(b["text"]["text"] for b in given_back[1:]) == "&amp;&lt;&gt;" * 1000


def test_tip_modal_asks_for_a_channel_only_without_one():
    from_home = tip_modal(None)
    from_command = tip_modal("C1")
    assert validate_view(from_home) == [] and validate_view(from_command) == []
    assert from_home["blocks"][0]["element"]["type"] == "conversations_select"
    assert all(block["block_id"] != "channel" for block in from_command["blocks"])
    assert json.loads(from_command["private_metadata"]) == {"channel": "C1"}
    assert from_home["callback_id"] == from_command["callback_id"] == ids.TIP_MODAL


def test_save_modal_escapes_the_message_and_stays_within_limits():
    modal = save_modal(channel_id="C1", message_ts="1700000000.000100", author_id="U2", text=HUGE + HOSTILE,
                       title="t" * 400)
    assert validate_view(modal) == []
    preview = modal["blocks"][0]["text"]["text"]
    assert len(preview) <= 3000 and "<!channel>" not in preview
    assert len(modal["blocks"][1]["element"]["initial_value"]) <= 150
    assert json.loads(modal["private_metadata"]) == {"channel": "C1", "ts": "1700000000.000100", "author": "U2"}

    hostile = save_modal(channel_id="C1", message_ts="1.2", author_id=None, text=HOSTILE, title="")
    assert "&lt;!channel&gt;" in hostile["blocks"][0]["text"]["text"]
    assert "initial_value" not in hostile["blocks"][1]["element"]


def test_save_errors_are_inline_per_input():
    assert set(save_errors("  ", "")) == {"title"}
    assert "150" in save_errors("x" * 151, "")["title"]
    assert set(save_errors("ok", "t" * 81)) == {"topic"}
    assert save_errors("ok", "git") == {}


def test_saved_notice_escapes_the_title():
    assert "&lt;!here&gt;" in saved_notice("<!here>", 1, counted=True)
    assert "2 people saved it" in saved_notice("x", 2, counted=True)
    assert "already saved" in saved_notice("x", 2, counted=False)
