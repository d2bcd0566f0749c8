"""The prescriber's eligibility assessment: decision support, signature, and the check-in gate."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from ketaconsole.course.desk import CourseDesk, EligibilityRefused
from ketaconsole.course.eligibility import (
    EligibilityPolicy,
    NotCleared,
    clearance,
    decision_support,
)
from ketaconsole.course.identity import register_patient
from ketaconsole.medication.library import default_library
from ketaconsole.security import Action, AuditLog, Guard, NotAllowed, Role
from ketaconsole.session.checkin import CheckIn
from ketaconsole.session.events import sentence
from ketaconsole.session.workflow import Step, WorkflowError
from ketaconsole.store import Database
from ketaconsole.store.review import list_sessions, timeline
from tests.core.security_support import staff
from tests.course_support import CLEAR, approved_patient, prescriber
from tests.room_support import bare_room, end_and_stop, log_in

GRACE = CheckIn("Grace Hopper", 52, 64.0, "none known", "none", "none", False, "none", 8.0, 3.0,
                True, "right forearm", True, mrn="MRN-1001")
POLICY = EligibilityPolicy(max_systolic_mmhg=160, max_diastolic_mmhg=100, valid_days=90)
LIBRARY = default_library()


@pytest.mark.parametrize(("change", "absolute", "relative"), [
    ({}, (), ()),
    ({"active_psychosis": True}, ("active_psychosis",), ()),
    ({"pregnancy": True}, ("pregnancy",), ()),
    ({"screening_systolic_mmhg": 170, "screening_diastolic_mmhg": 105},
     ("uncontrolled_hypertension",), ()),
    ({"screening_systolic_mmhg": 160, "screening_diastolic_mmhg": 100}, (), ()),
    ({"substance_use_disorder": True, "relative_reasoning": "in remission 3 years"},
     (), ("substance_use_disorder",)),
    ({"cardiovascular_disease": True, "interstitial_cystitis": True,
      "prior_ketamine_misuse": True, "relative_reasoning": "cardiology cleared"},
     (), ("cardiovascular_disease", "prior_ketamine_misuse", "interstitial_cystitis")),
])
def test_decision_support_sorts_absolute_and_relative_contraindications(
        change: dict[str, object], absolute: tuple[str, ...],
        relative: tuple[str, ...]) -> None:
    findings = decision_support(replace(CLEAR, **change), POLICY, LIBRARY)  # type: ignore[arg-type]
    assert (findings.absolute, findings.relative, findings.problems) == (absolute, relative, {})


def test_the_hypertension_threshold_is_the_clinics() -> None:
    strict = EligibilityPolicy(max_systolic_mmhg=140, max_diastolic_mmhg=90)
    reading = replace(CLEAR, screening_systolic_mmhg=150, screening_diastolic_mmhg=85)
    assert decision_support(reading, strict, LIBRARY).absolute == ("uncontrolled_hypertension",)
    assert decision_support(reading, POLICY, LIBRARY).absolute == ()


def test_a_relative_contraindication_needs_reasoning_and_consent_its_version() -> None:
    findings = decision_support(replace(CLEAR, substance_use_disorder=True,
                                        consent_version=" "), POLICY, LIBRARY)
    assert set(findings.problems) == {"relative_reasoning", "consent"}


def test_only_a_prescriber_approves_a_course_and_it_is_audited(database: Database) -> None:
    audit = AuditLog(database)
    users = staff(database, audit)
    person = register_patient(database, "Grace Hopper", mrn="MRN-1001")
    with pytest.raises(NotAllowed, match="ask a prescriber"):
        CourseDesk(database, Guard(audit), lambda: users[Role.NURSE]).assess_eligibility(
            person.patient_id, CLEAR)
    doctor = prescriber(database)
    desk = CourseDesk(database, Guard(audit), lambda: doctor)
    with pytest.raises(EligibilityRefused, match="consent document"):
        desk.assess_eligibility(person.patient_id, replace(CLEAR, consent_document=""))
    assessment = desk.assess_eligibility(person.patient_id, CLEAR, policy=POLICY)
    assert assessment.approved and assessment.prescriber == "Dr Pia Prescriber"
    assert assessment.record["prior_treatments"][2] == {"kind": "TMS",
                                                        "detail": "36 sessions, 2025"}
    assert assessment.record["consent_version"] == "2026-03"
    entry = audit.entries(action=Action.COURSE_ASSESSED)[-1]
    assert entry.actor == "pia" and entry.detail["dose_range_mg_per_kg"] == [0.4, 0.75]


def test_clearance_needs_an_approved_unexpired_assessment(database: Database) -> None:
    person = register_patient(database, "Grace Hopper", mrn="MRN-1001")
    with pytest.raises(NotCleared, match="has no eligibility assessment"):
        clearance(database, person.patient_id, person.name, 1.0)
    doctor = prescriber(database)
    desk = CourseDesk(database, Guard(AuditLog(database)), lambda: doctor,
                      clock=lambda: 1_800_000_000.0)
    refused = desk.assess_eligibility(person.patient_id, replace(CLEAR, pregnancy=True),
                                      policy=POLICY)
    assert not refused.approved
    with pytest.raises(NotCleared, match="found pregnancy \\(absolute\\)"):
        clearance(database, person.patient_id, person.name, 1_800_000_001.0)
    desk.assess_eligibility(person.patient_id, CLEAR, policy=POLICY)
    assert clearance(database, person.patient_id, person.name, 1_800_000_001.0).approved
    with pytest.raises(NotCleared, match="expired on"):
        clearance(database, person.patient_id, person.name, 1_800_000_000.0 + 91 * 86400)


def test_check_in_is_refused_without_an_assessment_and_shows_what_it_flagged(
        record_url: str, tmp_path: Path) -> None:
    room = bare_room(record_url, station="gate")
    try:
        assert room.database is not None
        log_in(room)
        with pytest.raises(WorkflowError, match="no record for MRN MRN-1001; register"):
            room.workflow.check_in(GRACE)
        with pytest.raises(WorkflowError, match="MRN or date of birth"):
            room.workflow.check_in(replace(GRACE, mrn=""))
        register_patient(room.database, "Grace Hopper", mrn="MRN-1001")
        with pytest.raises(WorkflowError, match="has no eligibility assessment"):
            room.workflow.check_in(GRACE)
        assert room.workflow.step is Step.CHECK_IN and list_sessions(room.database) == []

        approved_patient(room.database, "Grace Hopper", "MRN-1001",
                         form=replace(CLEAR, cardiovascular_disease=True,
                                      relative_reasoning="stable angina, cardiology agrees"))
        room.workflow.check_in(GRACE)
        assert room.model.course is not None
        events = timeline(room.database, room.workflow.service_id())
        shown = next(e for e in events if e.kind == "course_clearance")
        assert shown.payload["flagged"] == ["cardiovascular disease (relative)"]
        assert "flagged: cardiovascular disease (relative)" in sentence(shown.kind,
                                                                        shown.payload)
    finally:
        end_and_stop(room)
