"""Emergency access ("break-glass"): in without a PIN, loudly recorded, reviewed by an admin.

When the person at the bedside cannot log in and the patient needs the console now,
emergency access opens it with the clinical permissions of a nurse. It needs no PIN, so
it never acts as a named user: its actor is always :data:`EMERGENCY_USERNAME`, with no
user's row, whoever was chosen in the list. It is put on the audit trail with the
reason given (its own entry, which every entry made under it names), and stays on the
admins' list of pending reviews until an admin reviews it.
"""

from __future__ import annotations

from ketaconsole.names import Field, printable
from ketaconsole.security.audit import Action, AuditLog, AuditRecord
from ketaconsole.security.guard import Guard
from ketaconsole.security.roles import Permission, Role
from ketaconsole.security.users import ConsoleUser
from ketaconsole.store.database import Database

EMERGENCY_USERNAME = "emergency"
NO_REASON = "(no reason given)"


def emergency_user() -> ConsoleUser:
    """Who acts under emergency access: "emergency", with a nurse's permissions, no user row."""
    return ConsoleUser(0, EMERGENCY_USERNAME, "Emergency access (break-glass)", Role.NURSE,
                       True, None, break_glass=True)


def break_glass_detail(reason: str) -> dict[str, str]:
    """The entry's detail: the reason as given, held to the text rule without refusing it
    (an emergency is never turned away): escaped and cut to the reason's length."""
    text = printable(reason.strip())[:Field.REASON.limit]
    return {"reason": text or NO_REASON, "review": "pending"}


def break_glass(audit: AuditLog, reason: str, *,
                place: str = "console") -> tuple[ConsoleUser, AuditRecord]:
    """Open the console in an emergency; who acts and the audit entry."""
    user = emergency_user()
    entry = audit.record(Action.BREAK_GLASS, actor=user.username, user_id=None,
                         target=place, detail=break_glass_detail(reason))
    return user, entry


def pending_break_glass_reviews(record: AuditLog | Database) -> list[AuditRecord]:
    """Emergency accesses no admin has reviewed yet, oldest first."""
    audit = record if isinstance(record, AuditLog) else AuditLog(record)
    reviewed = {entry.target for entry in audit.entries(action=Action.BREAK_GLASS_REVIEWED)}
    return [entry for entry in audit.entries(action=Action.BREAK_GLASS)
            if str(entry.seq) not in reviewed]


def review_break_glass(guard: Guard, admin: ConsoleUser | None, seq: int,
                       note: str) -> AuditRecord:
    """An admin's review of emergency access ``seq`` (audit entry number); audited."""
    by = guard.require(admin, Permission.REVIEW_AUDIT, target=str(seq))
    if not any(entry.seq == seq for entry in pending_break_glass_reviews(guard.audit)):
        raise ValueError(f"audit entry {seq} is not an emergency access waiting for review; "
                         "'ketaconsole audit --break-glass' lists those that are")
    return guard.audit.record(Action.BREAK_GLASS_REVIEWED, actor=by.username,
                              user_id=by.record_id, target=str(seq),
                              detail={"note": note.strip()})
