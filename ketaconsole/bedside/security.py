"""Who acts at this bedside: the console lock, the audit trail and the permission guard.

The console starts locked; a PIN (or audited emergency access) opens it, and it locks
itself after the idle time. :meth:`BedsideSecurity.door` is the session workflow's door
at this bedside: every step and timeline entry is checked against the person logged in
with the permission the workflow's table names for it (a refusal is on the audit trail),
and alarm actions taken while locked are audited.
The demo seeds its own two users in its own database, never in a clinic's record.
"""

from __future__ import annotations

from ketaconsole.bedside.actors import LOCKED_ACTOR
from ketaconsole.course.desk import CourseDesk
from ketaconsole.security import (
    Action,
    AuditLog,
    ConsoleLock,
    ConsoleUser,
    Guard,
    LockState,
    Permission,
    Role,
    review_break_glass,
)
from ketaconsole.security.clinic_settings import security_settings
from ketaconsole.security.services import AuthorisedConsole
from ketaconsole.security.users import (
    add_demo_user,
    add_first_admin,
    list_users,
    needs_first_admin,
)
from ketaconsole.store import Database

DEMO_USERS = (("demo-nurse", "Demo Nurse", Role.NURSE, "2468"),
              ("demo-admin", "Demo Admin", Role.ADMIN, "135790"))
"""Only ever created in the demo's own database."""


class BedsideSecurity:
    """The lock, guard and audit trail of one console's record database."""

    def __init__(self, database: Database, *, place: str = "console") -> None:
        self.database = database
        self.audit = AuditLog(database)
        self.guard = Guard(self.audit)
        self.lock = ConsoleLock(database, self.audit, security_settings(database), place=place)
        self.console = AuthorisedConsole(database, self.guard, self.lock.current_user)
        """The guarded door for device profiles and alarm profiles, for the screens."""
        self.course = CourseDesk(database, self.guard, self.lock.current_user)
        """The guarded door for patients and their course (search, register, assess,
        follow-ups, course export), for the screens."""
        self.hint: str | None = None
        """A line for the lock panel (the demo's users and PINs)."""

    @property
    def locked(self) -> bool:
        return self.lock.state is LockState.LOCKED

    def users(self) -> list[ConsoleUser]:
        return list_users(self.database)

    def needs_first_admin(self) -> bool:
        return needs_first_admin(self.database)

    def create_first_admin(self, *, username: str, display_name: str, pin: str) -> ConsoleUser:
        """The console's first admin, made at the lock panel on first start (audited)."""
        return add_first_admin(self.database, self.audit, username=username,
                               display_name=display_name, pin=pin)

    def door(self, permission: Permission, target: str) -> str:
        """The session workflow's door: who is logged in, if they may (else ``NotAllowed``).

        A locked console has nobody logged in, so it refuses; emergency access acts with
        a nurse's permissions. Every refusal is on the audit trail.
        """
        return self.guard.require(self.lock.current_user(), permission,
                                  target=target).username

    def records_listing(self) -> None:
        """Allow the list of recorded patients, or :class:`NotAllowed` (audited)."""
        self.guard.require(self.lock.current_user(), Permission.OPEN_RECORD,
                           target="all sessions")

    def record_opening(self, session_id: int) -> None:
        """Allow opening a past session and put it on the audit trail, or :class:`NotAllowed`."""
        self._allowed_and_audited(Permission.OPEN_RECORD, Action.RECORD_OPENED,
                                  f"session {session_id}", "records screen")

    def audit_viewing(self) -> None:
        """Allow reviewing the audit trail (admins) and put the review on it, or refuse."""
        self._allowed_and_audited(Permission.REVIEW_AUDIT, Action.AUDIT_REVIEWED,
                                  "audit trail", "audit screen")

    def outcomes_viewing(self) -> None:
        """Allow reading the clinic's outcomes (prescribers, admins) and put it on the audit
        trail, or refuse (audited)."""
        self._allowed_and_audited(Permission.VIEW_OUTCOMES, Action.RECORDS_LISTED,
                                  "clinic outcomes", "outcomes screen")

    def _allowed_and_audited(self, permission: Permission, action: str, target: str,
                             via: str) -> None:
        user = self.guard.require(self.lock.current_user(), permission, target=target)
        self.audit.record(action, actor=user.username, user_id=user.record_id, target=target,
                          detail={"via": via})

    def emergency_review(self, seq: int, note: str) -> None:
        """An admin's review of emergency access ``seq``; refused unless an admin (audited)."""
        review_break_glass(self.guard, self.lock.current_user(), seq, note)

    def actor(self) -> str:
        """Who acts now, for alarm actions (allowed to anyone, even while locked)."""
        user = self.lock.current_user()
        return user.username if user is not None else LOCKED_ACTOR

    def alarm_action(self, action: str, alarm: str) -> None:
        """Record an alarm acknowledged or paused while the console is locked."""
        self.lock.record_alarm_action(action, alarm, by=self.actor())

    def audit_result(self, result: object) -> None:
        """Audit the clinical entry just committed, with who made it (and any emergency access)."""
        from ketaconsole.store import StoredEvent

        user = self.lock.current_user()
        actor = user.username if user is not None else "nobody logged in"
        user_id = user.record_id if user is not None else None
        under: dict[str, object] = {}
        if user is not None and user.break_glass:
            under = {"emergency_access": user.emergency_entry}
        if isinstance(result, StoredEvent):
            action = Action.RECORD_SIGNED if result.kind == "signature" else \
                Action.CLINICAL_ENTRY
            self.audit.record(action, actor=actor, user_id=user_id,
                              target=f"session {result.session_id}",
                              detail={"kind": result.kind, "seq": result.seq, **under})
        # exports are audited by the guarded service that made them (export_as)

    def seed_demo_users(self) -> None:
        """The demo's users, in the demo's own database only (and only if it has none)."""
        self.hint = "Demo: " + ", ".join(f"{name} PIN {pin}"
                                         for _, name, _, pin in DEMO_USERS) + "."
        if not self.needs_first_admin():
            return
        admin = None
        for username, name, role, pin in sorted(DEMO_USERS, key=lambda u: u[2] is not Role.ADMIN):
            added = add_demo_user(self.database, self.audit, username=username,
                                  display_name=name, role=role, pin=pin, by=admin)
            admin = admin or added
