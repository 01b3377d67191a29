"""`peerbot demo` plays the peer-learning loop against the sandbox and shows what people saw."""

import os
import subprocess
import sys


def test_demo_shows_each_person_what_they_saw(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL"))}
    result = subprocess.run([sys.executable, "-m", "peerbot.cli", "demo"], env=env, cwd=tmp_path,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "[#engineering] peerbot posted: :raising_hand: @ana asks" in out
    assert "@ben: you know *databases*" in out  # routed to the expert
    assert "[DM to ana] peerbot posted: :speech_balloon: @ben answered your question" in out
    assert ":white_check_mark: *Answered* by @ben" in out
    assert "[only ana sees] :mag: Nothing in the knowledge base matches *planning doc*" in out  # private stays private
    assert "[only chloe sees] :mag: *Knowledge base results for “planning doc”*" in out
    assert "[only chloe sees] :mag: *These may already answer your question:*" in out
    assert "[ana's Home tab]" in out
    assert "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []  # a temporary database, nothing left behind here
