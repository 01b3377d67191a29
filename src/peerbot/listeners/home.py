"""App Home: publish the Home tab whenever someone opens it, with what that
person may see: their own questions, answers, saves and topics, and the
workspace's most useful public items."""

from __future__ import annotations

from datetime import timedelta

from slack_bolt import App
from slack_sdk import WebClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from peerbot.blocks.home import MAX_ROWS, Home, ItemRow, QuestionRow, home_view
from peerbot.deps import Deps
from peerbot.listeners.guard import ack_only, after_ack
from peerbot.services import knowledge, questions
from peerbot.store.models import Expertise, KnowledgeItem, Question, Topic

RECENT = timedelta(days=90)


def register(app: App, deps: Deps) -> None:
    @after_ack
    def publish_home(body: dict, event: dict, client: WebClient) -> None:
        if event.get("tab") != "home":
            return
        user_id = event["user"]
        team_id = body.get("team_id") or (body.get("authorizations") or [{}])[0].get("team_id", "")
        with deps.db.read() as session:
            home = home_for(session, team_id, user_id, deps.clock() - RECENT)
        client.views_publish(user_id=user_id, view=home_view(home))

    app.event("app_home_opened")(ack=ack_only, lazy=[publish_home])


def home_for(session: Session, team_id: str, user_id: str, since) -> Home:
    """Everything on one person's Home tab, read in one go."""
    own = questions.open_questions_of(session, team_id, user_id, limit=MAX_ROWS)
    # Another person's anonymous question never appears here, not even its text.
    answered = [q for q in questions.answered_by(session, team_id, user_id, limit=MAX_ROWS * 2)
                if not q.anonymous or q.asker_id == user_id][:MAX_ROWS]
    popular = knowledge.most_useful(session, team_id=team_id, channel_id=None, limit=MAX_ROWS, since=since)
    return Home(
        user_id=user_id,
        open_questions=[_question_row(q, viewer=user_id) for q in own],
        answered=[_question_row(q, viewer=user_id) for q in answered],
        saved=[_item_row(i) for i in knowledge.saved_by_user(session, team_id=team_id, user_id=user_id,
                                                            limit=MAX_ROWS)],
        topics=declared_topics(session, team_id, user_id),
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


def declared_topics(session: Session, team_id: str, user_id: str, limit: int = 20) -> list[str]:
    """The topics this person declared with /experts.
    TODO(lead): move into the experts service when it lands."""
    return list(session.scalars(
        select(Topic.name)
        .join(Expertise, Expertise.topic_id == Topic.id)
        .where(Expertise.team_id == team_id, Expertise.user_id == user_id, Expertise.declared.is_(True))
        .order_by(Topic.name)
        .limit(limit)
    ))
