"""The console's users: adding, listing, disabling, new PINs, and PIN log-in with lock-out.

Log-in compares the PIN with its argon2 hash. After ``SecuritySettings.max_wrong_pins``
wrong PINs in a row the user is locked out for ``lockout_seconds``; during that time
even the right PIN is refused. Every log-in, failure and lock-out is on the audit trail.
These functions check no permission themselves: :class:`~ketaconsole.security.admin.
UserAdmin` is the guarded way in, and :func:`add_first_admin` the one unguarded one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ketaconsole.security.audit import Action, AuditLog
from ketaconsole.security.pins import hash_pin, pin_matches
from ketaconsole.security.roles import Role
from ketaconsole.store.database import Database
from ketaconsole.store.models import User
from ketaconsole.store.timeline import format_time

USERNAME_MAX = 100


@dataclass(frozen=True, slots=True)
class SecuritySettings:
    """The clinic's log-in policy."""

    max_wrong_pins: int = 5
    lockout_seconds: float = 300.0
    idle_lock_seconds: float = 300.0


DEFAULT_SETTINGS = SecuritySettings()


@dataclass(frozen=True, slots=True)
class ConsoleUser:
    """A person who may log in, as the rest of the console sees them (no PIN hash)."""

    id: int
    username: str
    display_name: str
    role: Role
    active: bool
    locked_until: float | None = None
    break_glass: bool = False
    """Acting through emergency access, without a PIN (see ``break_glass``)."""
    emergency_entry: int | None = None
    """The audit entry of the emergency access this person acts under."""

    @property
    def record_id(self) -> int | None:
        """The users-table row to name on the audit trail (none for emergency access)."""
        return self.id if self.id > 0 else None

    def as_record(self) -> dict[str, Any]:
        return {"id": self.id, "username": self.username, "name": self.display_name,
                "role": self.role.value, "active": self.active,
                "locked_until": format_time(self.locked_until) if self.locked_until else None}


class UserError(ValueError):
    """A user change that cannot be made; the text says what to do instead."""


class LoginRefused(PermissionError):
    """A log-in that did not succeed; the text is one sentence for the person at the console."""


def _user(row: User) -> ConsoleUser:
    return ConsoleUser(row.id, row.username, row.display_name, Role(row.role), row.active,
                       row.locked_until)


def needs_first_admin(database: Database) -> bool:
    """Whether the console has no active admin yet (first start asks for one)."""
    with database.sessions() as session:
        count = session.scalar(select(func.count()).select_from(User).where(
            User.role == Role.ADMIN.value, User.active.is_(True)))
    return not count


def find_user(database: Database, username: str) -> ConsoleUser | None:
    with database.sessions() as session:
        row = session.scalar(select(User).where(User.username == username))
        return _user(row) if row is not None else None


def list_users(database: Database) -> list[ConsoleUser]:
    with database.sessions() as session:
        return [_user(row) for row in session.scalars(select(User).order_by(User.username))]


def _check_username(username: str) -> str:
    name = username.strip()
    if not name or len(name) > USERNAME_MAX or any(c.isspace() for c in name):
        raise UserError(f"a user name is one word of 1 to {USERNAME_MAX} characters, "
                        f"not {username!r}; choose another")
    return name


def create_user(database: Database, audit: AuditLog, *, username: str, display_name: str,
                role: Role, pin: str, by: ConsoleUser | None) -> ConsoleUser:
    """Add a user (unguarded: callers check the permission); audited."""
    name = _check_username(username)
    pin_hash = hash_pin(pin)
    try:
        with database.sessions() as session, session.begin():
            row = User(username=name, display_name=display_name.strip() or name,
                       role=role.value, password_hash=pin_hash, active=True,
                       created_at=audit.clock(), failed_pins=0)
            session.add(row)
            session.flush()
            user = _user(row)
    except IntegrityError:
        raise UserError(f"there is already a user {name!r}; choose another user name") from None
    audit.record(Action.USER_ADDED, actor=by.username if by else None,
                 user_id=by.record_id if by else None, target=name, detail={"role": role.value})
    return user


