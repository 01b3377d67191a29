"""Peer mentoring end to end (PROGRAMMES.md §4) with controlled time:
enrolment, suggestions with reasons from the Q&A, the request → decline →
next choice → accept → kick-off → "not a fit" at day 14 → rematch; a request
that expires; a full pool, the waitlist, and a match when a slot frees;
check-ins, the survey and extending, each sent once however often the job
runs; bad input that changes nothing. Nothing reaches a public channel."""

import json
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from peerbot.blocks import ids
from peerbot.jobs import run_job
from peerbot.store.models import CheckIn, MentoringProfile, MentoringSurvey, Mentorship, MentorRequest

MONDAY = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)  # London is UTC until 29 March


def shown(message) -> str:
    return json.dumps(message.get("blocks")) + message.get("text", "")


def with_block(messages, fragment):
    return [m for m in messages if fragment in json.dumps(m.get("blocks"))]


def at(world, clock, moment):
    clock.now = moment
    result = run_job(world.deps, "programmes", moment)
    world.settle()
    return result


def enrol(world, hub, user, role, topics, goals=(), capacity="2", blocked=()):
    """Fill in and submit the /mentor enrol modal; returns what the person saw."""
    slack = world.slack
    assert slack.command(user, hub, "/mentor", "enrol").acked
    slack.wait_for(lambda: slack.modal(user))
    world.settle()
    view = slack.modal(user)
    values = {"role": {"role": role}, "topics": {"topics": topics}, "capacity": {"capacity": capacity}}
    for n, goal in enumerate(goals, 1):
        values[f"goal_{n}"] = {f"goal_{n}": goal}
    if blocked:
        values["blocked"] = {"blocked": list(blocked)}
    delivery = slack.submit_view(user, view["id"], values)
    world.settle()
    return delivery.outcome, slack.modal(user)


def click(world, user, action_id, message, block_id=None):
    world.slack.click(user, action_id, channel=message["channel"], ts=message["ts"], block_id=block_id)
    world.settle()


def dm(world, user, fragment):
    """The bot's DMs to `user` whose blocks contain `fragment`, each with its channel."""
    channel = world.slack.dm_channel(user)
    return [{**m, "channel": channel} for m in with_block(world.slack.dms(user), fragment)]


def answer_questions(world, channel, mentor, asker, n, topic="sql"):
    """`mentor` answers n questions on `topic` in threads: earned, visible Q&A."""
    slack = world.slack
    for i in range(n):
        before = {m["ts"] for m in slack.messages(channel)}
        assert slack.command(asker, channel, "/ask", f"[{topic}] question number {i} about joins?").acked
        card = slack.wait_for(lambda: [m for m in slack.messages(channel)
                                       if m.get("bot_id") and m["ts"] not in before])[0]
        world.settle()
        slack.post(mentor, channel, "Use an index on the join key.", thread_ts=card["ts"])
        world.settle()


def nothing_public(world, qa_channel=None):
    """No mentoring message was posted in any public channel (question cards
    from /ask in the Q&A channel are not mentoring)."""
    slack = world.slack
    for call in slack.calls_to("chat.postMessage"):
        conv = slack.ws.conversation(call.args["channel"]) if call.args["channel"] in slack.ws.conversations else None
        if conv is not None and conv.kind == "channel":
            assert conv.id == qa_channel and "mentor" not in json.dumps(call.args).lower()
        else:
            assert call.args["channel"][0] in "DG"


@pytest.fixture
def programme(world):
    class Clock:
        now = MONDAY

    world.deps.clock = lambda: Clock.now
    slack = world.slack
    people = {name: slack.add_user(name) for name in ("mia", "max", "meg", "mo", "nia", "ned")}
    hub = slack.add_channel("mentoring", members=[world.carol, *people.values()])
    with slack.ws.lock:
        slack.ws.conversation(world.general).members.update(people.values())
    assert "is on" in world.say(world.carol, hub, "/peerbot", "mentoring on")
    return Clock, people, hub


