"""The console lock: PIN log-in, idle time-out, unlock, alarm actions while locked, break-glass.

The monitor and the alarms stay live whatever the lock's state; the lock only decides
who is acting, and so what the guarded services allow. The UI calls :meth:`touch` on
every input and :meth:`tick` from a timer; after ``idle_seconds`` without input an
unlocked console locks itself. Acknowledging or pausing an alarm is allowed while
locked and is audited as such.

Locking, emergency access and alarm actions never fail because the record database
does: their audit entries are then logged as errors, kept, and written (marked late,
with the time they happened) with the next entry that can be written.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Callable
from enum import Enum
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from ketaconsole.security.audit import Action, AuditLog, AuditRecord
from ketaconsole.security.break_glass import break_glass_detail, emergency_user
from ketaconsole.security.clinic_settings import DEFAULT_SETTINGS, SecuritySettings
from ketaconsole.security.users import (
    ConsoleUser,
    LoginRefused,
    authenticate,
)
from ketaconsole.store.database import Database
from ketaconsole.store.faults import write_failure_reason
from ketaconsole.store.timeline import format_time

log = logging.getLogger(__name__)
AUDIT_FAILURES = (SQLAlchemyError, OSError, RuntimeError)


class LockState(Enum):
    LOCKED = "locked"
    UNLOCKED = "unlocked"
    EMERGENCY = "emergency access"


class ConsoleLock:
    """Who is acting at this console right now, and when the console locks itself."""

    def __init__(self, database: Database, audit: AuditLog,
                 settings: SecuritySettings = DEFAULT_SETTINGS, *,
                 place: str = "console") -> None:
        self.database = database
        self.audit = audit
        self.settings = settings
        self.place = place
        self._guard = threading.Lock()
        self._state = LockState.LOCKED
        self._user: ConsoleUser | None = None
        self._last_input = audit.clock()
        self._listeners: list[Callable[[LockState, ConsoleUser | None], None]] = []
        self._unrecorded: list[tuple[float, str, dict[str, Any]]] = []

    def subscribe(self, listener: Callable[[LockState, ConsoleUser | None], None]) -> None:
        """Be told the new state and who acts, after every lock, unlock or emergency access.

        Called on the thread that changed the state; a UI hands it to its own thread.
        """
        self._listeners.append(listener)

    def _changed(self) -> None:
        state, user = self._state, self.user
        for listener in list(self._listeners):
            listener(state, user)

    @property
    def unrecorded(self) -> int:
        """Audit entries still waiting for the database."""
        return len(self._unrecorded)

    def _audit(self, action: str, **fields: Any) -> AuditRecord | None:
        """Record an entry, after any kept back; keep it if the database cannot take it."""
        happened = self.audit.clock()
        try:
            while self._unrecorded:
                at, late_action, late = self._unrecorded[0]
                detail = dict(late.get("detail") or {}, recorded_late=True,
                              happened_at=format_time(at))
                self.audit.record(late_action, **dict(late, detail=detail))
                self._unrecorded.pop(0)
            return self.audit.record(action, **fields)
        except AUDIT_FAILURES as exc:
            log.error("audit entry %s at %s kept back, not yet written: %s", action,
                      self.place, write_failure_reason(exc))
            self._unrecorded.append((happened, action, fields))
            return None

    @property
    def state(self) -> LockState:
        return self._state

    @property
    def user(self) -> ConsoleUser | None:
        """The person acting, or ``None`` while locked."""
        return self._user if self._state is not LockState.LOCKED else None

    @property
    def idle_seconds(self) -> float:
        return self.settings.idle_lock_seconds

    def current_user(self) -> ConsoleUser | None:
        """The same as :attr:`user`, as a function for the guarded services."""
        return self.user

    def unlock(self, username: str, pin: str) -> ConsoleUser:
        """Log in with a PIN (raises ``LoginRefused``; every attempt is audited)."""
        try:
            user = authenticate(self.database, self.audit, username, pin, self.settings,
                                place=self.place)
        except LoginRefused:
            raise
        except AUDIT_FAILURES as exc:
            raise LoginRefused(f"the user list cannot be read ({write_failure_reason(exc)}); "
                               "use emergency access if the patient needs the console now, "
                               "and call the technician") from exc
        with self._guard:
            self._state = LockState.UNLOCKED
            self._user = user
            self._last_input = self.audit.clock()
        self._audit(Action.CONSOLE_UNLOCKED, actor=user.username, user_id=user.record_id,
                    target=self.place)
        self._changed()
        return user

    def lock(self, reason: str = "locked by the user") -> bool:
        """Lock now; ``False`` if it already was."""
        with self._guard:
            if self._state is LockState.LOCKED:
                return False
            user = self._user
            self._state = LockState.LOCKED
            self._user = None
        self._audit(Action.CONSOLE_LOCKED, actor=user.username if user else None,
                    user_id=user.record_id if user else None, target=self.place,
                    detail={"reason": reason})
        self._changed()
        return True

    def touch(self) -> None:
        """Someone used the console: the idle time starts again."""
        self._last_input = self.audit.clock()

    def idle_for(self) -> float:
        return self.audit.clock() - self._last_input

    def tick(self) -> bool:
        """Lock if the console has been idle too long; whether it locked now."""
        if self._state is LockState.LOCKED or self.idle_for() < self.settings.idle_lock_seconds:
            return False
        minutes = self.settings.idle_lock_seconds / 60
        return self.lock(f"no input for {minutes:g} minutes")

    def emergency_access(self, reason: str) -> ConsoleUser:
        """Break-glass: open the console without a PIN, loudly recorded, as "emergency"
        (never as a named user: no PIN says who it is)."""
        user = emergency_user()
        detail = break_glass_detail(reason)
        with self._guard:
            self._state = LockState.EMERGENCY
            self._user = user
            self._last_input = self.audit.clock()
        entry = self._audit(Action.BREAK_GLASS, actor=user.username, user_id=None,
                            target=self.place, detail=detail)
        if entry is not None:
            user = dataclasses.replace(user, emergency_entry=entry.seq)
            with self._guard:
                if self._user is not None and self._user.break_glass:
                    self._user = user
        self._changed()
        return user

    def record_alarm_action(self, action: str, alarm: str, *,
                            by: str | None = None) -> AuditRecord | None:
        """An alarm acknowledged or paused: always allowed; audited when done while locked.

        Returns the audit entry, or ``None`` when the console was unlocked (the alarm's
        own events on the timeline already say who did it) or the entry is kept back.
        """
        if self._state is not LockState.LOCKED:
            return None
        return self._audit(Action.ALARM_ACTION_WHILE_LOCKED, actor=by, target=alarm,
                           detail={"action": action, "place": self.place})
