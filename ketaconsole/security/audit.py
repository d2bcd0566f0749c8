"""The audit trail: who did what to which record, append-only and hash-chained.

Every entry is chained with the same SHA-256 canonical form as a session's timeline
(:mod:`ketaconsole.store.timeline`), on a chain of its own: session number 0, the action
as the event kind, the person as the author and ``{"user_id", "target", "detail"}`` as
the payload. Editing, removing or reordering a stored entry breaks the chain there, and
:func:`verify_audit` names the first broken entry.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ketaconsole.store.anchors import AUDIT_CHAIN as AUDIT_ANCHORS
from ketaconsole.store.anchors import AnchorProblem
from ketaconsole.store.database import Database
from ketaconsole.store.models import AuditEntry
from ketaconsole.store.timeline import (
    GENESIS_HASH,
    ChainBreak,
    StoredEvent,
    chain_event,
    first_break,
    format_time,
)

AUDIT_CHAIN = 0
"""The chain number the audit trail hashes under (sessions are numbered from 1)."""
NOBODY = "-"
"""The author of an entry no known person caused (an unknown user name, the console)."""
_WRITE_ATTEMPTS = 20

log = logging.getLogger(__name__)


class Action:
    """The audit trail's actions, in the words the review shows."""

    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    USER_LOCKED_OUT = "user_locked_out"
    LOGOUT = "logout"
    CONSOLE_LOCKED = "console_locked"
    CONSOLE_UNLOCKED = "console_unlocked"
    ALARM_ACTION_WHILE_LOCKED = "alarm_action_while_locked"
    RECORD_OPENED = "record_opened"
    RECORDS_LISTED = "records_listed"
    RECORD_VERIFIED = "record_verified"
    AUDIT_REVIEWED = "audit_reviewed"
    AUDIT_VERIFIED = "audit_verified"
    CLINICAL_ENTRY = "clinical_entry"
    RECORD_SIGNED = "record_signed"
    EXPORT = "export"
    DEVICE_PROFILE_SAVED = "device_profile_saved"
    DEVICE_PROFILE_DELETED = "device_profile_deleted"
    DEVICE_CONTROL_ALLOWED = "device_control_allowed"
    ALARM_PROFILE_EDITED = "alarm_profile_edited"
    USER_ADDED = "user_added"
    USER_DISABLED = "user_disabled"
    USER_ENABLED = "user_enabled"
    PIN_RESET = "pin_reset"
    CLINIC_SETTING_CHANGED = "clinic_setting_changed"
    DRUG_LIBRARY_CHANGED = "drug_library_changed"
    PLUGIN_ALLOWED = "plugin_allowed"
    PLUGIN_REVOKED = "plugin_revoked"
    DENIED = "denied"
    BREAK_GLASS = "break_glass"
    BREAK_GLASS_REVIEWED = "break_glass_reviewed"
    PATIENTS_MERGED = "patients_merged"
    COURSE_ASSESSED = "course_assessed"
    PATIENT_REGISTERED = "patient_registered"
    SAFETY_FLAG_ACKNOWLEDGED = "safety_flag_acknowledged"


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """One committed audit entry."""

    seq: int
    at: float
    action: str
    actor: str
    user_id: int | None
    target: str | None
    detail: dict[str, Any]
    prev_hash: str
    hash: str

    def as_record(self) -> dict[str, Any]:
        return {"seq": self.seq, "at": self.at, "time": format_time(self.at),
                "action": self.action, "actor": self.actor, "user_id": self.user_id,
                "target": self.target, "detail": self.detail, "prev_hash": self.prev_hash,
                "hash": self.hash}


def _payload(user_id: int | None, target: str | None,
             detail: dict[str, Any] | None) -> dict[str, Any]:
    return {"user_id": user_id, "target": target, "detail": detail or {}}


class AuditNotWritten(RuntimeError):
    """An audit entry the database refused for what it says, not for a busy chain."""


def _lost_the_race(exc: IntegrityError) -> bool:
    """Whether another writer took this sequence number first (retry), not a bad entry."""
    sqlstate = getattr(exc.orig, "sqlstate", None)
    if sqlstate is not None:
        return bool(sqlstate == "23505")  # unique_violation
    return "UNIQUE" in str(exc.orig).upper()