def add_first_admin(database: Database, audit: AuditLog, *, username: str,
                    display_name: str, pin: str) -> ConsoleUser:
    """The first admin, added without a log-in; refused once the console has an admin."""
    if not needs_first_admin(database):
        raise UserError("this console already has an admin; an admin adds further users "
                        "(log in with --as ADMIN)")
    return create_user(database, audit, username=username, display_name=display_name,
                       role=Role.ADMIN, pin=pin, by=None)


def _row(session: Any, username: str) -> User:
    row = session.scalar(select(User).where(User.username == username))
    if row is None:
        raise UserError(f"there is no user {username!r}; 'ketaconsole users list' lists them")
    return row


def set_active(database: Database, audit: AuditLog, username: str, active: bool, *,
               by: ConsoleUser) -> ConsoleUser:
    """Disable (or enable again) a user's log-in; audited."""
    with database.sessions() as session, session.begin():
        row = _row(session, username)
        if not active and row.role == Role.ADMIN.value and row.active:
            others = session.scalar(select(func.count()).select_from(User).where(
                User.role == Role.ADMIN.value, User.active.is_(True), User.id != row.id))
            if not others:
                raise UserError(f"{username!r} is the last active admin; add another admin "
                                "before disabling this one")
        row.active = active
        user = _user(row)
    audit.record(Action.USER_DISABLED if not active else Action.USER_ENABLED,
                 actor=by.username, user_id=by.record_id, target=username,
                 detail={"active": active})
    return user


def set_pin(database: Database, audit: AuditLog, username: str, pin: str, *,
            by: ConsoleUser) -> ConsoleUser:
    """Give a user a new PIN and lift any lock-out; audited."""
    pin_hash = hash_pin(pin)
    with database.sessions() as session, session.begin():
        row = _row(session, username)
        row.password_hash = pin_hash
        row.failed_pins = 0
        row.locked_until = None
        user = _user(row)
    audit.record(Action.PIN_RESET, actor=by.username, user_id=by.record_id, target=username)
    return user


def _wait_text(seconds: float) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def authenticate(database: Database, audit: AuditLog, username: str, pin: str,
                 settings: SecuritySettings = DEFAULT_SETTINGS, *,
                 place: str = "console") -> ConsoleUser:
    """The user whose PIN this is, or :class:`LoginRefused`; every attempt is audited."""
    now = audit.clock()
    with database.sessions() as session, session.begin():
        row = session.scalar(select(User).where(User.username == username))
        if row is None:
            outcome, user_id = "unknown user", None
        elif not row.active:
            outcome, user_id = "disabled", row.id
        elif row.locked_until is not None and now < row.locked_until:
            outcome, user_id = "locked out", row.id
            locked_until = row.locked_until
        elif pin_matches(row.password_hash, pin):
            row.failed_pins = 0
            row.locked_until = None
            outcome, user_id = "ok", row.id
            user = _user(row)
        else:
            row.failed_pins = (row.failed_pins or 0) + 1
            outcome, user_id = "wrong PIN", row.id
            if row.failed_pins >= settings.max_wrong_pins:
                row.locked_until = now + settings.lockout_seconds
                row.failed_pins = 0
                outcome = "wrong PIN, locked out"
                locked_until = row.locked_until
    if outcome == "ok":
        audit.record(Action.LOGIN, actor=username, user_id=user_id, target=place)
        return user
    audit.record(Action.LOGIN_FAILED, actor=username, user_id=user_id, target=place,
                 detail={"reason": outcome})
    if outcome == "wrong PIN, locked out":
        audit.record(Action.USER_LOCKED_OUT, actor=username, user_id=user_id, target=place,
                     detail={"until": format_time(locked_until),
                             "wrong_pins": settings.max_wrong_pins})
    if outcome == "locked out" or outcome == "wrong PIN, locked out":
        raise LoginRefused(f"{username} is locked out after {settings.max_wrong_pins} wrong "
                           f"PINs; try again in {_wait_text(locked_until - now)} or ask an "
                           "admin to reset the PIN")
    if outcome == "disabled":
        raise LoginRefused(f"{username} is disabled; ask an admin to enable the account")
    raise LoginRefused("the user name or PIN is not right; check both and try again")
