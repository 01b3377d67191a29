"""Who may open the dashboard, and how: one-time login links, sessions, grants.

Tokens are random (secrets.token_urlsafe); only their SHA-256 is stored, so a
copy of the database opens nothing. A login link lasts 10 minutes and works
once; a session lasts 8 hours and can be revoked. Admins and owners (as
users.info says when the link is asked for) may log in; so may members an
admin granted access to, for as long as the grant stands.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from peerbot.store.models import DashboardGrant, DashboardLogin, DashboardSession
from peerbot.store.upsert import insert_ignore

LINK_TTL = timedelta(minutes=10)
SESSION_TTL = timedelta(hours=8)
OWNER, ADMIN, GRANTED = "owner", "admin", "granted"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def role_of(user: dict, granted: bool) -> str | None:
    """owner | admin | granted for a users.info `user`, None when not allowed."""
    if user.get("deleted") or user.get("is_bot"):
        return None
    if user.get("is_owner") or user.get("is_primary_owner"):
        return OWNER
    if user.get("is_admin"):
        return ADMIN
    return GRANTED if granted else None


def is_admin(user: dict) -> bool:
    return role_of(user, False) in (OWNER, ADMIN)


# ---- grants -----------------------------------------------------------------------------------

def is_granted(session: Session, team_id: str, user_id: str) -> bool:
    return session.get(DashboardGrant, (team_id, user_id)) is not None


def grant(session: Session, team_id: str, user_id: str, *, by: str, now: datetime) -> bool:
    """True when the grant is new."""
    return insert_ignore(session, DashboardGrant, team_id=team_id, user_id=user_id, granted_by=by, granted_at=now)


def revoke(session: Session, team_id: str, user_id: str, *, now: datetime) -> bool:
    """Remove a grant and end that person's granted sessions at once. True when there was one."""
    removed = session.execute(delete(DashboardGrant).where(DashboardGrant.team_id == team_id,
                                                           DashboardGrant.user_id == user_id)).rowcount
    session.execute(update(DashboardSession).where(
        DashboardSession.team_id == team_id, DashboardSession.user_id == user_id,
        DashboardSession.role == GRANTED, DashboardSession.revoked_at.is_(None)).values(revoked_at=now))
    return bool(removed)


# ---- login links ------------------------------------------------------------------------------

def issue_link(session: Session, team_id: str, user_id: str, role: str, *, now: datetime) -> str:
    """A new one-time login token (the caller puts it in a URL and DMs it)."""
    token = secrets.token_urlsafe(32)
    session.add(DashboardLogin(token_hash=_hash(token), team_id=team_id, user_id=user_id, role=role,
                               created_at=now, expires_at=now + LINK_TTL))
    session.flush()
    return token


class LoginRefused(Exception):
    """Why a link or session does not let someone in: `reason` is one of
    unknown | used | expired | other_workspace | revoked | no_session."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def check_link(session: Session, token: str, *, team_id: str, now: datetime) -> DashboardLogin:
    """The login a token stands for, if it may still be used (without using it)."""
    login = session.get(DashboardLogin, _hash(token)) if token else None
    if login is None:
        raise LoginRefused("unknown")
    if login.team_id != team_id:
        raise LoginRefused("other_workspace")
    if login.used_at is not None:
        raise LoginRefused("used")
    if now >= login.expires_at:
        raise LoginRefused("expired")
    if login.role == GRANTED and not is_granted(session, login.team_id, login.user_id):
        raise LoginRefused("revoked")
    return login


@dataclass(frozen=True)
class Viewer:
    team_id: str
    user_id: str
    role: str
    expires_at: datetime


def redeem_link(session: Session, token: str, *, team_id: str, now: datetime) -> tuple[str, Viewer]:
    """Use a login link once and open a session: (session token, viewer). The
    used_at update is conditional, so two clicks at once cannot both win."""
    login = check_link(session, token, team_id=team_id, now=now)
    won = session.execute(update(DashboardLogin).where(
        DashboardLogin.token_hash == login.token_hash, DashboardLogin.used_at.is_(None)).values(used_at=now)).rowcount
    if not won:
        raise LoginRefused("used")
    cookie = secrets.token_urlsafe(32)
    expires = now + SESSION_TTL
    session.add(DashboardSession(token_hash=_hash(cookie), team_id=login.team_id, user_id=login.user_id,
                                 role=login.role, created_at=now, expires_at=expires))
    session.flush()
    return cookie, Viewer(login.team_id, login.user_id, login.role, expires)


def viewer(session: Session, cookie: str | None, *, team_id: str, now: datetime) -> Viewer:
    """Who a session cookie belongs to; LoginRefused when it lets nobody in."""
    row = session.get(DashboardSession, _hash(cookie)) if cookie else None
    if row is None:
        raise LoginRefused("no_session")
    if row.team_id != team_id:
        raise LoginRefused("other_workspace")
    if row.revoked_at is not None:
        raise LoginRefused("revoked")
    if now >= row.expires_at:
        raise LoginRefused("expired")
    if row.role == GRANTED and not is_granted(session, row.team_id, row.user_id):
        raise LoginRefused("revoked")
    return Viewer(row.team_id, row.user_id, row.role, row.expires_at)


def end_session(session: Session, cookie: str | None) -> None:
    """Log out: the session is gone, so its cookie opens nothing (a fresh login page)."""
    if cookie:
        session.execute(delete(DashboardSession).where(DashboardSession.token_hash == _hash(cookie)))


def revoke_sessions(session: Session, team_id: str, user_id: str, *, now: datetime) -> int:
    return session.execute(update(DashboardSession).where(
        DashboardSession.team_id == team_id, DashboardSession.user_id == user_id,
        DashboardSession.revoked_at.is_(None)).values(revoked_at=now)).rowcount


def csrf_token(cookie: str) -> str:
    """The CSRF token for a session: derived from the cookie, which a forger cannot read."""
    return hmac.new(cookie.encode("utf-8"), b"peerbot-dashboard-csrf", hashlib.sha256).hexdigest()


def csrf_ok(cookie: str | None, token: str | None) -> bool:
    return bool(cookie and token) and hmac.compare_digest(csrf_token(cookie), token)
