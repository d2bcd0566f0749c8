"""Check-in's search: name, MRN or birth date find the record with its course and clearance."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from ketaconsole.course.desk import CourseDesk
from ketaconsole.course.identity import PatientIdentityError, register_patient
from ketaconsole.course.lookup import MOST_MATCHES, search_patients
from ketaconsole.security import Action, AuditLog, Guard, NotAllowed, Role
from ketaconsole.store import Database
from tests.core.security_support import FakeClock, staff
from tests.course_support import CLEAR, approved_patient


def _desk(database: Database, audit: AuditLog, role: Role, clock: FakeClock) -> CourseDesk:
    user = staff(database, audit)[role]
    return CourseDesk(database, Guard(audit), lambda: user, clock=clock)


def test_a_match_says_where_the_course_stands_and_what_the_assessment_flagged(
        database: Database) -> None:
    flagged = replace(CLEAR, present=frozenset({"substance_use_disorder_in_remission"}),
                      relative_reasoning="alcohol, in remission for 3 years")
    grace, _ = approved_patient(database, "Grace Hopper", "MRN-1001",
                                date_of_birth="1906-12-09", form=flagged)
    register_patient(database, "Grace Kelly", mrn="MRN-2002", date_of_birth="1929-11-12")
    now = grace_now = 1_790_000_000.0 + 86400

    by_name = search_patients(database, "  grace ", now)
    assert [m.patient.name for m in by_name] == ["Grace Hopper", "Grace Kelly"]
    hopper, kelly = by_name
    assert hopper.cleared and hopper.course == "induction, 0 infusions, not started"
    assert "approved by Dr Pia Prescriber for 0.4-0.75 mg/kg" in hopper.clearance
    assert hopper.flagged == ("substance use disorder in sustained remission (relative)",)
    assert not kelly.cleared and kelly.course == "not assessed"
    assert "a prescriber must assess" in kelly.clearance

    assert [m.patient.patient_id for m in search_patients(database, "MRN-1001", now)] == \
        [grace.patient_id]
    assert [m.patient.name for m in search_patients(database, "1929-11-12", grace_now)] == \
        ["Grace Kelly"]
    assert search_patients(database, "Turing", now) == []
    assert hopper.age_on(date(2026, 12, 8)) == 119 and hopper.age_on(date(2026, 12, 9)) == 120


def test_an_expired_assessment_is_shown_as_not_cleared(database: Database) -> None:
    grace, assessment = approved_patient(database, "Grace Hopper", "MRN-1001")
    [match] = search_patients(database, "hopper", assessment.expires_at + 1)
    assert not match.cleared and "expired" in match.clearance
    assert match.patient.patient_id == grace.patient_id


def test_a_search_too_wide_or_empty_asks_for_more(database: Database) -> None:
    for number in range(MOST_MATCHES + 1):
        register_patient(database, f"Pat Example{number}", mrn=f"MRN-{number}")
    with pytest.raises(PatientIdentityError, match="type more of the name"):
        search_patients(database, "pat", 0.0)
    with pytest.raises(PatientIdentityError, match="Type part of the patient's name"):
        search_patients(database, "  ", 0.0)


def test_the_search_is_a_nurses_and_on_the_audit_trail_a_technicians_is_refused(
        database: Database, clock: FakeClock) -> None:
    audit = AuditLog(database, clock)
    register_patient(database, "Grace Hopper", mrn="MRN-1001")
    users = staff(database, audit)
    nurse = CourseDesk(database, Guard(audit), lambda: users[Role.NURSE], clock=clock)
    technician = CourseDesk(database, Guard(audit), lambda: users[Role.TECHNICIAN],
                            clock=clock)
    assert len(nurse.find_patients("grace")) == 1
    with pytest.raises(NotAllowed, match="may not open a patient's record"):
        technician.find_patients("grace")
    entries = [(e.action, e.actor, e.detail) for e in audit.entries()]
    assert (Action.RECORDS_LISTED, "nia", {"via": "check-in", "patients": 1}) in entries
    assert any(action == Action.DENIED and actor == "tom" for action, actor, _ in entries)


def test_a_new_patient_is_registered_on_purpose_with_an_mrn_or_birth_date(
        database: Database, clock: FakeClock) -> None:
    audit = AuditLog(database, clock)
    desk = _desk(database, audit, Role.NURSE, clock)
    with pytest.raises(PatientIdentityError, match="MRN or date of birth"):
        desk.register_patient("Alan Turing", mrn="", date_of_birth="")
    made = desk.register_patient("Alan Turing", mrn="MRN-1002", date_of_birth="1912-06-23")
    assert made.patient.mrn == "MRN-1002" and not made.cleared
    assert made.course == "not assessed"
    with pytest.raises(PatientIdentityError, match="already Alan Turing's record"):
        desk.register_patient("Alan M. Turing", mrn="MRN-1002", date_of_birth=None)
    registered = [e for e in audit.entries() if e.action == Action.PATIENT_REGISTERED]
    assert [(e.actor, e.target, e.detail["mrn"]) for e in registered] == \
        [("nia", f"patient {made.patient.patient_id}", "MRN-1002")]
