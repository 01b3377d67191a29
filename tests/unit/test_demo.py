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
    # Onboarding buddies: a hire gets a buddy, a group DM on day 1 and a check-in on day 7.
    assert "[only chloe sees] @dan is enrolled" in out
    assert "[DM to chloe] peerbot posted: @dan starts 2026-12-07. Here is a colleague" in out
    assert "[DM to chloe] peerbot updated its message: You picked @ben as @dan's buddy" in out
    assert "[DM to ben] peerbot posted: Heads-up: you're @dan's buddy" in out
    assert "[group DM: ben, chloe, dan] peerbot posted: Welcome, @dan! @ben is your buddy" in out
    assert "[DM to dan] peerbot posted: Day 7 check-in: have you met @ben" in out
    assert "Your answer: *You met :tada:*" in out
    assert "[#onboarding] peerbot posted" not in out  # nothing of it in a channel
    # Peer mentoring: ana finds a mentor through what ben answered in the Q&A.
    assert "[only chloe sees] The mentoring programme is on, with #growth as its home" in out
    assert "[a form opens: Mentoring]" in out
    assert "[DM to ben] peerbot posted: You're enrolled as a mentor, on databases, postgresql" in out
    assert ("[DM to ana] peerbot posted: A mentor who could help you. Request them: they have 3 days to accept or "
            "decline. 1. @ben: answered 1 question on databases this quarter [Request]") in out
    assert ("[DM to ben] peerbot posted: @ana would like you as their mentor. Why you: answered 1 question on "
            "databases this quarter.") in out
    assert "[DM to ben] peerbot updated its message: You accepted @ana as your mentee" in out
    assert "[group DM: ana, ben] peerbot posted: Welcome to your mentorship, @ana and @ben! It runs until 2027-03-15." \
        in out
    assert "*@ana's goals* / 1. Find my way around our data" in out
    assert "[#growth] peerbot posted" not in out
    # Talks: ana's talk is proposed, accepted and announced; five wishes invite ben, who answered on databases.
    assert "[a form opens: Propose a talk]" in out
    assert "[DM to chloe] peerbot posted: @ana proposes a talk" in out
    assert "Buddies, mentors & the Q&A, from a new joiner's side. [Accept] [Decline]" in out  # escaped, then shown
    assert "[DM to ana] peerbot posted: Your talk “My first two weeks: what helped” was accepted by @chloe" in out
    assert ("[#lunch-and-learn] peerbot posted: :microphone: *My first two weeks: what helped* / "
            "*When:* 2026-12-17 12:30 UTC · 25 min / *Speaker:* @ana") in out  # a date token's fallback
    assert "*2* of 12 going" in out
    assert "[only dan sees] You're going to “My first two weeks: what helped”" in out
    assert "[only finn sees] Your wish for a talk on *databases* is counted: 5 people want one, so I'll ask the people who know it best" in out
    assert ("[DM to ben] peerbot posted: 5 people want a talk on *databases*; you answered 1 question on it. "
            "Would you give one?") in out
    assert "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []  # a temporary database, nothing left behind here