def mentors(world, hub, p, capacity="2"):
    answer_questions(world, world.general, p["max"], world.alice, 2)
    assert enrol(world, hub, p["max"], "mentor", "SQL, data modelling", capacity=capacity)[0] == "closed"
    assert enrol(world, hub, p["meg"], "both", "sql", capacity=capacity)[0] == "closed"
    assert enrol(world, hub, p["mo"], "mentor", "python")[0] == "closed"


def test_decline_next_choice_accept_kickoff_then_not_a_fit_and_a_rematch(world, programme):
    clock, p, hub = programme
    slack = world.slack
    mentors(world, hub, p)
    assert enrol(world, hub, p["mia"], "mentee", "sql", goals=["Write faster queries", "Review <schema> designs"]
                 )[0] == "closed"
    # Enrolled as a mentee: the top mentors by DM, with the reason from the Q&A, a Request button each.
    suggestions = dm(world, p["mia"], ids.MENTOR_REQUEST)
    assert len(suggestions) == 1
    text = shown(suggestions[0])
    assert f"<@{p['max']}>: answered 2 questions on sql this quarter" in text
    assert f"<@{p['meg']}>: mentors on sql" in text
    assert p["mo"] not in text  # python only: no fit
    click(world, p["mia"], ids.MENTOR_REQUEST, suggestions[0], block_id="msug-1")
    click(world, p["mia"], ids.MENTOR_REQUEST, suggestions[0], block_id="msug-1")  # a double click asks once
    assert "already asked" in shown(slack.ephemerals(user=p["mia"])[-1])
    ask_max = dm(world, p["max"], "peerbot-mentor-request-")
    assert len(ask_max) == 1 and "Write faster queries" in shown(ask_max[0])
    assert "Review &lt;schema&gt; designs" in shown(ask_max[0])  # the mentee's text is escaped
    assert "<!date^" in shown(ask_max[0])

    # Max declines: Meg, the next choice, is asked and Mia is told.
    click(world, p["max"], ids.MENTOR_DECLINE, ask_max[0])
    assert "You declined" in shown(slack.message(ask_max[0]["channel"], ask_max[0]["ts"]))
    told = dm(world, p["mia"], "peerbot-mentor-next-")
    assert len(told) == 1 and f"I've asked <@{p['meg']}>" in shown(told[0])
    ask_meg = dm(world, p["meg"], "peerbot-mentor-request-")
    assert len(ask_meg) == 1 and "later choice" in shown(ask_meg[0])

    # Meg accepts: the kick-off group DM with Mia's goals.
    click(world, p["meg"], ids.MENTOR_ACCEPT, ask_meg[0])
    with world.deps.db.read() as session:
        assert session.scalar(select(func.count()).select_from(Mentorship)) == 1
        mentorship = session.scalars(select(Mentorship)).one()
    assert (mentorship.mentor_id, mentorship.mentee_id) == (p["meg"], p["mia"])
    (group, messages), = slack.group_dms(p["mia"]).items()
    assert slack.ws.conversation(group).members == {p["mia"], p["meg"], slack.bot_user_id}
    kickoff = with_block(messages, "peerbot-mentor-kickoff-")
    assert len(kickoff) == 1 and "Write faster queries" in shown(kickoff[0]) and "every 2 weeks" in shown(kickoff[0])
    assert dm(world, p["mia"], "peerbot-mentor-accepted-")
    assert "Too early" in world.say(p["mia"], hub, "/mentor")
    slack.open_home(p["meg"])
    world.settle()
    home = shown(slack.home(p["meg"]))
    assert f"Mentoring: your mentee <@{p['mia']}>" in home and "Too early" in home

    # Day 14, 10:00 local: the fit check and "did you meet?" to both, once however often the job runs.
    day14 = MONDAY + timedelta(days=14, minutes=15)
    assert "2 fit asked" in at(world, clock, day14)
    assert "fit asked" not in at(world, clock, day14 + timedelta(minutes=15))
    for who in (p["mia"], p["meg"]):
        assert len(dm(world, who, "peerbot-mentor-fit-")) == 1
        assert len(dm(world, who, f"peerbot-checkin-m{mentorship.id}-d14")) == 1
    fit = dm(world, p["mia"], "peerbot-mentor-fit-")[0]
    click(world, p["mia"], f"{ids.MENTOR_FIT}_not_a_fit", fit)
    assert "Not a fit" in shown(slack.message(fit["channel"], fit["ts"]))
    assert "Needs check-in" in world.say(p["mia"], hub, "/mentor")

    # Not a fit: Mia is offered a rematch; taking it ends this mentorship and suggests others (not Meg).
    offer = dm(world, p["mia"], "peerbot-mentor-rematch-")
    assert len(offer) == 1
    click(world, p["mia"], ids.MENTOR_REMATCH, offer[0])
    replaced = shown(slack.message(offer[0]["channel"], offer[0]["ts"]))
    assert f"<@{p['max']}>" in replaced and f"<@{p['meg']}>" not in replaced and ids.MENTOR_REQUEST in replaced
    assert dm(world, p["meg"], "peerbot-mentor-ended-")
    with world.deps.db.read() as session:
        ended = session.get(Mentorship, mentorship.id)
    assert (ended.status, ended.end_reason) == ("ended", "not_a_fit")
    # The rematch request remembers what it replaces (the rematch rate counts it).
    click(world, p["mia"], ids.MENTOR_REQUEST, slack.message(offer[0]["channel"], offer[0]["ts"]) | {
        "channel": offer[0]["channel"]}, block_id="msug-1")
    with world.deps.db.read() as session:
        latest = session.scalars(select(MentorRequest).order_by(MentorRequest.id.desc())).first()
    assert (latest.mentor_id, latest.rematch_of, latest.status) == (p["max"], mentorship.id, "pending")
    nothing_public(world, qa_channel=world.general)
    assert not [m for m in slack.messages(hub) if m.get("bot_id")]


