"""MADRS per clinic: an admin switches it off, and it is neither asked nor plotted."""

from __future__ import annotations

from pathlib import Path

import pytest

from ketaconsole.course.identity import resolve_patient
from ketaconsole.course.measures import score
from ketaconsole.course.summary import course_summary
from ketaconsole.demo.story_infusions import StoryInfusion, give_infusions
from ketaconsole.dose import DosePlan
from ketaconsole.security import AuditLog, ConsoleUser, Guard, Role
from ketaconsole.security.admin import change_setting
from ketaconsole.security.clinic_settings import madrs_in_use
from ketaconsole.session.workflow import WorkflowError
from ketaconsole.store import open_database
from tests.core.bedside.test_room import GRACE
from tests.core.security_support import staff
from tests.course_support import approved_patient
from tests.room_support import bare_room, end_and_stop, log_in

NURSE = "nurse.kim"
T0 = 1_800_000_000.0


def _clinic(url: str, assessed_at: float | None = None) -> ConsoleUser:
    """Staff and Grace Hopper's approved course; the admin."""
    database = open_database(url)
    try:
        users = staff(database, AuditLog(database))
        approved_patient(database, GRACE.patient_name, GRACE.mrn, assessed_at=assessed_at)
        assert madrs_in_use(database)  # the default: the clinic uses it
        return users[Role.ADMIN]
    finally:
        database.dispose()


def _switch_madrs(url: str, admin: ConsoleUser, value: str) -> None:
    database = open_database(url)
    try:
        change_setting(Guard(AuditLog(database)), admin, "madrs", value)
    finally:
        database.dispose()


@pytest.mark.parametrize(("setting", "asked"), [("1", ("PHQ-9", "GAD-7", "MADRS")),
                                                ("0", ("PHQ-9", "GAD-7"))])
def test_the_clinic_setting_decides_whether_madrs_is_asked(
        setting: str, asked: tuple[str, ...], tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'record.sqlite3'}"
    _switch_madrs(url, _clinic(url), setting)
    room = bare_room(url)
    try:
        log_in(room)
        flow = room.workflow
        flow.check_in(GRACE)
        assert flow.instruments == asked
        flow.confirm_baseline({"MDC_PRESS_BLD_NONINV_SYS": 124.0})
        madrs = score("MADRS", [2] * 10)
        if "MADRS" in asked:
            assert flow.record_measure(madrs).kind == "measure"
        else:
            with pytest.raises(WorkflowError, match="does not use the MADRS; record PHQ-9 or"):
                flow.record_measure(madrs)
        assert flow.record_measure(score("PHQ-9", [1] * 9)).kind == "measure"
    finally:
        end_and_stop(room)


def test_with_madrs_switched_off_the_course_carries_and_plots_none(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'record.sqlite3'}"
    admin = _clinic(url, assessed_at=T0 - 86400.0)
    database = open_database(url)
    try:
        grace = resolve_patient(database, GRACE.patient_name, mrn=GRACE.mrn)
        give_infusions(url, grace, [StoryInfusion(T0, DosePlan(64.0, 0.5, 40.0, 1.0), [2] * 9,
                                                  measures=[score("MADRS", [3] * 10)])],
                       nurse=NURSE, station="madrs", signer="Kim Nurse", age_years=52)
        before = course_summary(database, grace.patient_id)
    finally:
        database.dispose()
    assert before.madrs_in_use and [(v.phq9, v.madrs) for v in before.visits] == [(18, 30)]
    _switch_madrs(url, admin, "0")
    database = open_database(url)
    try:
        after = course_summary(database, grace.patient_id)
    finally:
        database.dispose()
    assert not after.madrs_in_use and [(v.phq9, v.madrs) for v in after.visits] == [(18, None)]
