"""Who the patient is across sessions: one record per person, found by name, MRN or birth date.

The clinic identifier (MRN) is the patient row's ``external_id``, the same identifier
the exports print. Check-in looks the patient up (:func:`find_patients`) and either
picks the record found or registers a new one explicitly (:func:`register_patient`);
checking in the same person again reuses their row (:func:`resolve_patient`). Two
records of one person are joined by :func:`merge_patients`, an admin's audited action:
the merged record points at the one kept and its sessions move there.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ketaconsole.names import BadText, Field, check_birth_date, check_text, shown_text
from ketaconsole.store.database import Database
from ketaconsole.store.models import (
    ClinicSession,
    EligibilityAssessment,
    FollowUp,
    SafetyFlagAcknowledgement,
)
from ketaconsole.store.models import (
    Patient as PatientRow,
)
from ketaconsole.store.record_fields import seal_patient_change

MRN_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\-/.]{0,99}$")


class PatientIdentityError(ValueError):
    """A patient lookup or registration that cannot be done; the text says what to enter."""


@dataclass(frozen=True, slots=True)
class PatientRecord:
    """One person's record: the row id, name, MRN, date of birth and the last weight."""

    patient_id: int
    name: str
    mrn: str | None
    date_of_birth: str | None
    weight_kg: float | None
    sessions: int = 0

    def label(self) -> str:
        mrn = f"MRN {self.mrn}" if self.mrn else "no MRN"
        born = f"born {self.date_of_birth}" if self.date_of_birth else "birth date not recorded"
        return f"{self.name} \u00b7 {mrn} \u00b7 {born}"


def normal_name(name: str) -> str:
    return " ".join(name.split()).casefold()


def check_date_of_birth(text: str | None) -> str | None:
    """An ISO date (YYYY-MM-DD) within a life's span, or None; anything else is refused
    with what to enter (:func:`ketaconsole.names.check_birth_date`)."""
    if text is None or not text.strip():
        return None
    try:
        return check_birth_date(text).isoformat()
    except BadText as exc:
        raise PatientIdentityError(str(exc)) from None


def check_mrn(text: str | None) -> str | None:
    if text is None or not text.strip():
        return None
    mrn = text.strip()
    if not MRN_PATTERN.match(mrn):
        raise PatientIdentityError(
            f"{shown_text(mrn)} is not a clinic identifier; use letters, digits, '-', '/' or '.'")
    return mrn


def _record(session: Session, row: PatientRow) -> PatientRecord:
    count = session.scalar(select(func.count()).select_from(ClinicSession)
                           .where(ClinicSession.patient_id == row.id)) or 0
    return PatientRecord(row.id, row.name, row.external_id, row.date_of_birth, row.weight_kg,
                         int(count))


def find_patients(database: Database, *, name: str = "", mrn: str = "",
                  date_of_birth: str = "") -> list[PatientRecord]:
    """Records in use that match every term given (name: any part, case-insensitive)."""
    mrn_wanted = check_mrn(mrn)
    born = check_date_of_birth(date_of_birth)
    query = select(PatientRow).where(PatientRow.merged_into.is_(None))
    if mrn_wanted:
        query = query.where(PatientRow.external_id == mrn_wanted)
    if born:
        query = query.where(PatientRow.date_of_birth == born)
    with database.sessions() as session:
        rows = session.scalars(query.order_by(PatientRow.name, PatientRow.id)).all()
        wanted = normal_name(name)
        return [_record(session, row) for row in rows
                if not wanted or wanted in normal_name(row.name)]


def get_patient(database: Database, patient_id: int) -> PatientRecord:
    """The record ``patient_id`` (followed to the record it was merged into)."""
    with database.sessions() as session:
        row = session.get(PatientRow, patient_id)
        seen = set()
        while row is not None and row.merged_into is not None and row.id not in seen:
            seen.add(row.id)
            row = session.get(PatientRow, row.merged_into)
        if row is None:
            raise PatientIdentityError(
                f"There is no patient {patient_id}; 'ketaconsole patients' lists them.")
        return _record(session, row)


def register_patient(database: Database, name: str, *, mrn: str | None = None,
                     date_of_birth: str | None = None, weight_kg: float | None = None,
                     clock: Callable[[], float] = time.time) -> PatientRecord:
    """A new patient record; refused when the MRN is already another patient's."""
    try:
        name = check_text(name, Field.PATIENT_NAME)
    except BadText as exc:
        raise PatientIdentityError(str(exc)) from None
    mrn = check_mrn(mrn)
    born = check_date_of_birth(date_of_birth)
    with database.sessions() as session, session.begin():
        if mrn is not None:
            taken = session.scalars(select(PatientRow).where(
                PatientRow.external_id == mrn, PatientRow.merged_into.is_(None))).first()
            if taken is not None:
                raise PatientIdentityError(
                    f"MRN {mrn} is already {taken.name}'s record; pick that record or "
                    "check the MRN.")
        row = PatientRow(name=" ".join(name.split()), external_id=mrn, date_of_birth=born,
                         weight_kg=weight_kg, created_at=clock())
        session.add(row)
        session.flush()
        return PatientRecord(row.id, row.name, mrn, born, weight_kg)


