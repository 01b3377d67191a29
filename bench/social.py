"""The people side of a workspace, added to the search corpus: members,
topics, experts, four weeks of questions and answers (accepted answers saved
to the knowledge base), bookmarks of the period's items, /kb searches, votes
and the conversations cache. Bulk-inserted with SQLAlchemy Core executemany.

Everything happens before `now` = the moment the corpus's newest item was
saved, so "this week" and "the last 30 days" are the corpus's last days."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import insert, select, text

from bench.corpus import COMMON, Vocabulary
from bench.search import PRIVATE_CHANNELS, PUBLIC_CHANNELS, TEAM, Corpus
from peerbot.store.models import (
    Answer,
    Conversation,
    Expertise,
    KbSearch,
    KnowledgeItem,
    KnowledgeSave,
    Member,
    Question,
    QuestionVote,
    Topic,
)

Q_ID0, A_ID0, ITEM_ID0, SEARCH_ID0 = 1, 1, 5_000_001, 1
BATCH = 5_000


@dataclass(frozen=True)
class SocialSizes:
    members: int
    topics: int
    experts: int  # expertise rows
    new_experts: int  # first declarations in the last week
    questions_per_week: int
    weeks: int
    searches_per_day: int


FULL_SOCIAL = SocialSizes(10_000, 120, 2_500, 40, 3_000, 4, 500)
QUICK_SOCIAL = SocialSizes(200, 30, 100, 5, 100, 4, 20)


@dataclass
class Social:
    now: datetime
    counts: dict[str, int]
    load_seconds: float
    viewer: str  # an admin member


def _insert(db, model, rows: list[dict]) -> None:
    for start in range(0, len(rows), BATCH):
        with db.begin() as session:
            session.execute(insert(model), rows[start:start + BATCH])


def load(corpus: Corpus, vocab: Vocabulary, sizes: SocialSizes, seed: int = 5) -> Social:
    started = time.perf_counter()
    rng = random.Random(seed)
    db = corpus.db
    now = corpus._when(corpus.size) if corpus.size else corpus._when(1)
    counts: dict[str, int] = {}
    users = [f"U{i:05d}" for i in range(sizes.members)]

    # ---- members, conversations, topics, experts --------------------------------------------------
    members = [dict(team_id=TEAM, user_id=u, name=f"user{i}", real_name=f"Bench User {i}", tz="Europe/Berlin",
                    is_admin=i % 100 == 0, is_owner=i == 0, is_bot=i % 500 == 499, deleted=i % 97 == 96,
                    away=i % 50 == 1, away_until=None, refreshed_at=now) for i, u in enumerate(users)]
    _insert(db, Member, members)
    counts["members"] = len(members)
    _insert(db, Conversation, [dict(team_id=TEAM, channel_id=c, name=c.lower(),
                                    privacy="private" if c in PRIVATE_CHANNELS else "public", refreshed_at=now)
                               for c in PUBLIC_CHANNELS + PRIVATE_CHANNELS])
    names = list(dict.fromkeys(list(COMMON) + [w for w in vocab.words if len(w) >= 4]))[:sizes.topics]
    topic_ids = list(range(1, len(names) + 1))
    _insert(db, Topic, [dict(id=t, team_id=TEAM, name=n, created_at=now - timedelta(days=400))
                        for t, n in zip(topic_ids, names)])
    counts["topics"] = len(names)
    experts, seen = [], set()
    week_ago = now - timedelta(days=7)
    newcomers = set(rng.sample(users[1:], sizes.new_experts))
    while len(experts) < sizes.experts:
        user = rng.choice(users[1:])
        topic = rng.choices(topic_ids, weights=[1 / r for r in range(1, len(topic_ids) + 1)])[0]
        if (user, topic) in seen:
            continue
        seen.add((user, topic))
        new = user in newcomers
        declared = new or rng.random() < 0.6
        when = (week_ago + timedelta(seconds=rng.uniform(0, 7 * 86400)) if new
                else now - timedelta(days=rng.uniform(8, 400)))
        experts.append(dict(team_id=TEAM, user_id=user, topic_id=topic, declared=declared,
                            earned=rng.randint(0, 6), declared_at=when if declared else None,
                            last_routed_at=None))
    _insert(db, Expertise, experts)
    counts["expertise"] = len(experts)

    # ---- questions, answers, accepted answers in the knowledge base -------------------------------
    channels = PUBLIC_CHANNELS + PRIVATE_CHANNELS
    weights = [1.0 / (i + 1) for i in range(len(PUBLIC_CHANNELS))] + [0.1] * len(PRIVATE_CHANNELS)
    span = sizes.weeks * 7 * 86400
    questions, answers, items = [], [], []
    n_questions = sizes.questions_per_week * sizes.weeks
    for k in range(n_questions):
        qid = Q_ID0 + k
        created = now - timedelta(seconds=rng.uniform(60, span))
        channel = rng.choices(channels, weights=weights)[0]
        asker = rng.choice(users)
        topic = rng.choice(topic_ids) if rng.random() < 0.8 else None
        age_days = (now - created).total_seconds() / 86400
        n_answers = rng.choices((0, 1, 2, 3), weights=(2 if age_days > 2 else 5, 5, 3, 2))[0]
        accepted_one = n_answers and rng.random() < 0.5
        status = "answered" if accepted_one else ("open" if rng.random() < 0.85 else "closed")
        q_ts = f"{int(created.timestamp())}.{k % 1_000_000:06d}"
        questions.append(dict(id=qid, team_id=TEAM, channel_id=channel, message_ts=q_ts, request_key=None,
                              asker_id=asker, anonymous=False, text="How do I " + " ".join(
                                  rng.choices(vocab.words[10:2000], k=rng.randint(4, 9))) + "?",
                              topic_id=topic, status=status, created_at=created, answered_at=None))
        for j in range(n_answers):
            answered = min(now, created + timedelta(minutes=rng.expovariate(1 / 240)))
            author = rng.choice(users)
            aid = A_ID0 + len(answers)
            a_ts = f"{int(answered.timestamp())}.{(aid + 500_000) % 1_000_000:06d}"
            accepted_at = None
            if accepted_one and j == 0:
                accepted_at = min(now, answered + timedelta(minutes=rng.expovariate(1 / 120)))
                questions[-1]["answered_at"] = accepted_at
                body = " ".join(rng.choices(vocab.words[10:3000], k=rng.randint(12, 30)))
                items.append(dict(id=ITEM_ID0 + len(items), team_id=TEAM, channel_id=channel, message_ts=a_ts,
                                  is_public=channel in PUBLIC_CHANNELS, kind="answer", title="", text=body,
                                  author_id=author, saved_by=asker, topic_id=topic, question_id=qid,
                                  permalink=f"https://bench.slack.com/archives/{channel}/p{a_ts.replace('.', '')}",
                                  score=1 + min(20, int(rng.paretovariate(1.5)) - 1),
                                  created_at=accepted_at, updated_at=accepted_at))
            answers.append(dict(id=aid, question_id=qid, team_id=TEAM, channel_id=channel, message_ts=a_ts,
                                author_id=author, text="Try this", created_at=answered, accepted_at=accepted_at))
    _insert(db, Question, questions)
    _insert(db, Answer, answers)
    _insert(db, KnowledgeItem, items)
    counts["questions"], counts["answers"], counts["accepted answer items"] = len(questions), len(answers), len(items)

    # ---- bookmarks of the period's items (one save per point of score), searches, votes -----------
    since = now - timedelta(seconds=span)
    with db.read() as session:
        window = session.execute(select(KnowledgeItem.id, KnowledgeItem.score, KnowledgeItem.created_at)
                                 .where(KnowledgeItem.team_id == TEAM, KnowledgeItem.created_at >= since)).all()
    saves = []
    for item_id, score, created in window:
        for user in rng.sample(users, min(score, len(users))):
            saves.append(dict(item_id=item_id, user_id=user, via="reaction",
                              created_at=min(now, created + timedelta(minutes=rng.uniform(0, 600)))))
    _insert(db, KnowledgeSave, saves)
    counts["items in the period"], counts["saves"] = len(window), len(saves)
    searches = [dict(id=SEARCH_ID0 + k, team_id=TEAM, channel_id=rng.choices(channels, weights=weights)[0],
                     user_id=rng.choice(users), topic_id=rng.choice(topic_ids) if rng.random() < 0.6 else None,
                     results=rng.choice((0, 0, 1, 3, 5, 5)),
                     created_at=now - timedelta(seconds=rng.uniform(0, span)))
                for k in range(sizes.searches_per_day * sizes.weeks * 7)]
    _insert(db, KbSearch, searches)
    counts["searches"] = len(searches)
    votes, seen_votes = [], set()
    for _ in range(n_questions // 4):
        q = rng.choice(questions)
        user = rng.choice(users)
        if (q["id"], user) not in seen_votes:
            seen_votes.add((q["id"], user))
            votes.append(dict(question_id=q["id"], user_id=user, created_at=min(now, q["created_at"] +
                                                                                  timedelta(hours=1))))
    _insert(db, QuestionVote, votes)
    counts["votes"] = len(votes)
    _reset_sequences(corpus)
    _analyze(corpus)
    return Social(now, counts, time.perf_counter() - started, viewer=users[0])


def _reset_sequences(corpus: Corpus) -> None:
    """Rows were inserted with explicit ids: move PostgreSQL's sequences past them."""
    if corpus.dialect != "postgresql":
        return
    with corpus.db.begin() as session:
        for table in ("topics", "questions", "answers", "knowledge_items", "kb_searches"):
            session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                 f"(SELECT max(id) FROM {table}))"))


def _analyze(corpus: Corpus) -> None:
    raw = corpus.db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        if corpus.dialect == "sqlite":
            cursor.execute("ANALYZE")
        else:
            raw.commit()
            raw.driver_connection.autocommit = True
            cursor.execute("ANALYZE")
            raw.driver_connection.autocommit = False
    finally:
        raw.close()
