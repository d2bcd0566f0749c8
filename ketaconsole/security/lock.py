"""The console lock: PIN log-in, idle time-out, unlock, alarm actions while locked, break-glass.

The monitor and the alarms stay live whatever the lock's state; the lock only decides
who is acting, and so what the guarded services allow. The UI calls :meth:`touch` on
every input and :meth:`tick` from a timer; after ``idle_seconds`` without input an
unlocked console locks itself. Acknowledging or pausing an alarm is allowed while
locked and is audited as such.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from enum import Enum

from ketaconsole.security.audit import Action, AuditLog, AuditRecord
from ketaconsole.security.break_glass import break_glass
from ketaconsole.security.users import (
    DEFAULT_SETTINGS,
    ConsoleUser,
    SecuritySettings,
    authenticate,
    find_user,
)
from ketaconsole.store.database import Database


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
        user = authenticate(self.database, self.audit, username, pin, self.settings,
                            place=self.place)
        with self._guard:
            self._state = LockState.UNLOCKED
            self._user = user
            self._last_input = self.audit.clock()
        self.audit.record(Action.CONSOLE_UNLOCKED, actor=user.username,
                          user_id=user.record_id, target=self.place)
        self._changed()
        return user

    def lock(self, reason: str = "locked by the user") -> AuditRecord | None:
        """Lock now; ``None`` if it already was."""
        with self._guard:
            if self._state is LockState.LOCKED:
                return None
            user = self._user
            self._state = LockState.LOCKED
            self._user = None
        entry = self.audit.record(Action.CONSOLE_LOCKED,
                                  actor=user.username if user else None,
                                  user_id=user.record_id if user else None,
                                  target=self.place, detail={"reason": reason})
        self._changed()
        return entry

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
        return self.lock(f"no input for {minutes:g} minutes") is not None

    def emergency_access(self, reason: str, username: str | None = None) -> ConsoleUser:
        """Break-glass: open the console without a PIN, loudly recorded."""
        named = find_user(self.database, username) if username else None
        user, _ = break_glass(self.audit, reason, named, place=self.place)
        with self._guard:
            self._state = LockState.EMERGENCY
            self._user = user
            self._last_input = self.audit.clock()
        self._changed()
        return user

    def record_alarm_action(self, action: str, alarm: str, *,
                            by: str | None = None) -> AuditRecord | None:
        """An alarm acknowledged or paused: always allowed; audited when done while locked.

        Returns the audit entry, or ``None`` when the console was unlocked (the alarm's
        own events on the timeline already say who did it).
        """
        if self._state is not LockState.LOCKED:
            return None
        return self.audit.record(Action.ALARM_ACTION_WHILE_LOCKED, actor=by,
                                 target=alarm, detail={"action": action,
                                                       "place": self.place})
