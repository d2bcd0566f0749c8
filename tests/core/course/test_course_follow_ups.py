"""Follow-ups between infusions: what they hold, and which are due for the clinic.

The infusions are given the clinic's way, at a bedside on a story clock (check-in, PHQ-9,
baseline, plan, start, stop, discharge, sign-off, end); a follow-up falls due counted
from the end of the session that gave the infusion.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from ketaconsole.course.desk import CourseDesk
from ketaconsole.course.follow_ups import (
    DAY,
    FollowUpEntry,
    FollowUpError,
    due_follow_ups,
    follow_ups_of,
)
from ketaconsole.course.identity import PatientRecord, register_patient
from ketaconsole.course.measures import score
from ketaconsole.course.safety_flags import patient_flags
from ketaconsole.demo.story_infusions import StoryInfusion, give_infusions
from ketaconsole.security import AuditLog, Guard, NotAllowed, Role
from ketaconsole.store import Database
from ketaconsole.store.review import session_state
from tests.core.security_support import NAMES, staff
from tests.course_support import approve
from tests.plan_support import ketamine_plan

T0 = 1_800_000_000.0
NO_URINARY = {"frequency": False, "urgency": False, "pain_passing_urine": False,
              "blood_in_urine": False}
ENTRY = FollowUpEntry("24h", score("PHQ-9", [1, 1, 1, 1, 1, 1, 1, 0, 0]), "mild headache",
                      NO_URINARY, 0, False)


def _infusions(database: Database, person: PatientRecord, *times: float) -> float:
    """An infusion checked in at each of ``times``, at one bedside: when the last ended."""
    plan = ketamine_plan(70.0, 0.5, 40.0, 1.0)
    sessions = give_infusions(database.url, person,
                              [StoryInfusion(at, plan, [2, 2, 2, 2, 2, 2, 1, 1, 0])
                               for at in times],
                              nurse=NAMES[Role.NURSE], station="fu", signer="Nia Nurse",
                              age_years=52)
    ended = session_state(database, sessions[-1]).ended_at
    assert ended is not None
    return ended


def test_a_follow_up_needs_each_answer() -> None:
    assert ENTRY.problems() == {}
    bad = replace(ENTRY, side_effects=" ", urinary={"frequency": True}, craving_0_to_10=11,
                  used_since_last_infusion=True)
    assert set(bad.problems()) == {"side_effects", "urinary", "craving", "use_detail"}


def test_due_follow_ups_after_an_infusion_and_in_maintenance(database: Database) -> None:
    audit = AuditLog(database)
    users = staff(database, audit)
    grace = register_patient(database, "Grace Hopper", mrn="MRN-1001")
    approve(database, grace, assessed_at=T0 - DAY)
    ended = _infusions(database, grace, T0)
    assert due_follow_ups(database, ended + 0.5 * DAY) == []
    assert [d.interval for d in due_follow_ups(database, ended + 1.1 * DAY)] == ["24h"]
    assert [d.interval for d in due_follow_ups(database, ended + 8 * DAY)] == ["24h", "1w"]

    clock = [ended + 1.2 * DAY]
    desk = CourseDesk(database, Guard(audit), lambda: users[Role.NURSE], clock=lambda: clock[0])
    with pytest.raises(NotAllowed):
        CourseDesk(database, Guard(audit), lambda: users[Role.TECHNICIAN]).record_follow_up(
            grace.patient_id, ENTRY)
    with pytest.raises(FollowUpError, match="side effects"):
        desk.record_follow_up(grace.patient_id, replace(ENTRY, side_effects=""))
    desk.record_follow_up(grace.patient_id, replace(
        ENTRY, phq9=score("PHQ-9", [1, 1, 1, 1, 1, 1, 1, 0, 1]),
        urinary=NO_URINARY | {"urgency": True}))
    due = due_follow_ups(database, ended + 8 * DAY)
    assert [d.interval for d in due] == ["1w"]
    assert due[0].sentence(ended + 8 * DAY) == "Grace Hopper: 1-week follow-up overdue by 1 d"
    (stored,) = follow_ups_of(database, grace.patient_id)
    assert stored.author == "nia"
    assert [f.flag_id for f in patient_flags(database, grace.patient_id)] == [
        f"FU{stored.id}-phq9-item9"]  # urgency alone raises no flag
    assert stored.answers["phq9"]["items"][8] == 1

    # item 9 holds the next infusion until the prescriber acknowledges it
    CourseDesk(database, Guard(audit), lambda: users[Role.PRESCRIBER]).acknowledge_safety_flag(
        f"FU{stored.id}-phq9-item9", "phoned the patient; safety plan reviewed")

    # the induction series is complete: monthly from now on
    last = _infusions(database, grace, *(T0 + n * 3 * DAY for n in range(1, 6)))
    assert due_follow_ups(database, last + 29 * DAY) == []
    assert [d.interval for d in due_follow_ups(database, last + 31 * DAY)] == ["monthly"]
    clock[0] = last + 31 * DAY
    desk.record_follow_up(grace.patient_id, replace(ENTRY, interval="monthly"))
    assert due_follow_ups(database, last + 32 * DAY) == []
