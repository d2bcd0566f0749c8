"""The authorisation guard every guarded service call goes through.

``Guard.require(user, permission)`` returns quietly when the user's role holds the
permission; otherwise it puts a ``denied`` entry on the audit trail and raises
:class:`NotAllowed` with one sentence naming who may do it. The user's role and state
are read again from the record on every call, so a user disabled (or given another
role) by an admin loses the old rights at once, even while still logged in.
"""

from __future__ import annotations

from dataclasses import replace

from ketaconsole.security.audit import Action, AuditLog
from ketaconsole.security.roles import Permission, Role, permits, roles_with
from ketaconsole.security.users import ConsoleUser
from ketaconsole.store.models import User


class NotAllowed(PermissionError):
    """A call the person logged in may not make; the text says who may."""

    def __init__(self, message: str, permission: Permission) -> None:
        super().__init__(message)
        self.permission = permission


class Guard:
    """Checks permissions against the role table and audits every refusal."""

    def __init__(self, audit: AuditLog) -> None:
        self.audit = audit

    def require(self, user: ConsoleUser | None, permission: Permission, *,
                target: str | None = None) -> ConsoleUser:
        """``user`` if they may do ``permission``, else :class:`NotAllowed` (audited)."""
        user = self._current(user)
        if user is not None and user.active and permits(user.role, permission):
            return user
        who = "nobody logged in" if user is None else user.shown
        self.audit.record(Action.DENIED, actor=user.username if user else None,
                          user_id=user.record_id if user else None, target=target,
                          detail={"permission": permission.name,
                                  "role": user.role.value if user else None})
        allowed = " or ".join(_a(r.value) for r in roles_with(permission)) or "no one"
        if user is None:
            raise NotAllowed(f"to {permission.value} someone must log in first "
                             f"({allowed})", permission)
        raise NotAllowed(f"{who} may not {permission.value}; ask {allowed} to do it",
                         permission)


    def _current(self, user: ConsoleUser | None) -> ConsoleUser | None:
        if user is None or user.break_glass or user.record_id is None:
            return user
        with self.audit.database.sessions() as session:
            row = session.get(User, user.record_id)
            if row is None:
                return replace(user, active=False)
            return replace(user, role=Role(row.role), active=row.active)


def _a(noun: str) -> str:
    return f"{'an' if noun[:1] in 'aeiou' else 'a'} {noun}"
