"""The prescriber's eligibility assessment: decision support, signature, and the check-in gate."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from ketaconsole.course.contraindications import CONTRAINDICATIONS, Contraindication
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
                True, "right forearm", True, mrn="MRN-1001", pregnancy="no")
POLICY = EligibilityPolicy(max_systolic_mmhg=160, max_diastolic_mmhg=100, valid_days=90)
LIBRARY = default_library()


@pytest.mark.parametrize("item", CONTRAINDICATIONS, ids=lambda item: item.key)
def test_each_contraindication_is_absolute_or_relative_by_its_default(
        item: Contraindication) -> None:
    ticked = replace(CLEAR, present=frozenset({item.key}), relative_reasoning="noted")
    findings = decision_support(ticked, POLICY, LIBRARY)
    expected = ((item.key,), ()) if item.absolute else ((), (item.key,))
    assert (findings.absolute, findings.relative, findings.problems) == (*expected, {})


def test_the_consensus_defaults_stop_the_course_for_the_gravest_findings() -> None:
    assert {c.key for c in CONTRAINDICATIONS if c.absolute} == {
        "active_psychosis", "pregnancy", "raised_intracranial_pressure",
        "aneurysm_or_dissection", "recent_cardiovascular_event", "ketamine_hypersensitivity",
        "active_substance_use_disorder"}


@pytest.mark.parametrize(("readings", "absolute", "relative"), [
    (((128, 82), (124, 80)), (), ()),
    (((158, 99),), (), ("raised_screening_bp",)),  # one reading: 158/99 needs a note
    (((146, 88), (132, 86)), (), ()),  # the first is above 140; the mean, 139/87, is not
    (((170, 104), (152, 94)), ("uncontrolled_hypertension",), ()),  # mean 161/99
    (((160, 100), (160, 100)), (), ("raised_screening_bp",)),  # at the threshold: a note
])
def test_the_mean_of_the_screening_readings_is_judged(
        readings: tuple[tuple[float, float], ...], absolute: tuple[str, ...],
        relative: tuple[str, ...]) -> None:
    findings = decision_support(replace(CLEAR, screening_bp=readings,
                                        relative_reasoning="repeat reading at check-in"),
                                POLICY, LIBRARY)
    assert (findings.absolute, findings.relative, findings.problems) == (absolute, relative, {})


def test_a_reading_above_140_90_needs_the_prescribers_note() -> None:
    findings = decision_support(replace(CLEAR, screening_bp=((146, 88), (142, 86))),
                                POLICY, LIBRARY)
    assert findings.problems == {"relative_reasoning": (
        "Say why the course goes ahead despite screening blood pressure above 140/90 mmHg.")}


def test_screening_needs_one_or_two_readings_that_are_pressures() -> None:
    for readings in ((), ((128, 82),) * 3, ((128, float("nan")),), ((12, 8),)):
        findings = decision_support(replace(CLEAR, screening_bp=readings), POLICY, LIBRARY)
        assert "screening_bp" in findings.problems


def test_the_hypertension_threshold_is_the_clinics() -> None:
    strict = EligibilityPolicy(max_systolic_mmhg=140, max_diastolic_mmhg=90)
    reading = replace(CLEAR, screening_bp=((150, 85), (150, 85)), relative_reasoning="noted")
    assert decision_support(reading, strict, LIBRARY).absolute == ("uncontrolled_hypertension",)
    assert decision_support(reading, POLICY, LIBRARY).absolute == ()


def test_the_clinic_decides_which_are_absolute() -> None:
    lenient = EligibilityPolicy(absolute=frozenset({"active_psychosis"}))
    ticked = replace(CLEAR, present=frozenset({"pregnancy", "maoi"}),
                     relative_reasoning="obstetric and psychiatric review")
    findings = decision_support(ticked, lenient, LIBRARY)
    assert (findings.absolute, findings.relative) == ((), ("pregnancy", "maoi"))
    strict = EligibilityPolicy(absolute=frozenset({"maoi", "pregnancy"}))
    assert decision_support(ticked, strict, LIBRARY).absolute == ("pregnancy", "maoi")


def test_an_unknown_contraindication_is_a_problem() -> None:
    findings = decision_support(replace(CLEAR, present=frozenset({"gout"})), POLICY, LIBRARY)
    assert "contraindications" in findings.problems


def test_a_relative_contraindication_needs_reasoning_and_consent_its_version() -> None:
    findings = decision_support(replace(CLEAR, present=frozenset({"breastfeeding"}),
                                        consent_version=" "), POLICY, LIBRARY)
    assert set(findings.problems) == {"relative_reasoning", "consent"}


def test_the_record_holds_what_was_asked_present_and_absent(database: Database) -> None:
    person = register_patient(database, "Grace Hopper", mrn="MRN-1001")
    doctor = prescriber(database)
    desk = CourseDesk(database, Guard(AuditLog(database)), lambda: doctor)
    form = replace(CLEAR, present=frozenset({"angle_closure_glaucoma"}),
                   relative_reasoning="ophthalmology: treated, pressures normal")
    record = desk.assess_eligibility(person.patient_id, form, policy=POLICY).record
    assert record["present"] == ["angle_closure_glaucoma"]
    assert len(record["absent"]) == len(CONTRAINDICATIONS) - 1
    assert record["screening_bp"] == [[128, 82], [124, 80]]
    assert record["screening_bp_mean"] == [126.0, 81.0]
    assert record["flagged"] == ["angle-closure glaucoma (relative)"]


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
    refused = desk.assess_eligibility(
        person.patient_id, replace(CLEAR, present=frozenset({"pregnancy"})), policy=POLICY)
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
                         form=replace(CLEAR, present=frozenset({"cardiovascular_disease"}),
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
