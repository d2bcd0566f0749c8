"""The patient's and session's clinical fields on the chain: who, weight, phase.

The ``patients`` and ``sessions`` rows hold what a record says about its patient (name,
date of birth, weight) and session (weight, phase); the dose plan is only on the
timeline, in its ``dose_plan`` events. Whenever the writer
commits a change to them, and when it first writes a session whose chain does not yet
hold them as they stand, it chains a ``record_fields`` event with the fields' values in
the same transaction. ``verify`` compares the rows with the last such event, so an
edit of the rows with plain SQL is named ("the patient's weight reads 55.0, the record
says 70.0").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ketaconsole.store.database import Database
from ketaconsole.store.models import ClinicSession, Patient
from ketaconsole.store.timeline import StoredEvent, canonical_payload, format_time

FIELDS_KIND = "record_fields"

_WORDS = {
    "patient": "the patient's name",
    "date_of_birth": "the patient's date of birth",
    "patient_weight_kg": "the patient's weight",
    "weight_kg": "the session's weight",
    "phase": "the session's phase",
}


def read_fields(session: Session, session_id: int) -> dict[str, Any] | None:
    """The clinical fields of one session's rows as they stand (``None``: no such session)."""
    row = session.execute(
        select(Patient.name, Patient.date_of_birth, Patient.weight_kg, ClinicSession.phase,
               ClinicSession.weight_kg)
        .join(Patient, Patient.id == ClinicSession.patient_id)
        .where(ClinicSession.id == session_id)).first()
    if row is None:
        return None
    name, born, patient_weight, phase, weight = row
    return canonical_payload({"patient": name, "date_of_birth": born,
                              "patient_weight_kg": patient_weight, "weight_kg": weight,
                              "phase": phase})


def last_fields(events: Sequence[StoredEvent]) -> StoredEvent | None:
    for event in reversed(events):
        if event.kind == FIELDS_KIND:
            return event
    return None


@dataclass(frozen=True, slots=True)
class FieldsProblem:
    sentence: str

    def describe(self) -> str:
        return self.sentence


def _show(value: Any) -> str:
    return "nothing" if value is None else repr(value) if isinstance(value, str) else str(value)


def altered_fields(database: Database, session_id: int,
                   events: Sequence[StoredEvent]) -> FieldsProblem | None:
    """The first clinical field whose row no longer says what the chain recorded."""
    recorded = last_fields(events)
    if recorded is None:
        return None  # a session recorded before its fields were chained
    with database.sessions() as session:
        now = read_fields(session, session_id)
    if now is None:
        return FieldsProblem("the session's row was deleted")
    for key, words in _WORDS.items():
        if now.get(key) != recorded.payload.get(key):
            return FieldsProblem(
                f"{words} reads {_show(now.get(key))} in the database, but the record "
                f"says {_show(recorded.payload.get(key))} (event {recorded.seq}, "
                f"{format_time(recorded.at)}); the row was edited")
    return None
