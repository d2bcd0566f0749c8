"""Safety flags: what raises one, that an open one holds the next check-in, and that only a
prescriber clears it, with a note.

Follow-ups are recorded through the course's guarded door and infusions are given the
clinic's way at a bedside on a story clock (check-in, measures, plan, start, end).
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from fhir.resources.R4B.bundle import Bundle

from ketaconsole.course.course_fhir import course_bundle
from ketaconsole.course.desk import CourseDesk
from ketaconsole.course.follow_ups import (
    DAY,
    FollowUpEntry,
    FollowUpError,
    answers_in_words,
    follow_ups_of,
)
from ketaconsole.course.identity import PatientRecord, register_patient
from ketaconsole.course.measures import score
from ketaconsole.course.safety_flags import SafetyFlagError, patient_flags
from ketaconsole.course.summary import course_summary
from ketaconsole.demo.story_infusions import StoryInfusion, give_infusions
from ketaconsole.security import AuditLog, ConsoleUser, Guard, NotAllowed, Role
from ketaconsole.security.admin import change_setting
from ketaconsole.security.clinic_settings import BLADDER_REFER_AT_SETTING, CRAVING_FLAG_SETTING
from ketaconsole.session.workflow import WorkflowError
from ketaconsole.store import Database
from tests.core.security_support import NAMES, staff
from tests.course_support import approve
from tests.plan_support import ketamine_plan

T0 = 1_800_000_000.0
NO_URINARY = {"frequency": False, "urgency": False, "pain_passing_urine": False,
              "blood_in_urine": False}
QUIET = FollowUpEntry("1w", score("PHQ-9", [1, 1, 1, 1, 1, 1, 1, 0, 0]), "none", NO_URINARY,
                      0, False)
"""A follow-up that raises nothing."""
PHQ9_BEFORE = [2, 2, 2, 2, 2, 2, 1, 1, 0]


def _clinic(database: Database) -> tuple[dict[Role, ConsoleUser], PatientRecord]:
    users = staff(database, AuditLog(database))
    grace = register_patient(database, "Grace Hopper", mrn="MRN-1001")
    approve(database, grace, assessed_at=T0 - DAY)
    return users, grace


def _desk(database: Database, user: ConsoleUser, at: float) -> CourseDesk:
    return CourseDesk(database, Guard(AuditLog(database)), lambda: user, clock=lambda: at)


def _infuse(database: Database, person: PatientRecord, at: float,
            **story: object) -> list[int]:
    infusion = StoryInfusion(at, ketamine_plan(70.0, 0.5, 40.0, 1.0),
                             story.pop("phq9", PHQ9_BEFORE), **story)  # type: ignore[arg-type]
    return give_infusions(database.url, person, [infusion], nurse=NAMES[Role.NURSE],
                          station="flags", signer="Nia Nurse", age_years=52)


def test_each_follow_up_signal_raises_its_flag_and_a_quiet_one_none(
        database: Database) -> None:
    users, grace = _clinic(database)
    nurse = users[Role.NURSE]
    entries = [
        QUIET,
        replace(QUIET, urinary=None, used_since_last_infusion=None),  # not asked: no flag
        replace(QUIET, urinary=NO_URINARY | {"blood_in_urine": True}),
        replace(QUIET, urinary=NO_URINARY | {"pain_passing_urine": True}),
        replace(QUIET, urinary=NO_URINARY | {"pain_passing_urine": True}),  # not new
        replace(QUIET, used_since_last_infusion=True, use_detail="ketamine powder, Saturday"),
        replace(QUIET, craving_0_to_10=5),  # at the default threshold: no flag
        replace(QUIET, craving_0_to_10=6),
        replace(QUIET, phq9=score("PHQ-9", [1, 1, 1, 1, 1, 1, 1, 0, 2])),
    ]
    numbers = [_desk(database, nurse, T0 + n * DAY).record_follow_up(grace.patient_id, e)
               for n, e in enumerate(entries)]
    flags = patient_flags(database, grace.patient_id)
    assert [(f.flag_id, f.detail) for f in flags] == [
        (f"FU{numbers[2]}-blood-in-urine", "reported"),
        (f"FU{numbers[3]}-urinary-pain", "reported, not at the follow-up before"),
        (f"FU{numbers[5]}-use-outside-clinic", "ketamine powder, Saturday"),
        (f"FU{numbers[7]}-craving", "6 of 10, above 5"),
        (f"FU{numbers[8]}-phq9-item9", "answered 2"),
    ]
    assert all(f.open and f.source == "1-week follow-up" for f in flags)
    assert course_summary(database, grace.patient_id).state().endswith("5 safety flags open")


def test_the_craving_threshold_is_the_clinics_setting(database: Database) -> None:
    users, grace = _clinic(database)
    change_setting(Guard(AuditLog(database)), users[Role.ADMIN], CRAVING_FLAG_SETTING, "7")
    _desk(database, users[Role.NURSE], T0).record_follow_up(
        grace.patient_id, replace(QUIET, craving_0_to_10=7))
    assert patient_flags(database, grace.patient_id) == []
    _desk(database, users[Role.NURSE], T0 + DAY).record_follow_up(
        grace.patient_id, replace(QUIET, craving_0_to_10=8))
    assert [f.detail for f in patient_flags(database, grace.patient_id)] == ["8 of 10, above 7"]


def test_madrs_item_10_in_a_session_holds_the_next_check_in_until_a_prescriber_acknowledges(
        database: Database) -> None:
    users, grace = _clinic(database)
    madrs = score("MADRS", [3, 3, 2, 2, 1, 2, 2, 2, 3, 4])
    (first,) = _infuse(database, grace, T0, measures=[madrs])
    with pytest.raises(WorkflowError) as held:
        _infuse(database, grace, T0 + 3 * DAY)
    assert f"Grace Hopper has an open safety flag S{first}-madrs-item10 (suicidal thoughts " \
           "(MADRS item 10), rated 4, session" in str(held.value)

    flag_id = f"S{first}-madrs-item10"
    with pytest.raises(NotAllowed):
        _desk(database, users[Role.NURSE], T0 + 3 * DAY).acknowledge_safety_flag(
            flag_id, "seen")
    prescriber = _desk(database, users[Role.PRESCRIBER], T0 + 3 * DAY)
    with pytest.raises(SafetyFlagError, match="what was done"):
        prescriber.acknowledge_safety_flag(flag_id, "  ")
    flag = prescriber.acknowledge_safety_flag(flag_id, "seen with the patient; no plan or "
                                                       "intent; safety plan updated")
    assert flag.acknowledgement is not None
    assert flag.acknowledgement.prescriber == "Dr Pia Prescriber"
    with pytest.raises(SafetyFlagError, match="already acknowledged"):
        prescriber.acknowledge_safety_flag(flag_id, "again")
    assert len(_infuse(database, grace, T0 + 3 * DAY)) == 1

    bundle = course_bundle(course_summary(database, grace.patient_id))
    Bundle.model_validate(bundle)
    (resource,) = [e["resource"] for e in bundle["entry"]
                   if e["resource"]["resourceType"] == "Flag"]
    assert resource["status"] == "inactive" and resource["identifier"][0]["value"] == flag_id
    assert resource["category"][0]["coding"][0]["code"] == "clinical"
    assert resource["code"]["text"].startswith("suicidal thoughts (MADRS item 10), rated 4")
    assert "end" in resource["period"]
    assert resource["extension"][0]["valueString"] == (
        "acknowledged by Dr Pia Prescriber: seen with the patient; no plan or intent; "
        "safety plan updated")


def test_item_9_acknowledged_at_the_bedside_still_holds_the_next_infusion_for_a_prescriber(
        database: Database) -> None:
    users, grace = _clinic(database)
    (first,) = _infuse(database, grace, T0, phq9=[2, 2, 2, 2, 2, 2, 1, 1, 1])
    (flag,) = patient_flags(database, grace.patient_id)
    assert flag.flag_id == f"S{first}-phq9-item9"
    assert flag.acknowledgement is None, "the nurse's bedside step let that infusion go on"
    with pytest.raises(WorkflowError, match=f"open safety flag S{first}-phq9-item9"):
        _infuse(database, grace, T0 + 3 * DAY)
    _desk(database, users[Role.PRESCRIBER], T0 + 3 * DAY).acknowledge_safety_flag(
        flag.flag_id, "seen with the patient; no plan or intent")
    assert len(_infuse(database, grace, T0 + 3 * DAY)) == 1


def test_a_monthly_bladder_score_at_the_clinics_referral_score_advises_urinalysis(
        database: Database) -> None:
    users, grace = _clinic(database)
    nurse = users[Role.NURSE]
    below = _desk(database, nurse, T0).record_follow_up(
        grace.patient_id, replace(QUIET, interval="monthly", bladder_score=(2, 2, 1, 2)))
    at = _desk(database, nurse, T0 + 30 * DAY).record_follow_up(
        grace.patient_id, replace(QUIET, interval="monthly", bladder_score=(3, 2, 1, 2)))
    (flag,) = patient_flags(database, grace.patient_id)
    assert flag.flag_id == f"FU{at}-bladder-score" and below < at
    assert flag.detail == ("8 of 20, at or above 8: test the urine (urinalysis) and "
                           "consider referral to urology")
    change_setting(Guard(AuditLog(database)), users[Role.ADMIN], BLADDER_REFER_AT_SETTING,
                   "9")
    assert patient_flags(database, grace.patient_id) == []


def test_a_bladder_score_the_index_does_not_have_is_refused_and_not_asked_stays_not_asked(
        database: Database) -> None:
    users, grace = _clinic(database)
    desk = _desk(database, users[Role.NURSE], T0)
    with pytest.raises(FollowUpError, match="question 4 is answered 0, 2, 3, 4, 5, not 1"):
        desk.record_follow_up(grace.patient_id, replace(QUIET, bladder_score=(0, 0, 0, 1)))
    with pytest.raises(FollowUpError, match="takes 4 answers, not 3"):
        desk.record_follow_up(grace.patient_id, replace(QUIET, bladder_score=(0, 0, 0)))
    desk.record_follow_up(grace.patient_id, QUIET)
    (row,) = follow_ups_of(database, grace.patient_id)
    assert row.answers["bladder_score"] is None
    assert "bladder score (ICSI): not asked" in answers_in_words(row.answers)