def test_a_request_expires_after_three_days_and_the_next_choice_is_asked(world, programme):
    clock, p, hub = programme
    slack = world.slack
    mentors(world, hub, p)
    enrol(world, hub, p["mia"], "mentee", "sql")
    click(world, p["mia"], ids.MENTOR_REQUEST, dm(world, p["mia"], ids.MENTOR_REQUEST)[0], block_id="msug-1")
    ask_max = dm(world, p["max"], "peerbot-mentor-request-")[0]
    assert "nothing due" in at(world, clock, MONDAY + timedelta(days=2, hours=23))
    thursday = MONDAY + timedelta(days=3, minutes=15)
    assert "1 expired" in at(world, clock, thursday)
    assert "expired" not in at(world, clock, thursday + timedelta(minutes=15))
    told = dm(world, p["mia"], "peerbot-mentor-next-")
    assert len(told) == 1 and "didn't answer within 3 days" in shown(told[0])
    assert len(dm(world, p["meg"], "peerbot-mentor-request-")) == 1
    # Max answers too late: told clearly, nothing changes.
    click(world, p["max"], ids.MENTOR_ACCEPT, ask_max)
    assert "expired" in shown(slack.ephemerals(user=p["max"])[-1])
    with world.deps.db.read() as session:
        assert session.scalars(select(Mentorship)).all() == []
        statuses = sorted(r.status for r in session.scalars(select(MentorRequest)))
    assert statuses == ["expired", "pending"]
    nothing_public(world, qa_channel=world.general)


