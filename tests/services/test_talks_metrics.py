"""Talks' measures on seeded data, every answer worked out by hand below.

Period 2026-03-01 00:00 to 2026-04-15 12:00 UTC (UNTIL is also "now" for the figures across programmes).

    talk  speaker  proposed     decided              starts        minutes capacity  recording saved
    A0    S2       02-01        accepted 02-02       02-15 12:00   25      -         -            (before the period)
    A1    S1       03-02 09:00  accepted 03-04 09:00 03-10 12:00   50      3         03-12, sql
    A2    S2       03-03 09:00  accepted 03-08 09:00 03-20 12:00   25      -         04-01, python
    A3    S1       03-05 09:00  declined 03-06 09:00 -
    A4    S3       03-20 09:00  accepted 03-21 09:00, then cancelled
    A5    S4       04-10 09:00  still proposed
    A6    S5       04-01 09:00  accepted 04-03 09:00 04-20 12:00   50      -         (ahead; G9 Going)

    funnel: proposed 6 (speakers S1 S2 S3 S4 S5: 5) -> accepted A1 A2 A4 A6 = 4 -> held A1 A2 = 2
    declined 1, cancelled 1; days to decide 2 5 1 1 2 -> median 2 (speakers S1 S2 S3 S5: "<5")
    speakers of talks held S1 S2 (2: "<5"); first-time S1 (S2 spoke at A0) -> 1

    RSVPs to A1: G1 G2 going with seats taken as they answered; G3 waitlisted 03-05 10:00 and took an
        offered seat 03-06 10:00 (a promotion); G4 lapsed; G5 maybe; G6 can't; W1 walked in ("I'm here")
        "I'm here": G1 G2 W1
    RSVPs to A2 (no capacity): G1 G7 G8 going, G5 maybe; "I'm here": G1 G8
    going 6 rows by G1 G2 G3 G7 G8 (5) -> 3 per talk; maybe 2 / 2 talks = 1 (G5: "<5")
    full: A1 (3 of 3 seats) -> 1; promotions G3 -> 1 ("<5"); show-up 4 / 6
    attendees (going or here): A1 G1 G2 G3 W1, A2 G1 G7 G8 -> 7 by 6 people
    ratings: A1 G1 5, G2 4, W1 3; A2 G1 4, G8 2, G7 5 (G3's on 04-16 is after the period) -> mean 23/6,
        4-5 4/6 by 5 raters; response 6 / 7
    recordings: A1 and A2 -> 2; within 7 days of the end: A1 only -> 1/2 (speakers S1 S2: "<5")
    RSVP table: going 6, maybe 2, can't 1, waitlist 0, lapsed 1, walk-in 1 (9 people)

    wishes made in the period: sql 03-01 (votes V1..V5, X1 X2 invited), rust 03-15 (V1 V6),
        python 03-25 (V8); go (02-10) is older but got V7's vote on 03-02
    -> made 3 by wishers V1..V6 V8 (7); votes in the period 5 + 2 + 1 + 1 = 9 by V1..V8 (8);
        invited 1 wish, 2 experts ("<5"); fulfilled within 60 days: sql (A1 on 03-10, saved under sql);
        python's talk A2 came before the wish -> 1/3

ACROSS (now = UNTIL): S5 speaks at A6 (ahead) and is an active mentor: two roles. G9 is Going to A6.
"""

from datetime import datetime, timezone

import pytest

from peerbot.services import metrics
from peerbot.services.metrics import HIDDEN
from peerbot.store.models import (
    KnowledgeItem,
    Member,
    ProgrammeMember,
    Talk,
    TalkRating,
    TalkRsvp,
    TalkSeat,
    TalkWish,
    TalkWishVote,
    Topic,
    Workspace,
)

T = "T1"
SINCE = datetime(2026, 3, 1, tzinfo=timezone.utc)
UNTIL = datetime(2026, 4, 15, 12, tzinfo=timezone.utc)
SECRET = "SECRET-COMMENT-TEXT"


def at(month: int, day: int, hour: int = 0) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=timezone.utc)


def _talk(s, tid, speaker, proposed, status, decided=None, starts=None, minutes=50, capacity=None):
    s.add(Talk(id=tid, team_id=T, speaker_id=speaker, title=f"Talk {tid}", abstract="-", format="long",
               starts_at=starts or at(5, 1, 12), minutes=minutes, place="Room 4", capacity=capacity,
               recording_allowed=True, status=status, created_at=proposed, decided_at=decided,
               decided_by="UORG" if decided else None, channel_id="CHOME", card_ts=f"{tid}.000100",
               token=f"token-{tid}", sequence=0, source_key=f"view-{tid}"))


