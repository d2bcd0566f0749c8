"""Follow-ups between infusions: what they hold, and which are due for the clinic."""

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
from ketaconsole.course.identity import register_patient
from ketaconsole.course.measures import score
from ketaconsole.dose import DosePlan
from ketaconsole.security import AuditLog, Guard, NotAllowed, Role
from ketaconsole.store import Database, SessionPlan, SessionService
from ketaconsole.timeline_events import DosePlanned, read
from tests.core.security_support import staff

T0 = 1_800_000_000.0
NO_URINARY = {"frequency": False, "urgency": False, "pain_passing_urine": False,
              "blood_in_urine": False}
ENTRY = FollowUpEntry("24h", score("PHQ-9", [1, 1, 1, 1, 1, 1, 1, 0, 0]), "mild headache",
                      NO_URINARY, 0, False)


def _infusion(database: Database, patient_id: int, at: float) -> None:
    plan = DosePlan(70.0, 0.5, 40.0, 1.0)
    service = SessionService.begin(
        database, SessionPlan("Grace Hopper", 70.0, patient_id=patient_id), [], station="fu",
        clock=lambda: at)
    service.record(DosePlanned.from_payload(plan.order_record()), author="nurse", at=at)
    service.record(read("infusion_start", {"action": "start"}), author="nurse", at=at)
    service.close()


def test_a_follow_up_needs_each_answer() -> None:
    assert ENTRY.problems() == {}
    bad = replace(ENTRY, side_effects=" ", urinary={"frequency": True}, craving_0_to_10=11,
                  used_since_last_infusion=True)
    assert set(bad.problems()) == {"side_effects", "urinary", "craving", "use_detail"}


def test_due_follow_ups_after_an_infusion_and_in_maintenance(database: Database) -> None:
    audit = AuditLog(database)
    users = staff(database, audit)
    grace = register_patient(database, "Grace Hopper", mrn="MRN-1001")
    _infusion(database, grace.patient_id, T0)
    assert due_follow_ups(database, T0 + 0.5 * DAY) == []
    assert [d.interval for d in due_follow_ups(database, T0 + 1.1 * DAY)] == ["24h"]
    assert [d.interval for d in due_follow_ups(database, T0 + 8 * DAY)] == ["24h", "1w"]

    clock = [T0 + 1.2 * DAY]
    desk = CourseDesk(database, Guard(audit), lambda: users[Role.NURSE], clock=lambda: clock[0])
    with pytest.raises(NotAllowed):
        CourseDesk(database, Guard(audit), lambda: users[Role.TECHNICIAN]).record_follow_up(
            grace.patient_id, ENTRY)
    with pytest.raises(FollowUpError, match="side effects"):
        desk.record_follow_up(grace.patient_id, replace(ENTRY, side_effects=""))
    desk.record_follow_up(grace.patient_id, replace(
        ENTRY, phq9=score("PHQ-9", [1, 1, 1, 1, 1, 1, 1, 0, 1]),
        urinary=NO_URINARY | {"urgency": True}))
    due = due_follow_ups(database, T0 + 8 * DAY)
    assert [d.interval for d in due] == ["1w"]
    assert due[0].sentence(T0 + 8 * DAY) == "Grace Hopper: 1-week follow-up overdue by 1 d"
    (stored,) = follow_ups_of(database, grace.patient_id)
    assert stored.author == "nia"
    assert stored.answers["flags"] == ["suicidality", "urinary symptoms"]
    assert stored.answers["phq9"]["items"][8] == 1

    for n in range(1, 6):  # the induction series is complete: monthly from now on
        _infusion(database, grace.patient_id, T0 + n * 3 * DAY)
    last = T0 + 15 * DAY
    assert due_follow_ups(database, last + 29 * DAY) == []
    assert [d.interval for d in due_follow_ups(database, last + 31 * DAY)] == ["monthly"]
    clock[0] = last + 31 * DAY
    desk.record_follow_up(grace.patient_id, replace(ENTRY, interval="monthly"))
    assert due_follow_ups(database, last + 32 * DAY) == []
