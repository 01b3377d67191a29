from datetime import datetime, timezone

from sqlalchemy import func, select

from peerbot.store.models import Workspace
from peerbot.store.upsert import insert_ignore


def test_insert_ignore_inserts_once_and_says_so(db):
    now = datetime.now(timezone.utc)
    with db.begin() as session:
        first = insert_ignore(session, Workspace, team_id="T1", name="a", created_at=now)
        second = insert_ignore(session, Workspace, team_id="T1", name="b", created_at=now)
    with db.begin() as session:
        third = insert_ignore(session, Workspace, team_id="T1", name="c", created_at=now)
    assert (first, second, third) == (True, False, False)
    with db.read() as session:
        assert session.execute(select(func.count(), func.min(Workspace.name))).one() == (1, "a")
