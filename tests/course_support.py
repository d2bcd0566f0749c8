"""Course set-up for tests: a registered patient whose course a prescriber approved."""

from __future__ import annotations

import time

from ketaconsole.course.desk import CourseDesk
from ketaconsole.course.eligibility import (
    Assessment,
    EligibilityForm,
    PriorTreatment,
    latest_assessment,
)
from ketaconsole.course.identity import PatientRecord, resolve_patient
from ketaconsole.security import AuditLog, ConsoleUser, Guard, Role
from ketaconsole.security.users import create_user, find_user
from ketaconsole.store import Database, open_database

CLEAR = EligibilityForm(
    present=frozenset(), screening_bp=((128, 82), (124, 80)),
    consent_document="IV ketamine course consent", consent_version="2026-03",
    dose_min_mg_per_kg=0.4, dose_max_mg_per_kg=0.75, infusion_min_minutes=40.0,
    infusion_max_minutes=60.0, max_total_mg=60.0,
    prior_treatments=(PriorTreatment("antidepressant", "sertraline 200 mg, 12 weeks"),
                      PriorTreatment("antidepressant", "venlafaxine 225 mg, 10 weeks"),
                      PriorTreatment("TMS", "36 sessions, 2025")))
"""A patient with no contraindication: two antidepressant trials and TMS before; approved
for 0.4 to 0.75 mg/kg over 40 to 60 minutes, at most 60 mg an infusion."""


def prescriber(database: Database) -> ConsoleUser:
    """Dr Pia Prescriber (username ``pia``), added once per record database."""
    audit = AuditLog(database)
    found = find_user(database, "pia")
    if found is not None:
        return found
    return create_user(database, audit, username="pia", display_name="Dr Pia Prescriber",
                       role=Role.PRESCRIBER, pin="609318", by=None)


def approve(database: Database, person: PatientRecord, *, form: EligibilityForm = CLEAR,
            assessed_at: float | None = None) -> Assessment:
    """Dr Pia Prescriber assesses ``person`` at her desk and approves the course (signed at
    ``assessed_at``, by default now: a story's infusions come after their approval)."""
    doctor = prescriber(database)
    at = time.time() if assessed_at is None else assessed_at
    desk = CourseDesk(database, Guard(AuditLog(database)), lambda: doctor, clock=lambda: at)
    return desk.assess_eligibility(person.patient_id, form)


def approved_patient(database: Database, name: str, mrn: str, *,
                     date_of_birth: str | None = None, form: EligibilityForm = CLEAR,
                     weight_kg: float | None = None, assessed_at: float | None = None
                     ) -> tuple[PatientRecord, Assessment]:
    person = resolve_patient(database, name, mrn=mrn, date_of_birth=date_of_birth,
                              weight_kg=weight_kg)
    return person, approve(database, person, form=form, assessed_at=assessed_at)


def mrn_of(name: str) -> str:
    """The MRN the tests give a patient by name ("Ann Example" -> "MRN-ANNEXAMPLE")."""
    return "MRN-" + "".join(c for c in name.upper() if c.isalnum())


def cleared_mrn(url: str, name: str) -> str:
    """The MRN of ``name``, registered and approved in the record at ``url`` (once)."""
    database = open_database(url)
    try:
        mrn = mrn_of(name)
        person = resolve_patient(database, name, mrn=mrn)
        if latest_assessment(database, person.patient_id) is None:
            approved_patient(database, name, mrn)
        return mrn
    finally:
        database.dispose()