class AuditLog:
    """Appends to and reads the audit trail of one record database."""

    def __init__(self, database: Database, clock: Callable[[], float] = time.time) -> None:
        self.database = database
        self.clock = clock

    def record(self, action: str, *, actor: str | None, user_id: int | None = None,
               target: str | None = None, detail: dict[str, Any] | None = None) -> AuditRecord:
        """Commit one entry at the end of the chain (retried if another writer got there first)."""
        author = actor or NOBODY
        for _ in range(_WRITE_ATTEMPTS):
            with self.database.sessions() as session:
                last = session.execute(
                    select(AuditEntry.seq, AuditEntry.hash)
                    .where(AuditEntry.seq.is_not(None))
                    .order_by(AuditEntry.seq.desc()).limit(1)).first()
                seq = (last[0] or 0) + 1 if last else 1
                prev_hash = (last[1] or GENESIS_HASH) if last else GENESIS_HASH
                at = self.clock()
                event = chain_event(AUDIT_CHAIN, seq, at, action, author,
                                    _payload(user_id, target, detail), None, prev_hash)
                session.add(AuditEntry(at=at, user_id=user_id, action=action, target=target,
                                       detail=event.payload["detail"], seq=seq, actor=author,
                                       prev_hash=prev_hash, hash=event.hash))
                try:
                    session.commit()
                except IntegrityError as exc:
                    session.rollback()
                    if not _lost_the_race(exc):
                        raise AuditNotWritten(
                            f"the audit entry {action!r} refers to something the record does "
                            f"not hold ({exc.orig}); nothing was written to the audit trail"
                        ) from exc
                    continue
            self._anchor(seq, event.hash, at)
            return _from_event(event)
        raise RuntimeError("the audit trail is too busy to write to; try again")

    def entries(self, *, since: float | None = None,
                action: str | None = None) -> list[AuditRecord]:
        """Committed entries in chain order, from ``since`` on and of one action if given."""
        query = select(AuditEntry).order_by(AuditEntry.seq)
        if since is not None:
            query = query.where(AuditEntry.at >= since)
        if action is not None:
            query = query.where(AuditEntry.action == action)
        with self.database.sessions() as session:
            return [_from_row(row) for row in session.scalars(query)]

    def _anchor(self, seq: int, head: str, at: float) -> None:
        """Copy the trail's new head to the anchor log outside the database."""
        if self.database.anchors is None:
            return
        try:
            self.database.anchors.append(AUDIT_ANCHORS, seq, head, at)
        except OSError as exc:
            log.warning("the audit trail's head could not be anchored (%s)", exc)

    def verify(self) -> ChainBreak | AnchorProblem | None:
        """The first entry where the chain does not hold, or ``None`` if it is intact.

        An intact chain is also compared with its anchors: a trail that ends before an
        anchored entry was shortened.
        """
        with self.database.sessions() as session:
            rows = list(session.scalars(select(AuditEntry).order_by(AuditEntry.seq,
                                                                    AuditEntry.id)))
        events = [_as_event(row) for row in rows]
        broken = first_break(events)
        if broken is not None or self.database.anchors is None:
            return broken
        return self.database.anchors.check(AUDIT_ANCHORS, "the audit trail",
                                           {e.seq: e.hash for e in events}, item="entry")


def _as_event(row: AuditEntry) -> StoredEvent:
    return StoredEvent(AUDIT_CHAIN, row.seq if row.seq is not None else 0, row.at, row.action,
                       row.actor or NOBODY, _payload(row.user_id, row.target, row.detail),
                       None, row.prev_hash or "", row.hash or "")


def _from_event(event: StoredEvent) -> AuditRecord:
    payload = event.payload
    return AuditRecord(event.seq, event.at, event.kind, event.author, payload["user_id"],
                       payload["target"], payload["detail"], event.prev_hash, event.hash)


def _from_row(row: AuditEntry) -> AuditRecord:
    return _from_event(_as_event(row))


def describe_break(problem: ChainBreak | AnchorProblem) -> str:
    """A chain break in the audit trail's words (entry, not event)."""
    if isinstance(problem, AnchorProblem):
        return problem.describe()
    return (f"the audit trail was altered at entry {problem.seq} ({problem.kind}, "
            f"{format_time(problem.at)}): {problem.problem}")
