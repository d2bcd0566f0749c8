"""Every stored field of a session's row and of its patient's row, on the session's chain.

The ``sessions`` row (patient, station, phase, start, end, weight, alarm limits, devices)
and the ``patients`` row it points at (name, MRN, date of birth, weight, when the record
was made, the record it was merged into) sit beside the timeline. Each change to them is
chained as a ``record_fields`` statement, in the same transaction that writes it:

- the session's own fields by the writer (:class:`~ketaconsole.store.recorder.Recorder`),
  which chains its last statement with the change applied whenever it writes the row;
- a change to a patient's row (a check-in's weight, an admin's merge) by
  :func:`seal_patient_change`, into every session of that patient, open or closed, so
  that each session's chain always says what its patient's row says.

A statement is what the product wrote, never the rows read back: an edit made with
plain SQL is not taken into the next statement, it stays a difference. ``verify``
compares the rows with the session's last statement and names the first field that
differs ("the session's station reads 'room-9' in the database, but the record says
'room-1'"). A statement written before a field was covered simply lacks its key; the
field is compared from the session's next statement on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import InstrumentedAttribute, Session

from ketaconsole.store.anchors import AnchorLog, session_chain
from ketaconsole.store.database import Database
from ketaconsole.store.models import ClinicSession, Patient, TimelineEvent
from ketaconsole.store.timeline import (
    GENESIS_HASH,
    SYSTEM_AUTHOR,
    StoredEvent,
    canonical_payload,
    chain_event,
    format_time,
)

log = logging.getLogger(__name__)

FIELDS_KIND = "record_fields"
CHAIN_RETRIES = 5
"""Attempts to chain a statement after another writer (an export) took the same place."""


def _plain(value: Any) -> str:
    return "nothing" if value is None else repr(value) if isinstance(value, str) else str(value)


def _time(value: Any) -> str:
    return format_time(value) if isinstance(value, int | float) else _plain(value)


@dataclass(frozen=True, slots=True)
class Field:
    """One sealed column: its key in a statement, the column, and how a person reads it."""

    key: str
    column: InstrumentedAttribute[Any]
    words: str
    show: Callable[[Any], str] | None = _plain
    """How a value is shown in the sentence; ``None``: too long to show (JSON)."""


PATIENT_FIELDS = (
    Field("patient", Patient.name, "the patient's name"),
    Field("mrn", Patient.external_id, "the patient's MRN"),
    Field("date_of_birth", Patient.date_of_birth, "the patient's date of birth"),
    Field("patient_weight_kg", Patient.weight_kg, "the patient's weight"),
    Field("patient_created_at", Patient.created_at, "the time the patient's record was made",
          _time),
    Field("merged_into", Patient.merged_into,
          "the patient record this patient's record was merged into"),
)
SESSION_FIELDS = (
    Field("patient_id", ClinicSession.patient_id, "the session's patient record"),
    Field("station", ClinicSession.station, "the session's station"),
    Field("phase", ClinicSession.phase, "the session's phase"),
    Field("started_at", ClinicSession.started_at, "the session's start", _time),
    Field("ended_at", ClinicSession.ended_at, "the session's end", _time),
    Field("weight_kg", ClinicSession.weight_kg, "the session's weight"),
    Field("alarm_limits", ClinicSession.alarm_limits, "the session's alarm limits", None),
    Field("devices", ClinicSession.devices, "the session's devices", None),
)
FIELDS = SESSION_FIELDS + PATIENT_FIELDS
KEYS = tuple(f.key for f in FIELDS)
PATIENT_KEYS = ("patient_id", *(f.key for f in PATIENT_FIELDS))
"""What a session takes from its patient: which record, and that record's fields."""
SEALED_COLUMNS = {(f.column.class_.__tablename__, f.column.key) for f in FIELDS}
"""(table, column) of every sealed column."""


def read_fields(session: Session, session_id: int) -> dict[str, Any] | None:
    """The sealed fields of one session's rows as they stand (``None``: no such session)."""
    row = session.execute(
        select(*(f.column for f in FIELDS))
        .join(Patient, Patient.id == ClinicSession.patient_id, isouter=True)
        .where(ClinicSession.id == session_id)).first()
    if row is None:
        return None
    return canonical_payload(dict(zip(KEYS, row, strict=True)))


def next_statement(last: Mapping[str, Any] | None, rows: Mapping[str, Any] | None,
                   changes: Mapping[str, Any]) -> dict[str, Any] | None:
    """The statement after ``last`` once ``changes`` (keys of :data:`KEYS`) are written.

    A key ``last`` does not hold (a session recorded before it was covered, or its very
    first statement) is taken from ``rows``; ``None`` when there is nothing to state.
    """
    if last is None and rows is None:
        return None
    statement = {key: last[key] if last is not None and key in last
                 else (rows or {}).get(key) for key in KEYS}
    statement.update({key: value for key, value in changes.items() if key in statement})
    return canonical_payload(statement)


