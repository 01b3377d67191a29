"""Who may open the L&D dashboard, one-time login links and sessions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from peerbot.store.models.base import Base, UTCDateTime, TeamId, UserId


class DashboardGrant(Base):
    """A member an admin allowed into the dashboard (`/peerbot dashboard grant @user`)."""

    __tablename__ = "dashboard_grants"

    team_id: Mapped[str] = mapped_column(TeamId, primary_key=True)
    user_id: Mapped[str] = mapped_column(UserId, primary_key=True)
    granted_by: Mapped[str] = mapped_column(UserId)
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DashboardLogin(Base):
    """A one-time login link. Only the SHA-256 of its token is stored."""

    __tablename__ = "dashboard_logins"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    team_id: Mapped[str] = mapped_column(TeamId)
    user_id: Mapped[str] = mapped_column(UserId)
    role: Mapped[str] = mapped_column(String(16))  # owner | admin | granted
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class DashboardSession(Base):
    """A dashboard session (the cookie holds the token; only its SHA-256 is stored)."""

    __tablename__ = "dashboard_sessions"
    __table_args__ = (Index("ix_dashboard_sessions_team_user", "team_id", "user_id"),)

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    team_id: Mapped[str] = mapped_column(TeamId)
    user_id: Mapped[str] = mapped_column(UserId)
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
