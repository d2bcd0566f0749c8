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

from sqlalchemy import and_, case, func, select, update
from sqlalchemy.exc import IntegrityError

from ketaconsole.names import BadText, Field, check_text, printable
from ketaconsole.numbers import echo, shown
from ketaconsole.security.audit import Action, AuditLog
from ketaconsole.security.clinic_settings import (
    DEFAULT_SETTINGS,
    SecuritySettings,
    security_settings,
)
from ketaconsole.security.pins import hash_pin, hash_published_demo_pin, pin_matches
from ketaconsole.security.roles import Role
from ketaconsole.store.database import Database
from ketaconsole.store.models import AuditEntry, User
from ketaconsole.store.timeline import format_time

USERNAME_MAX = 100




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
    def shown(self) -> str:
        """Who this is on a screen: the name and the role in words ("Demo Admin
        (administrator)"), never the log-in name."""
        return f"{self.display_name} ({self.role.words})"

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


SYSTEM_AUTHORS = {"console": "Console", "alarm system": "Alarm system",
                  "pump telemetry": "Pump"}
"""The record's authors that are no person, in words."""


def names_of_users(database: Database) -> dict[str, str]:
    """Each log-in name with the name a record shows for it (the user's display name)."""
    with database.sessions() as session:
        return {name: shown for name, shown in session.execute(
            select(User.username, User.display_name))}


def author_in_words(author: str, names: dict[str, str]) -> str:
    """Who made an entry, as a clinician reads it: a person's display name (never the
    log-in name), the console or the alarm system, or an operating-system account."""
    if author in names:
        return names[author]
    if author in SYSTEM_AUTHORS:
        return SYSTEM_AUTHORS[author]
    if author.startswith("os:"):
        return f"{author[3:]} (computer account)"
    return author


def list_users(database: Database) -> list[ConsoleUser]:
    with database.sessions() as session:
        return [_user(row) for row in session.scalars(select(User).order_by(User.username))]


def _check_username(username: str) -> str:
    name = username.strip()
    if (not name or len(name) > USERNAME_MAX or any(c.isspace() for c in name)
            or not name.isprintable() or printable(name) != name):
        raise UserError(f"a user name is one word of 1 to {USERNAME_MAX} visible "
                        f"characters, not {shown(username)}; choose another")
    return name


def create_user(database: Database, audit: AuditLog, *, username: str, display_name: str,
                role: Role, pin: str, by: ConsoleUser | None) -> ConsoleUser:
    """Add a user (unguarded: callers check the permission); audited."""
    name, shown_name = _check_names(username, display_name)
    pin_hash = hash_pin(pin, _pin_policy(database).pin_length_for(role))
    return _insert_user(database, audit, (name, shown_name), role, pin_hash, by)


def add_demo_user(database: Database, audit: AuditLog, *, username: str, display_name: str,
                  role: Role, pin: str, by: ConsoleUser | None) -> ConsoleUser:
    """One of the demo's users with its published PIN: for the demo's own database only.

    The demo checks that a database is its own before it calls this
    (:func:`ketaconsole.demo.own_record.demo_record_refusal`); anywhere else the
    published PINs are refused by the PIN rule.
    """
    name, shown_name = _check_names(username, display_name)
    return _insert_user(database, audit, (name, shown_name), role,
                        hash_published_demo_pin(pin), by)


def _check_names(username: str, display_name: str) -> tuple[str, str]:
    name = _check_username(username)
    try:
        shown_name = check_text(display_name, Field.USER_NAME) if display_name.strip() \
            else name
    except BadText as exc:
        raise UserError(str(exc)) from None
    return name, shown_name