def test_a_full_pool_puts_mentees_on_the_waitlist_until_a_slot_frees(world, programme):
    clock, p, hub = programme
    slack = world.slack
    enrol(world, hub, p["max"], "mentor", "sql", capacity="1")
    enrol(world, hub, p["mia"], "mentee", "sql")
    click(world, p["mia"], ids.MENTOR_REQUEST, dm(world, p["mia"], ids.MENTOR_REQUEST)[0], block_id="msug-1")
    click(world, p["max"], ids.MENTOR_ACCEPT, dm(world, p["max"], "peerbot-mentor-request-")[0])
    # Max is full: the next mentees wait, each told their place.
    clock.now = MONDAY + timedelta(minutes=5)
    enrol(world, hub, p["nia"], "mentee", "sql")
    clock.now = MONDAY + timedelta(minutes=10)
    enrol(world, hub, p["ned"], "mentee", "sql")
    assert "number 1" in shown(slack.dms(p["nia"])[-1])
    assert "number 2" in shown(slack.dms(p["ned"])[-1])
    assert "waitlist: number 1" in world.say(p["nia"], hub, "/mentor")
    # Asking a full mentor by name: a clear answer, nothing changes.
    assert "no free mentoring slot" in world.say(p["nia"], hub, "/mentor", "request @max")
    assert "nothing due" in at(world, clock, MONDAY + timedelta(hours=1))
    # Mia ends early from /mentor: Max is told, and his slot goes to the first on the waitlist.
    world.say(p["mia"], hub, "/mentor")
    status = [e for e in slack.ephemerals(user=p["mia"]) if ids.MENTOR_END in json.dumps(e.get("blocks"))][-1]
    slack.click(p["mia"], ids.MENTOR_END, ephemeral=status)
    world.settle()
    assert "has ended" in shown(slack.ephemerals(user=p["mia"])[-1])
    assert "ended the mentorship" in shown(dm(world, p["max"], "peerbot-mentor-ended-")[0])
    result = at(world, clock, MONDAY + timedelta(hours=2))
    assert "1 asked from the waitlist" in result
    assert "asked from the waitlist" not in at(world, clock, MONDAY + timedelta(hours=2, minutes=15))
    assert len(dm(world, p["nia"], "peerbot-mentor-waitlist-")) == 1
    requests = dm(world, p["max"], "peerbot-mentor-request-")
    assert len(requests) == 1 and f"<@{p['nia']}>" in shown(requests[0])  # Mia's was answered: no key left
    click(world, p["max"], ids.MENTOR_ACCEPT, requests[-1])
    with world.deps.db.read() as session:
        active = session.scalars(select(Mentorship).where(Mentorship.status == "active")).all()
    assert [(m.mentor_id, m.mentee_id) for m in active] == [(p["max"], p["nia"])]
    assert "waitlist: number 1" in world.say(p["ned"], hub, "/mentor")
    slack.open_home(p["ned"])
    world.settle()
    assert "Mentoring: on the waitlist, number 1" in shown(slack.home(p["ned"]))
    nothing_public(world)


def test_check_ins_every_four_weeks_the_survey_and_extending_are_sent_once(world, programme):
    clock, p, hub = programme
    slack = world.slack
    enrol(world, hub, p["max"], "mentor", "sql")
    enrol(world, hub, p["mia"], "mentee", "sql", goals=["Ship a report"])
    click(world, p["mia"], ids.MENTOR_REQUEST, dm(world, p["mia"], ids.MENTOR_REQUEST)[0], block_id="msug-1")
    click(world, p["max"], ids.MENTOR_ACCEPT, dm(world, p["max"], "peerbot-mentor-request-")[0])
    with world.deps.db.read() as session:
        m = session.scalars(select(Mentorship)).one()
    at(world, clock, MONDAY + timedelta(days=14, minutes=5))
    checkin = dm(world, p["mia"], f"peerbot-checkin-m{m.id}-d14")[0]
    click(world, p["mia"], ids.CHECKIN_MET, checkin)
    assert "On track" in world.say(p["mia"], hub, "/mentor")
    # Days 42 and 70 at 10:00 BST (09:00 UTC): to both, once each, even when the job runs twice.
    for day in (42, 70):
        moment = MONDAY + timedelta(days=day, hours=-1, minutes=5)
        assert "2 checked in" in at(world, clock, moment)
        assert "checked in" not in at(world, clock, moment + timedelta(minutes=15))
        for who in (p["mia"], p["max"]):
            assert len(dm(world, who, f"peerbot-checkin-m{m.id}-d{day}")) == 1
    # Max answers one (three unanswered in a row would pause him: test_mentoring_pause.py).
    click(world, p["max"], ids.CHECKIN_NOT_YET, dm(world, p["max"], f"peerbot-checkin-m{m.id}-d42")[0])
    assert "Needs check-in" in world.say(p["mia"], hub, "/mentor")  # 56 days since the last meeting
    # The end: a survey with Extend, to both, once.
    end = m.ends_at + timedelta(minutes=5)
    assert "2 survey sent" in at(world, clock, end)
    assert "survey" not in at(world, clock, end + timedelta(minutes=15))
    survey = dm(world, p["mia"], "peerbot-mentor-survey-")
    assert len(survey) == 1
    click(world, p["mia"], ids.MENTOR_SURVEY, survey[0])
    modal = slack.modal(p["mia"])
    slack.submit_view(p["mia"], modal["id"], {"rating": {"rating": "5"}, "recommend": {"recommend": "yes"},
                                              "goals": {"goals": "partly"}})
    world.settle()
    with world.deps.db.read() as session:
        answers = session.scalars(select(MentoringSurvey)).all()
    assert [(a.rating, a.would_recommend, a.goals_achieved) for a in answers] == [(5, True, "partly")]
    # Max extends: Mia is told, and a week after the old end nothing completes.
    click(world, p["max"], ids.MENTOR_EXTEND, dm(world, p["max"], "peerbot-mentor-survey-")[0])
    assert "Extended" in shown(slack.ephemerals(user=p["max"])[-1])
    assert len(dm(world, p["mia"], "peerbot-mentor-extended-")) == 1
    assert "completed" not in at(world, clock, end + timedelta(days=8))
    with world.deps.db.read() as session:
        m2 = session.get(Mentorship, m.id)
        asked = session.scalar(select(func.count()).select_from(CheckIn).where(CheckIn.subject_id == m.id))
    assert (m2.status, m2.extensions) == ("active", 1)
    assert asked == 8  # days 14, 42, 70 and, extended, 98: to both
    # After the extended end and a week's grace, it completes and both are told, once.
    assert "completed" in at(world, clock, m2.ends_at + timedelta(days=7, minutes=5))
    assert "completed" not in at(world, clock, m2.ends_at + timedelta(days=7, minutes=20))
    for who in (p["mia"], p["max"]):
        assert len(dm(world, who, "peerbot-mentor-ended-")) == 1
    nothing_public(world)


