"""Programmes (PROGRAMMES.md §2): a home channel, settings with the
documented defaults, who may change them, and the people in them.

Services flush, never commit; time is a parameter."""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from datetime import date, datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from peerbot.services.conversations import ensure_workspace
from peerbot.store.models import BlockedPair, Programme, ProgrammeMember
from peerbot.store.upsert import insert_ignore

BUDDIES, MENTORING, CIRCLES = "buddies", "mentoring", "circles"
KINDS = (BUDDIES, MENTORING, CIRCLES)
READY = (BUDDIES,)  # the others answer that they are coming
ACTIVE, PAUSED, LEFT = "active", "paused", "left"
BUDDY, HIRE = "buddy", "hire"


@dataclass(frozen=True)
class BuddySettings:
    """PROGRAMMES.md §3 defaults."""

    capacity: int = 1  # active hires per buddy (max 2)
    assign_days_before: int = 5  # business days before the start
    autopick_after: int = 2  # business days without a pick
    headsup_days_before: int = 3  # business days before the start
    checkin_days: tuple[int, ...] = (7, 30, 60, 90)
    max_tz_hours: int = 3
    holidays: tuple[str, ...] = field(default=())  # YYYY-MM-DD: no reminders or business days
    volunteers_channel: str | None = None  # joining it puts you in the buddy pool (e.g. #buddy-volunteers)
    preview: bool = False  # an admin previews each hire's suggestions before the manager gets them

    @property
    def holiday_dates(self) -> frozenset[date]:
        return frozenset(date.fromisoformat(d) for d in self.holidays)


LIMITS = {"capacity": (1, 2), "assign_days_before": (0, 20), "autopick_after": (1, 10),
          "headsup_days_before": (0, 10)}


def settings_of(row: Programme | None) -> BuddySettings:
    raw = json.loads(row.settings) if row is not None and row.settings else {}
    known = {k: v for k, v in raw.items() if k in BuddySettings.__dataclass_fields__}
    for key in ("checkin_days", "holidays"):
        if key in known:
            known[key] = tuple(known[key])
    return BuddySettings(**known)


def parse_settings(values: dict[str, str]) -> tuple[BuddySettings | None, dict[str, str]]:
    """Settings from the modal's text inputs; (None, errors by field) when any is wrong."""
    errors: dict[str, str] = {}
    parsed: dict = {}
    for key, (low, high) in LIMITS.items():
        text = (values.get(key) or "").strip()
        if not text.isdigit() or not low <= int(text) <= high:
            errors[key] = f"A whole number from {low} to {high}."
        else:
            parsed[key] = int(text)
    days_text = (values.get("checkin_days") or "").replace(" ", "")
    days = [d for d in days_text.split(",") if d]
    if not days or not all(d.isdigit() and 1 <= int(d) <= 365 for d in days):
        errors["checkin_days"] = "Days after the start, separated by commas, e.g. 7, 30, 60, 90."
    else:
        parsed["checkin_days"] = tuple(sorted({int(d) for d in days}))
    holidays = []
    for word in re.split(r"[,\s]+", values.get("holidays") or ""):
        if not word:
            continue
        try:
            holidays.append(date.fromisoformat(word).isoformat())
        except ValueError:
            errors["holidays"] = f"`{word[:20]}` is not a date: use YYYY-MM-DD, separated by commas."
            break
    parsed["holidays"] = tuple(sorted(set(holidays)))
    parsed["volunteers_channel"] = values.get("volunteers_channel") or None
    parsed["preview"] = values.get("preview") == "yes"
    if errors:
        return None, errors
    return BuddySettings(**parsed), {}


def get(session: Session, team_id: str, kind: str) -> Programme | None:
    return session.get(Programme, (team_id, kind))


def teams_on(session: Session, kind: str) -> list[str]:
    """The workspaces where this programme is switched on."""
    return list(session.scalars(select(Programme.team_id).where(Programme.kind == kind, Programme.is_on.is_(True))))


def home_of(session: Session, team_id: str, kind: str) -> str | None:
    row = get(session, team_id, kind)
    return row.channel_id if row is not None and row.is_on else None


@dataclass(frozen=True)
class Switched:
    changed: bool
    home: str | None  # where it is on (after the change)