def _rsvp(s, talk_id, user_id, answer, answered_at, here_at=None):
    s.add(TalkRsvp(team_id=T, talk_id=talk_id, user_id=user_id, answer=answer, answered_at=answered_at,
                   here_at=here_at))


@pytest.fixture
def seeded(db):
    with db.begin() as s:
        s.add(Workspace(team_id=T, name="t", created_at=at(1, 1)))
        s.flush()
        for user_id in ("S1", "S2", "S3", "S4", "S5", "G1", "G2", "G3", "G4", "G5", "G6", "G7", "G8", "G9", "W1"):
            s.add(Member(team_id=T, user_id=user_id, name=user_id.lower(), refreshed_at=at(1, 1)))
        topics = {name: Topic(team_id=T, name=name, created_at=at(1, 1)) for name in ("sql", "python", "rust", "go")}
        s.add_all(topics.values())
        s.flush()

        _talk(s, 100, "S2", at(2, 1), "accepted", at(2, 2), at(2, 15, 12), minutes=25)
        _talk(s, 1, "S1", at(3, 2, 9), "accepted", at(3, 4, 9), at(3, 10, 12), capacity=3)
        _talk(s, 2, "S2", at(3, 3, 9), "accepted", at(3, 8, 9), at(3, 20, 12), minutes=25)
        _talk(s, 3, "S1", at(3, 5, 9), "declined", at(3, 6, 9))
        _talk(s, 4, "S3", at(3, 20, 9), "cancelled", at(3, 21, 9))
        _talk(s, 5, "S4", at(4, 10, 9), "proposed")
        _talk(s, 6, "S5", at(4, 1, 9), "accepted", at(4, 3, 9), at(4, 20, 12))
        s.flush()

        _rsvp(s, 1, "G1", "going", at(3, 5, 9), here_at=at(3, 10, 12))
        _rsvp(s, 1, "G2", "going", at(3, 5, 9), here_at=at(3, 10, 12))
        _rsvp(s, 1, "G3", "going", at(3, 5, 10))
        _rsvp(s, 1, "G4", "lapsed", at(3, 7, 10))
        _rsvp(s, 1, "G5", "maybe", at(3, 5, 11))
        _rsvp(s, 1, "G6", "cant", at(3, 5, 11))
        _rsvp(s, 1, "W1", "walk-in", at(3, 10, 12), here_at=at(3, 10, 12))
        for seat_no, user_id, taken in ((1, "G1", at(3, 5, 9)), (2, "G2", at(3, 5, 9)), (3, "G3", at(3, 6, 10))):
            s.add(TalkSeat(talk_id=1, seat_no=seat_no, team_id=T, user_id=user_id, taken_at=taken))
        _rsvp(s, 2, "G1", "going", at(3, 9), here_at=at(3, 20, 12))
        _rsvp(s, 2, "G7", "going", at(3, 9))
        _rsvp(s, 2, "G8", "going", at(3, 9), here_at=at(3, 20, 12))
        _rsvp(s, 2, "G5", "maybe", at(3, 9))
        _rsvp(s, 6, "G9", "going", at(4, 4))

        for talk_id, user_id, rating, when in ((1, "G1", 5, at(3, 11)), (1, "G2", 4, at(3, 11)),
                                               (1, "W1", 3, at(3, 11)), (1, "G3", 1, at(4, 16)),
                                               (2, "G1", 4, at(3, 21)), (2, "G8", 2, at(3, 21)),
                                               (2, "G7", 5, at(3, 21))):
            s.add(TalkRating(team_id=T, talk_id=talk_id, user_id=user_id, rating=rating, comment=SECRET,
                             created_at=when))

        for tid, topic, saved in ((1, "sql", at(3, 12)), (2, "python", at(4, 1))):
            s.get(Talk, tid).recording_url = f"https://rec.example/{tid}"
            s.add(KnowledgeItem(team_id=T, channel_id="CHOME", message_ts=f"{tid}.000100", is_public=True,
                                kind="tip", title=f"Talk: Talk {tid}", text="-", author_id="S1", saved_by="S1",
                                topic_id=topics[topic].id, created_at=saved, updated_at=saved))

        def wish(topic, made, voters, voted, invited=None):
            row = TalkWish(team_id=T, topic_id=topics[topic].id, created_at=made, invited=invited,
                           invited_quarter="2026Q1" if invited else None)
            s.add(row)
            s.flush()
            for user_id in voters:
                s.add(TalkWishVote(wish_id=row.id, user_id=user_id, created_at=voted))

        wish("sql", at(3, 1, 10), ["V1", "V2", "V3", "V4", "V5"], at(3, 2), invited="X1,X2")
        wish("rust", at(3, 15), ["V1", "V6"], at(3, 15))
        wish("python", at(3, 25), ["V8"], at(3, 25))
        wish("go", at(2, 10), ["V7"], at(3, 2))

        s.add(ProgrammeMember(team_id=T, kind="mentoring", user_id="S5", role="mentor", status="active",
                              joined_at=at(1, 5)))
    return db