def test_bad_input_gets_a_clear_answer_and_changes_nothing(world, programme):
    clock, p, hub = programme
    # No topic: the modal shows the error and stays open; nothing is stored.
    outcome, view = enrol(world, hub, p["mia"], "mentee", " , ;")
    assert outcome == "errors" and "at least one topic" in view["errors"]["topics"]
    outcome, view = enrol(world, hub, p["nia"], "mentor", "sql", blocked=[p["nia"]])
    assert outcome == "errors" and "yourself" in view["errors"]["blocked"]
    with world.deps.db.read() as session:
        assert session.scalars(select(MentoringProfile)).all() == []
    enrol(world, hub, p["max"], "mentor", "sql", capacity="1")
    enrol(world, hub, p["meg"], "both", "sql", blocked=[p["max"]])
    assert "Enrol as a mentee first" in world.say(p["ned"], hub, "/mentor", "request @max")
    assert "your own mentor" in world.say(p["meg"], hub, "/mentor", "request @meg")
    assert "can't be matched" in world.say(p["meg"], hub, "/mentor", "request @max")
    assert "autocomplete" in world.say(p["meg"], hub, "/mentor", "request @nobody-here")
    assert "Usage" in world.say(p["meg"], hub, "/mentor", "sing a song")
    with world.deps.db.read() as session:
        assert session.scalars(select(MentorRequest)).all() == []
    enrol(world, hub, p["mia"], "mentee", "sql")
    click(world, p["mia"], ids.MENTOR_REQUEST, dm(world, p["mia"], ids.MENTOR_REQUEST)[0], block_id="msug-1")
    # Switched off: /mentor says so, and the pending request is left alone (nothing is sent).
    assert "is off" in world.say(world.carol, hub, "/peerbot", "mentoring off")
    assert "programme is off" in world.say(p["ned"], hub, "/mentor", "find")
    assert "mentoring: nothing due" in at(world, clock, MONDAY + timedelta(days=4))
    nothing_public(world)