def switch(session: Session, team_id: str, kind: str, channel_id: str, on: bool, user_id: str,
           now: datetime) -> Switched:
    """On: this channel becomes the home (refused when it is on elsewhere:
    `changed` False and `home` the other channel). Off: only from its home."""
    ensure_workspace(session, team_id, now)
    insert_ignore(session, Programme, team_id=team_id, kind=kind, channel_id=None, is_on=False,
                  switched_on_by=None, settings=json.dumps(asdict(BuddySettings())), created_at=now,
                  updated_at=now)
    row = session.scalars(select(Programme).where(Programme.team_id == team_id, Programme.kind == kind)
                          .with_for_update().execution_options(populate_existing=True)).one()
    if on:
        if row.is_on:
            return Switched(False, row.channel_id)
        row.is_on, row.channel_id, row.switched_on_by, row.updated_at = True, channel_id, user_id, now
        session.flush()
        return Switched(True, channel_id)
    if not row.is_on or row.channel_id != channel_id:
        return Switched(False, row.channel_id if row.is_on else None)
    row.is_on, row.updated_at = False, now
    session.flush()
    return Switched(True, None)


def may_change(row: Programme | None, user_id: str, *, is_admin: bool) -> bool:
    """Workspace admins, or whoever switched the programme on."""
    return is_admin or (row is not None and row.switched_on_by == user_id)


def save_settings(session: Session, team_id: str, kind: str, new: BuddySettings, now: datetime) -> None:
    session.execute(update(Programme).where(Programme.team_id == team_id, Programme.kind == kind)
                    .values(settings=json.dumps(asdict(new)), updated_at=now))


# ---- people in a programme ---------------------------------------------------------------------------


def member(session: Session, team_id: str, kind: str, user_id: str, role: str) -> ProgrammeMember | None:
    return session.get(ProgrammeMember, (team_id, kind, user_id, role))


def join(session: Session, team_id: str, kind: str, user_id: str, role: str, now: datetime,
         until: datetime | None = None) -> bool:
    """Join (or re-join) in a role, until a moment or for good. False when
    already active (the new `until` still applies)."""
    ensure_workspace(session, team_id, now)
    if insert_ignore(session, ProgrammeMember, team_id=team_id, kind=kind, user_id=user_id, role=role,
                     status=ACTIVE, joined_at=now, resumed_at=now, paused_until=None, until=until):
        return True
    row = member(session, team_id, kind, user_id, role)
    was_active = is_active(row, now)
    row.status, row.resumed_at, row.paused_until, row.until = ACTIVE, now, None, until
    session.flush()
    return not was_active


def set_status(session: Session, team_id: str, kind: str, user_id: str, role: str, status: str,
               now: datetime, until: datetime | None = None) -> bool:
    row = member(session, team_id, kind, user_id, role)
    if row is None:
        return False
    row.status, row.paused_until = status, until
    if status == ACTIVE:
        row.resumed_at = now
    session.flush()
    return True


def is_active(row: ProgrammeMember | None, now: datetime) -> bool:
    """Active now: not left, not past their `until`, and not paused (a pause
    whose date has passed counts as active)."""
    if row is None or row.status == LEFT or (row.until is not None and row.until <= now):
        return False
    return row.status == ACTIVE or (row.paused_until is not None and row.paused_until <= now)


def active(session: Session, team_id: str, kind: str, role: str, now: datetime) -> list[ProgrammeMember]:
    """Active members in a role (see `is_active`)."""
    rows = session.scalars(select(ProgrammeMember).where(
        ProgrammeMember.team_id == team_id, ProgrammeMember.kind == kind, ProgrammeMember.role == role,
        ProgrammeMember.status != LEFT)).all()
    return [r for r in rows if is_active(r, now)]


# ---- blocked pairs: never matched or grouped, in any programme -----------------------------------------


def _ordered_pair(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a < b else (b, a)


def block(session: Session, team_id: str, a: str, b: str, by: str, now: datetime) -> bool:
    """False when the pair was already blocked (or is one person)."""
    if a == b:
        return False
    ensure_workspace(session, team_id, now)
    first, second = _ordered_pair(a, b)
    return insert_ignore(session, BlockedPair, team_id=team_id, user_a=first, user_b=second, blocked_by=by,
                         created_at=now)


def unblock(session: Session, team_id: str, a: str, b: str) -> bool:
    first, second = _ordered_pair(a, b)
    result = session.execute(delete(BlockedPair).where(BlockedPair.team_id == team_id, BlockedPair.user_a == first,
                                                       BlockedPair.user_b == second))
    return result.rowcount == 1


def blocked_pairs(session: Session, team_id: str, user_ids: list[str] | None = None) -> list[tuple[str, str]]:
    """Blocked pairs, all of them or those touching these people (for `matching.Rules`)."""
    query = select(BlockedPair.user_a, BlockedPair.user_b).where(BlockedPair.team_id == team_id)
    if user_ids is not None:
        query = query.where(BlockedPair.user_a.in_(user_ids) | BlockedPair.user_b.in_(user_ids))
    return [(a, b) for a, b in session.execute(query)]
