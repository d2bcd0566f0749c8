"""Finding the patient at check-in: one search by name, MRN or date of birth, with each course.

The nurse types what she has (part of the name, the MRN, or the date of birth as
YYYY-MM-DD); each match comes with where the course stands and whether a session may
be checked in under it (an approved, unexpired assessment and no open safety flag), so
she picks the right record and sees at once what the prescriber's assessment flagged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from ketaconsole.course.eligibility import Assessment, NotCleared, clearance
from ketaconsole.course.identity import (
    MRN_PATTERN,
    PatientIdentityError,
    PatientRecord,
    find_for_check_in,
    find_patients,
    get_patient,
)
from ketaconsole.course.safety_flags import hold_for_flags
from ketaconsole.course.summary import course_summary
from ketaconsole.store.database import Database

MOST_MATCHES = 20
"""More matches than this say "type more of the name" instead of listing the clinic."""


@dataclass(frozen=True, slots=True)
class PatientMatch:
    """One record the search found, with its course and whether it can be checked in now."""

    patient: PatientRecord
    course: str
    """The course's state ("induction, 2 infusions, response", "not assessed")."""
    cleared: bool
    clearance: str
    """Under what a session runs ("approved 0.4-0.75 mg/kg until ..."), or why none can."""
    flagged: tuple[str, ...] = field(default_factory=tuple)
    """What the eligibility assessment flagged (contraindications found)."""

    def age_on(self, day: date) -> int | None:
        """The patient's age in whole years on ``day`` (from the date of birth)."""
        born = self.patient.date_of_birth
        if not born:
            return None
        birth = date.fromisoformat(born)
        return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def _search_terms(text: str) -> dict[str, str]:
    """What the typed text is: a date of birth, an MRN and/or part of a name."""
    text = " ".join(text.split())
    try:
        date.fromisoformat(text)
    except ValueError:
        pass
    else:
        return {"date_of_birth": text}
    return {"name": text}


def search_patients(database: Database, text: str, now: float) -> list[PatientMatch]:
    """The records matching ``text`` (name part, MRN or YYYY-MM-DD), each with its course."""
    if not text.strip():
        raise PatientIdentityError("Type part of the patient's name, the MRN or the date of "
                                   "birth (YYYY-MM-DD).")
    terms = _search_terms(text)
    found = find_patients(database, **terms)
    if "name" in terms and MRN_PATTERN.match(terms["name"]):
        by_mrn = find_patients(database, mrn=terms["name"])
        found = by_mrn + [p for p in found if p.patient_id not in
                          {m.patient_id for m in by_mrn}]
    if len(found) > MOST_MATCHES:
        raise PatientIdentityError(f"{len(found)} patients match {text.strip()!r}; type more "
                                   "of the name, or the MRN.")
    return [match_of(database, person, now) for person in found]


def match_of(database: Database, person: PatientRecord, now: float) -> PatientMatch:
    """``person`` with the course's state and its clearance for a session now."""
    summary = course_summary(database, person.patient_id)
    try:
        course = clearance(database, person.patient_id, person.name, now)
        hold_for_flags(database, person.patient_id, person.name, sessions=summary.sessions,
                       flags=summary.safety_flags)
    except NotCleared as exc:
        flagged = tuple(summary.assessment.flagged) if summary.assessment else ()
        return PatientMatch(person, summary.state(), False, str(exc), flagged)
    flagged = tuple(course.flagged)
    return PatientMatch(person, summary.state(), True,
                        f"approved by {course.prescriber} for {course.summary()} until "
                        f"{course.expires()}",
                        flagged)


def cleared_patient(database: Database, name: str, *, now: float, mrn: str | None = None,
                    date_of_birth: str | None = None,
                    patient_id: int | None = None) -> tuple[PatientRecord, Assessment]:
    """The record a session is for and the approved course it runs under: the one lookup
    check-in and headless ``record`` make (the record picked, else found by MRN or name and
    birth date; never made). :class:`PatientIdentityError` or :class:`NotCleared` with one
    sentence when there is no such record, no approved, unexpired assessment, or an open
    safety flag a prescriber has not acknowledged."""
    person = get_patient(database, patient_id) if patient_id is not None \
        else find_for_check_in(database, name, mrn=mrn, date_of_birth=date_of_birth)
    course = clearance(database, person.patient_id, person.name, now)
    hold_for_flags(database, person.patient_id, person.name)
    return person, course