def resolve_patient(database: Database, name: str, *, mrn: str | None = None,
                    date_of_birth: str | None = None, weight_kg: float | None = None,
                    clock: Callable[[], float] = time.time) -> PatientRecord:
    """The record of the person checked in: found by MRN, else by name and birth date.

    A name alone identifies no one (two people share names), so without an MRN or a
    date of birth a new record is registered, as before this module existed. A found
    record whose name differs from the one typed is refused: the MRN names someone else.
    """
    mrn = check_mrn(mrn)
    born = check_date_of_birth(date_of_birth)
    found: list[PatientRecord] = []
    if mrn is not None:
        found = find_patients(database, mrn=mrn)
        if found and normal_name(found[0].name) != normal_name(name):
            raise PatientIdentityError(
                f"MRN {mrn} is {found[0].name}'s record, not {name.strip()}'s; check the MRN.")
    elif born is not None:
        found = [p for p in find_patients(database, date_of_birth=born)
                 if normal_name(p.name) == normal_name(name)]
        if len(found) > 1:
            raise PatientIdentityError(
                f"{len(found)} records match {name.strip()} born {born}; enter the MRN.")
    if found:
        return found[0]
    return register_patient(database, name, mrn=mrn, date_of_birth=born, weight_kg=weight_kg,
                            clock=clock)


def find_for_check_in(database: Database, name: str, *, mrn: str | None = None,
                      date_of_birth: str | None = None) -> PatientRecord:
    """The record a check-in names (by MRN, else name and birth date); never a new one.

    With an MRN the name may be left out (``record --mrn``); given, it must match.

    Check-in only finds: a patient new to the clinic is registered explicitly
    (:func:`register_patient`, ``ketaconsole patients add``) before a prescriber
    assesses them.
    """
    mrn = check_mrn(mrn)
    born = check_date_of_birth(date_of_birth)
    if mrn is None and born is None:
        raise PatientIdentityError(f"Enter {name.strip() or 'the patient'}'s MRN or date of "
                                   "birth to find their record.")
    if mrn is not None:
        found = find_patients(database, mrn=mrn)
        if found and name.strip() and normal_name(found[0].name) != normal_name(name):
            raise PatientIdentityError(
                f"MRN {mrn} is {found[0].name}'s record, not {name.strip()}'s; check the MRN.")
    else:
        found = [p for p in find_patients(database, date_of_birth=born or "")
                 if normal_name(p.name) == normal_name(name)]
        if len(found) > 1:
            raise PatientIdentityError(
                f"{len(found)} records match {name.strip()} born {born}; enter the MRN.")
    if not found:
        which = f"MRN {mrn}" if mrn else f"{name.strip()} born {born}"
        raise PatientIdentityError(
            f"There is no record for {which}; register the patient ('ketaconsole patients "
            "add') and have a prescriber assess the course first.")
    return found[0]


@dataclass(frozen=True, slots=True)
class MergeResult:
    kept: PatientRecord
    merged_id: int
    sessions_moved: int


def merge_records(database: Database, keep_id: int, merge_id: int) -> MergeResult:
    """Join record ``merge_id`` into ``keep_id`` (unguarded: call :func:`merge_patients`)."""
    if keep_id == merge_id:
        raise PatientIdentityError("Pick two different records to merge.")
    with database.sessions() as session, session.begin():
        keep = session.get(PatientRow, keep_id)
        gone = session.get(PatientRow, merge_id)
        for pid, row in ((keep_id, keep), (merge_id, gone)):
            if row is None:
                raise PatientIdentityError(
                    f"There is no patient {pid}; 'ketaconsole patients' lists them.")
            if row.merged_into is not None:
                raise PatientIdentityError(
                    f"Patient {pid} was already merged into {row.merged_into}; merge "
                    "into that record instead.")
        assert keep is not None and gone is not None
        if keep.external_id and gone.external_id and keep.external_id != gone.external_id:
            raise PatientIdentityError(
                f"The records have different MRNs ({keep.external_id}, {gone.external_id}); "
                "they are not one person's.")
        moved = session.scalar(select(func.count()).select_from(ClinicSession)
                               .where(ClinicSession.patient_id == merge_id)) or 0
        session.execute(update(ClinicSession).where(ClinicSession.patient_id == merge_id)
                        .values(patient_id=keep_id))
        for table in (EligibilityAssessment, FollowUp, SafetyFlagAcknowledgement):
            session.execute(update(table).where(table.patient_id == merge_id)
                            .values(patient_id=keep_id))
        keep.external_id = keep.external_id or gone.external_id
        keep.date_of_birth = keep.date_of_birth or gone.date_of_birth
        gone.merged_into = keep_id
        seal_patient_change(database, session, keep_id, time.time(),
                            {"mrn": keep.external_id, "date_of_birth": keep.date_of_birth})
        kept = _record(session, keep)
    return MergeResult(kept, merge_id, int(moved))
