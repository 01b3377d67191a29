"""App Home: publish the Home tab whenever someone opens it, with what that
person may see: their own questions, answers, saves and topics, and the
workspace's most useful public items."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from slack_bolt import App
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from peerbot.blocks.home import MAX_ROWS, Home, ItemRow, QuestionRow, home_view
from peerbot.deps import Deps
from peerbot.listeners import feedback, talks
from peerbot.listeners.guard import ack_only, after_ack
from peerbot.services import buddies, circles, experts, knowledge, mentoring, programmes, questions, rounds
from peerbot.store.models import KnowledgeItem, Question

RECENT = timedelta(days=90)


def register(app: App, deps: Deps) -> None:
    @after_ack
    def publish_home(body: dict, event: dict, client: WebClient) -> None:
        if event.get("tab") != "home":
            return
        user_id = event["user"]
        team_id = body.get("team_id") or (body.get("authorizations") or [{}])[0].get("team_id", "")
        with deps.db.read() as session:
            home = home_for(session, team_id, user_id, deps.clock())
            has_programme = programmes.get(session, team_id, programmes.BUDDIES) is not None
        if has_programme:  # admins see what needs attention (users.info says who is one)
            user = client.users_info(user=user_id)["user"]
            is_admin = bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner"))
            with deps.db.read() as session:
                home = replace(home, **programme_rows(session, team_id, user_id, deps.clock(), is_admin))
        with deps.db.read() as session:
            home = replace(home, feedback=feedback.home_section(session, team_id, user_id, deps.clock()))
        with deps.db.read() as session:
            more = (mentoring.home_lines(session, team_id, user_id, deps.clock())
                    + circles.home_lines(session, team_id, user_id, deps.clock())
                    + talks.home_lines(session, team_id, user_id, deps.clock()))
        home = replace(home, programmes=home.programmes + more)
        client.views_publish(user_id=user_id, view=home_view(home))

    app.event("app_home_opened")(ack=ack_only, lazy=[publish_home])


def home_for(session: Session, team_id: str, user_id: str, now: datetime) -> Home:
    """Everything on one person's Home tab, read in one go."""
    own = questions.open_questions_of(session, team_id, user_id, limit=MAX_ROWS)
    # Another person's anonymous question never appears here, not even its text.
    answered = [q for q in questions.answered_by(session, team_id, user_id, limit=MAX_ROWS * 2)
                if not q.anonymous or q.asker_id == user_id][:MAX_ROWS]
    popular = knowledge.most_useful(session, team_id=team_id, channel_id=None, limit=MAX_ROWS, since=now - RECENT)
    return Home(
        user_id=user_id,
        open_questions=[_question_row(q, viewer=user_id) for q in own],
        answered=[_question_row(q, viewer=user_id) for q in answered],
        saved=[_item_row(i) for i in knowledge.saved_by_user(session, team_id=team_id, user_id=user_id,
                                                            limit=MAX_ROWS)],
        topics=[entry.topic for entry in experts.profile(session, team_id, user_id, now).topics],
        popular=[_item_row(i) for i in popular],
    )


def _question_row(question: Question, *, viewer: str) -> QuestionRow:
    return QuestionRow(
        text=question.text,
        channel_id=question.channel_id,
        asked_anonymously=question.anonymous and question.asker_id == viewer,
        status=question.status,
    )


def _item_row(item: KnowledgeItem) -> ItemRow:
    return ItemRow(title=item.title or knowledge.title_from(item.text), link=item.permalink, score=item.score)


def programme_rows(session: Session, team_id: str, user_id: str, now: datetime, is_admin: bool) -> dict:
    """The viewer's buddy or hires and, for admins, the needs-attention list."""
    mine, theirs = buddies.of_person(session, team_id, user_id)
    lines = [f"• Your buddy: <@{p.buddy_id}>" if p.buddy_id else "• Your buddy is being chosen" for p in mine]
    lines += [f"• <@{p.hire_id}> (starts {p.start_date})" + (f", buddy <@{p.buddy_id}>" if p.buddy_id else
                                                                ", no buddy yet") for p in theirs]
    lines += [f"• A {r.kind} round waits for your preview: Publish it from my DM" for r in
              rounds.drafts(session, team_id, user_id)]
    attention = None
    if is_admin:
        settings = programmes.settings_of(programmes.get(session, team_id, programmes.BUDDIES))
        attention = [f"• <@{a.hire_id}>" + (f" and <@{a.buddy_id}>" if a.buddy_id else "") + f": {a.reason}"
                     for a in buddies.needs_attention(session, team_id, settings, now)]
    return {"programmes": lines, "attention": attention}