def test_a_cohort_run_is_previewed_then_published_once(world, programme):
    clock, p, hub = programme
    slack = world.slack
    assert "Only workspace admins" in world.say(world.alice, world.general, "/mentor", "cohort until 2026-03-06")
    assert "open for registration until" in world.say(world.carol, hub, "/mentor", "cohort until 2026-03-06")
    assert "already open" in world.say(world.carol, hub, "/mentor", "cohort until 2026-03-20")
    enrol(world, hub, p["max"], "mentor", "sql", capacity="1")
    enrol(world, hub, p["meg"], "mentor", "sql", capacity="1")
    for name in ("mia", "nia", "ned"):
        enrol(world, hub, p[name], "mentee", "sql")
    enrol(world, hub, p["mo"], "mentee", "python")
    assert "cohort is open" in shown(slack.dms(p["mia"])[-1])  # no suggestions while registering
    assert "cohort is open" in world.say(p["mia"], hub, "/mentor", "request @max")
    assert "previewed" not in at(world, clock, datetime(2026, 3, 6, 16, 0, tzinfo=timezone.utc))
    # Registration closed: one whole-pool run, previewed to the admin, nobody else told.
    monday = datetime(2026, 3, 9, 9, 15, tzinfo=timezone.utc)
    assert "1 cohort previewed" in at(world, clock, monday)
    assert "previewed" not in at(world, clock, monday + timedelta(minutes=15))
    preview = dm(world, world.carol, "peerbot-round-preview-")
    assert len(preview) == 1 and "Nobody has been told yet" in shown(preview[0])
    assert f"<@{p['mo']}> not placed: no mentor in this cohort mentors on your topics" in shown(preview[0])
    assert "as many matches as they can take" in shown(preview[0])
    assert not slack.group_dms(p["max"]) and not slack.group_dms(p["meg"])
    # Published: a kick-off per pair; the others hear why, and wait.
    click(world, world.carol, ids.ROUND_PUBLISH, preview[0])
    with world.deps.db.read() as session:
        pairs = {(m.mentee_id, m.mentor_id) for m in session.scalars(select(Mentorship))}
    assert len(pairs) == 2 and {mentor for _, mentor in pairs} == {p["max"], p["meg"]}
    for mentee, mentor in pairs:
        (group, messages), = slack.group_dms(mentee).items()
        assert slack.ws.conversation(group).members == {mentee, mentor, slack.bot_user_id}
        assert len(with_block(messages, "peerbot-mentor-kickoff-")) == 1
    left_out = ({p["mia"], p["nia"], p["ned"]} - {mentee for mentee, _ in pairs}) | {p["mo"]}
    for who in left_out:
        told = dm(world, who, "peerbot-mentor-cohort-")
        assert len(told) == 1 and "waitlist" in shown(told[0])
    # With the cohort published, evergreen matching is back.
    assert "cohort" not in world.say(p["mo"], hub, "/mentor", "find")
    nothing_public(world)


def test_mentor_shows_enrolment_and_its_buttons_open_the_form_and_suggestions(world, programme):
    clock, p, hub = programme
    slack = world.slack
    assert "3-month matches" in world.say(world.carol, hub, "/peerbot", "mentoring settings")
    assert "not in the mentoring programme yet" in world.say(p["mia"], hub, "/mentor")
    status = slack.ephemerals(user=p["mia"])[-1]
    slack.click(p["mia"], ids.MENTOR_ENROL, ephemeral=status)
    world.settle()
    assert slack.modal(p["mia"])["callback_id"] == ids.MENTOR_ENROL_MODAL
    enrol(world, hub, p["max"], "mentor", "sql")
    enrol(world, hub, p["mia"], "mentee", "sql", goals=["Lead a design review"])
    shown_status = world.say(p["mia"], hub, "/mentor")
    assert "enrolled as a mentee on sql" in shown_status and "Find a mentor" in shown_status
    slack.click(p["mia"], ids.MENTOR_FIND, ephemeral=slack.ephemerals(user=p["mia"])[-1])
    world.settle()
    assert f"<@{p['max']}>: mentors on sql" in shown(slack.ephemerals(user=p["mia"])[-1])
    # Enrolling again edits: the form opens with what was saved.
    slack.command(p["mia"], hub, "/mentor", "enrol")
    world.settle()
    form = json.dumps(slack.modal(p["mia"]))
    assert "Lead a design review" in form and '"initial_value": "sql"' in form
    nothing_public(world)
