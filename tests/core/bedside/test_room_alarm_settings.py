"""The clinic's heart-rate-high sustain time: an admin sets it, the room judges by it and
each session's record stores the profile in force with it."""

from __future__ import annotations

from pathlib import Path

import pytest

from ketaconsole.bedside.room import Room
from ketaconsole.live.engine import Engine
from ketaconsole.observations import Numeric
from ketaconsole.security import Action, AuditLog, Guard, Role
from ketaconsole.security.admin import change_setting
from ketaconsole.store import open_database
from ketaconsole.store.models import ClinicSession
from tests.core.bedside.test_room import GRACE
from tests.core.security_support import staff
from tests.course_support import approved_patient
from tests.room_support import bare_room, end_and_stop, log_in

HR = "MDC_ECG_HEART_RATE"
T0 = 1_800_000_000.0


class ManualClock:
    """The room's time, moved on by the test."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now


def _clinic(url: str, sustain: str | None) -> None:
    """Staff, Grace Hopper's approved course and, if given, the admin's sustain time."""
    database = open_database(url)
    try:
        audit = AuditLog(database)
        users = staff(database, audit)
        approved_patient(database, GRACE.patient_name, GRACE.mrn)
        if sustain is not None:
            change_setting(Guard(audit), users[Role.ADMIN], "hr-high-sustain-seconds", sustain)
            (entry,) = audit.entries(action=Action.CLINIC_SETTING_CHANGED)
            assert entry.detail == {"old": 300, "new": int(sustain)}
    finally:
        database.dispose()


def _tachycardia(room: Room, clock: ManualClock, first: int, last: int) -> bool:
    """Heart rate 130 once a second from second ``first`` to ``last`` of the story, the
    room's alarm loop judging each; whether the heart-rate-high alarm is then active."""
    assert room.alarm_loop is not None
    for second in range(first, last + 1):
        clock.now = T0 + second
        room.engine.ingest([Numeric("monitor", HR, 130.0, "/min", clock.now)])
        room.alarm_loop.step()
    return any(a.alarm_id == "hr-high" for a in room.alarms.active_alarms(clock.now))


@pytest.mark.parametrize(("setting", "sustain_s"), [(None, 300), ("60", 60)])
def test_the_clinics_heart_rate_high_sustain_time_is_judged_by_the_room_and_recorded(
        tmp_path: Path, setting: str | None, sustain_s: int) -> None:
    url = f"sqlite:///{tmp_path / 'record.sqlite3'}"
    _clinic(url, setting)
    clock = ManualClock()
    room = bare_room(url, engine=Engine(clock=clock))
    try:
        assert not _tachycardia(room, clock, 0, sustain_s - 1)
        assert _tachycardia(room, clock, sustain_s, sustain_s)
        (alarm,) = [a for a in room.alarms.active_alarms(clock.now) if a.alarm_id == "hr-high"]
        assert alarm.values["sustain_s"] == sustain_s
        log_in(room)
        room.workflow.check_in(GRACE)
        assert room.service is not None and room.database is not None
        with room.database.sessions() as session:
            stored = session.get(ClinicSession, room.service.session_id)
            assert stored is not None
            limits = stored.alarm_limits
        (hr_high,) = [a for a in limits["alarms"] if a["id"] == "hr-high"]
        assert [limit["sustain_s"] for limit in hr_high["limits"]] == [sustain_s]
    finally:
        end_and_stop(room)


def test_a_sustain_time_out_of_range_is_refused_in_one_sentence(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'record.sqlite3'}"
    with pytest.raises(ValueError) as refused:
        _clinic(url, "5")
    assert str(refused.value) == ("hr-high-sustain-seconds must be a whole number from 10 to "
                                  "900, not '5'")