def is_complete(statement: Mapping[str, Any] | None) -> bool:
    """Whether a statement covers every sealed field (else the next write completes it)."""
    return statement is not None and all(key in statement for key in KEYS)


def last_statement(session: Session, session_id: int) -> dict[str, Any] | None:
    """The payload of the session's last ``record_fields`` statement."""
    found: dict[str, Any] | None = session.execute(
        select(TimelineEvent.payload)
        .where(TimelineEvent.session_id == session_id, TimelineEvent.kind == FIELDS_KIND)
        .order_by(TimelineEvent.seq.desc()).limit(1)).scalar()
    return found


def _tail(session: Session, session_id: int) -> tuple[int, str]:
    last = session.execute(
        select(TimelineEvent.seq, TimelineEvent.hash)
        .where(TimelineEvent.session_id == session_id)
        .order_by(TimelineEvent.seq.desc()).limit(1)).first()
    return (0, GENESIS_HASH) if last is None else (int(last[0]), str(last[1]))


def seal_patient_change(database: Database, session: Session, patient_id: int, at: float,
                        changes: Mapping[str, Any] | None = None) -> list[StoredEvent]:
    """Chain a change written to patient ``patient_id`` into every session of that patient.

    Call it in the transaction that writes the change (check-in, merge), after the
    writes: ``changes`` holds the patient fields it wrote (statement keys). A session
    with no statement yet (one just begun) states its rows; a session just moved to
    this patient (a merge) takes the patient's row. The statements are anchored once
    the transaction commits. A session whose chain another writer extends at the same
    time is chained after that writer's event.
    """
    session.flush()
    chained = []
    for session_id in session.scalars(select(ClinicSession.id)
                                      .where(ClinicSession.patient_id == patient_id)
                                      .order_by(ClinicSession.id)):
        stated = _chain_patient_change(session, session_id, patient_id, at, changes or {})
        if stated is not None:
            chained.append(stated)
    if chained and database.anchors is not None:
        _anchor_when_committed(session, database.anchors, chained)
    return chained


def _chain_patient_change(session: Session, session_id: int, patient_id: int, at: float,
                          changes: Mapping[str, Any]) -> StoredEvent | None:
    for attempt in range(CHAIN_RETRIES):
        last = last_statement(session, session_id)
        base = dict(last) if last is not None else None
        if base is not None and base.get("patient_id", patient_id) != patient_id:
            for key in PATIENT_KEYS:  # moved here: its patient is now this record
                base.pop(key, None)
        statement = next_statement(base, read_fields(session, session_id), changes)
        if statement is None or statement == last:
            return None
        seq, head = _tail(session, session_id)
        stated = chain_event(session_id, seq + 1, at, FIELDS_KIND, SYSTEM_AUTHOR, statement,
                             None, head)
        try:
            with session.begin_nested():
                session.execute(insert(TimelineEvent), [_row(stated)])
        except IntegrityError:
            if attempt + 1 == CHAIN_RETRIES:
                raise
            continue  # another writer took this place in the chain: chain after it
        return stated
    return None


def _row(stated: StoredEvent) -> dict[str, Any]:
    return {"session_id": stated.session_id, "seq": stated.seq, "at": stated.at,
            "kind": stated.kind, "author": stated.author, "payload": stated.payload,
            "corrects": stated.corrects, "prev_hash": stated.prev_hash, "hash": stated.hash}


def _anchor_when_committed(session: Session, anchors: AnchorLog,
                           chained: Sequence[StoredEvent]) -> None:
    def anchor(_session: Session) -> None:
        for stated in chained:
            try:
                anchors.append(session_chain(stated.session_id), stated.seq, stated.hash,
                               stated.at)
            except OSError as exc:
                log.warning("the chain head of session %d could not be anchored (%s)",
                            stated.session_id, exc)

    event.listen(session, "after_commit", anchor, once=True)


def last_fields(events: Sequence[StoredEvent]) -> StoredEvent | None:
    for stored in reversed(events):
        if stored.kind == FIELDS_KIND:
            return stored
    return None


@dataclass(frozen=True, slots=True)
class FieldsProblem:
    sentence: str

    def describe(self) -> str:
        return self.sentence


def altered_fields(database: Database, session_id: int,
                   events: Sequence[StoredEvent]) -> FieldsProblem | None:
    """The first sealed field whose row no longer says what the session's chain states."""
    recorded = last_fields(events)
    if recorded is None:
        return None  # a session recorded before its fields were chained
    with database.sessions() as session:
        now = read_fields(session, session_id)
    if now is None:
        return FieldsProblem("the session's row was deleted")
    stated = recorded.payload
    where = f"(event {recorded.seq}, {format_time(recorded.at)}); the row was edited"
    for field in FIELDS:
        if field.key not in stated or now[field.key] == stated[field.key]:
            continue
        if field.show is None:
            return FieldsProblem(f"{field.words} in the database are not what the record "
                                 f"says {where}")
        return FieldsProblem(f"{field.words} reads {field.show(now[field.key])} in the "
                             f"database, but the record says {field.show(stated[field.key])} "
                             f"{where}")
    return None