def _by_key(m):
    return {f.key: f for f in [*m.funnel, *m.figures, *m.counts["talk_rsvps"][1]]}


def test_talk_measures_worked_by_hand(seeded):
    with seeded.read() as s:
        m = metrics.talk_measures(s, T, since=SINCE, until=UNTIL)
    f = _by_key(m)
    assert [(x.key, x.value, x.shown) for x in m.funnel] == [
        ("talks_proposed", 6, 6), ("talks_accepted", 4, 4), ("talks_held", 2, 2)]
    assert (f["talks_declined"].value, f["talks_cancelled"].value) == (1, 1)
    assert (f["median_days_to_decision"].value, f["median_days_to_decision"].shown) == (2, HIDDEN)
    assert (f["distinct_speakers"].value, f["distinct_speakers"].shown) == (2, HIDDEN)
    assert f["first_time_speakers"].value == 1
    assert (f["going_per_talk"].value, f["going_per_talk"].shown) == (3, 3)
    assert (f["maybe_per_talk"].value, f["maybe_per_talk"].shown) == (1, HIDDEN)
    assert f["full_talks"].shown == 1
    assert (f["waitlist_promotions"].value, f["waitlist_promotions"].shown) == (1, HIDDEN)
    assert f["show_up"].shown == pytest.approx(4 / 6)
    assert f["rating_response_rate"].shown == pytest.approx(6 / 7)
    assert f["rating_mean"].shown == pytest.approx(23 / 6)
    assert f["rating_4_or_5"].shown == pytest.approx(4 / 6)
    assert (f["recordings_saved"].value, f["recording_within_7_days"].value) == (2, 0.5)
    assert f["recording_within_7_days"].shown == HIDDEN
    assert {k: f[k].value for k in ("rsvps_going", "rsvps_maybe", "rsvps_cant", "rsvps_waitlist", "rsvps_lapsed",
                                    "rsvps_walk_in")} == dict(rsvps_going=6, rsvps_maybe=2, rsvps_cant=1,
                                                              rsvps_waitlist=0, rsvps_lapsed=1, rsvps_walk_in=1)
    assert f["rsvps_going"].shown == 6  # 9 people answered
    assert (f["wishes_made"].shown, f["wish_votes"].shown) == (3, 9)
    assert (f["wishes_invited"].value, f["experts_invited"].value, f["experts_invited"].shown) == (1, 2, HIDDEN)
    assert f["wishes_fulfilled_60_days"].shown == pytest.approx(1 / 3)
    assert SECRET not in repr(m)  # comments are never read


def test_an_empty_period_has_nothing_to_show(seeded):
    with seeded.read() as s:
        m = metrics.talk_measures(s, T, since=at(6, 1), until=at(6, 30))
    f = _by_key(m)
    assert [x.value for x in m.funnel] == [0, 0, 0]
    for key in ("median_days_to_decision", "going_per_talk", "maybe_per_talk", "show_up", "rating_response_rate",
                "rating_mean", "rating_4_or_5", "recording_within_7_days", "wishes_fulfilled_60_days"):
        assert f[key].shown is None, key
    assert all(f[k].shown == 0 for k in ("talks_declined", "full_talks", "waitlist_promotions", "recordings_saved",
                                         "wishes_made", "wish_votes", "rsvps_going"))


def test_talks_are_a_running_programme_and_speakers_a_helper_role(seeded):
    with seeded.read() as s:
        assert "talks" in metrics.running(s, T)
        across = metrics.across_programmes(s, T, now=UNTIL)
    assert [(h.user_id, h.roles) for h in across.stretched] == [("S5", ["mentor", "speaker"])]
    assert across.in_programmes.value == 2  # S5 and G9 (Going to A6)