def _insert_user(database: Database, audit: AuditLog, names: tuple[str, str], role: Role,
                 pin_hash: str, by: ConsoleUser | None) -> ConsoleUser:
    name, shown_name = names
    try:
        with database.sessions() as session, session.begin():
            row = User(username=name, display_name=shown_name,
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
    role = find_user(database, username)
    if role is None:
        raise UserError(f"there is no user {username!r}; 'ketaconsole users list' lists them")
    pin_hash = hash_pin(pin, _pin_policy(database).pin_length_for(role.role))
    with database.sessions() as session, session.begin():
        row = _row(session, username)
        row.password_hash = pin_hash
        row.failed_pins = 0
        row.locked_until = None
        user = _user(row)
    audit.record(Action.PIN_RESET, actor=by.username, user_id=by.record_id, target=username)
    return user


def _pin_policy(database: Database) -> SecuritySettings:
    """The clinic's settings, for the PIN length its policy asks of a role."""
    return security_settings(database)


def _wait_text(seconds: float) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


@dataclass(frozen=True, slots=True)
class _Unclaimed:
    """An attempt under a name no active user has: the disabled user's row, if any, and
    the wrong attempts under that name within the lock-out time."""

    user_id: int | None
    earlier_failures: int


def _claim_attempt(database: Database, username: str, now: float, since: float
                   ) -> tuple[int, int, float | None, str | None] | _Unclaimed:
    """Count one attempt for an active user, atomically, before any PIN is checked.

    One ``UPDATE ... RETURNING``: PostgreSQL holds the row lock for it and SQLite its one
    writer lock, so parallel attempts each see their own count and no two see the same.
    A lock-out that has run out starts the count again. For a name no active user has,
    the same transaction writes one users row without changing it (so the attempt
    commits as a counted one does, and takes as long) and reads what the refusal needs:
    timing says nothing about whether a name exists.
    """
    expired = and_(User.locked_until.is_not(None), User.locked_until <= now)
    claim = (update(User)
             .where(User.username == username, User.active.is_(True))
             .values(failed_pins=case((expired, 1), else_=func.coalesce(User.failed_pins, 0) + 1),
                     locked_until=case((expired, None), else_=User.locked_until))
             .returning(User.id, User.failed_pins, User.locked_until, User.password_hash))
    with database.sessions() as session, session.begin():
        row = session.execute(claim).first()
        if row is not None:
            return int(row[0]), int(row[1]), row[2], row[3]
        first = select(func.min(User.id)).scalar_subquery()
        session.execute(update(User).where(User.id == first)
                        .values(failed_pins=User.failed_pins))
        existing = session.scalar(select(User.id).where(User.username == username))
        failures = session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == Action.LOGIN_FAILED, AuditEntry.actor == username,
            AuditEntry.at >= since)) or 0
    return _Unclaimed(existing, int(failures))


def _settle_attempt(database: Database, user_id: int, *, good: bool, lock_until: float | None
                    ) -> ConsoleUser:
    """After the PIN check: a good PIN clears the count; the last wrong one locks the user."""
    with database.sessions() as session, session.begin():
        row = session.get(User, user_id, with_for_update=True)
        assert row is not None
        if good:
            row.failed_pins = 0
            row.locked_until = None
        elif lock_until is not None:
            row.locked_until = lock_until
        return _user(row)


def authenticate(database: Database, audit: AuditLog, username: str, pin: str,
                 settings: SecuritySettings = DEFAULT_SETTINGS, *,
                 place: str = "console") -> ConsoleUser:
    """The user whose PIN this is, or :class:`LoginRefused`; every attempt is audited.

    The attempt is counted (and a lock-out checked) in one atomic update before the PIN
    is hashed, so parallel guesses never get more PIN checks than the lock-out allows.
    An unknown or disabled name costs the same commit and the same hash (a fixed stored
    one, so from the first attempt of a process), gets the same answer and is locked out
    after as many tries as a real one: neither the answer nor its time says whether a
    name exists.
    """
    now = audit.clock()
    locked_until: float | None = None
    user: ConsoleUser | None = None
    user_id: int | None = None
    claimed = _claim_attempt(database, username, now, now - settings.lockout_seconds)
    if isinstance(claimed, _Unclaimed):
        pin_matches(None, pin)  # the same hash work as for a real user (DUMMY_HASH)
        user_id = claimed.user_id
        outcome = "disabled" if user_id is not None else "unknown user"
        if claimed.earlier_failures + 1 >= settings.max_wrong_pins:
            outcome += ", locked out"
            locked_until = now + settings.lockout_seconds
    else:
        user_id, count, locked_until, pin_hash = claimed
        if locked_until is not None or count > settings.max_wrong_pins:
            outcome = "locked out"
            locked_until = locked_until or now + settings.lockout_seconds
        elif pin_matches(pin_hash, pin):
            outcome = "ok"
            user = _settle_attempt(database, user_id, good=True, lock_until=None)
        else:
            outcome = "wrong PIN"
            if count >= settings.max_wrong_pins:
                outcome = "wrong PIN, locked out"
                locked_until = now + settings.lockout_seconds
                _settle_attempt(database, user_id, good=False, lock_until=locked_until)
            # else the claim already counted it: no second write that an unknown name lacks
    if user is not None:
        audit.record(Action.LOGIN, actor=username, user_id=user_id, target=place)
        return user
    audit.record(Action.LOGIN_FAILED, actor=username, user_id=user_id, target=place,
                 detail={"reason": outcome})
    if outcome == "wrong PIN, locked out":
        audit.record(Action.USER_LOCKED_OUT, actor=username, user_id=user_id, target=place,
                     detail={"until": format_time(locked_until or now),
                             "wrong_pins": settings.max_wrong_pins})
    if locked_until is not None:
        raise LoginRefused(f"{echo(username)} is locked out after {settings.max_wrong_pins} "
                           f"wrong PINs; try again in {_wait_text(locked_until - now)} or ask "
                           "an admin to reset the PIN")
    raise LoginRefused("the user name or PIN is not right; check both and try again")

