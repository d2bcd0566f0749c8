"""An overdue blood-pressure check is a low-priority alarm in the alarm bar (seen while the
console is locked, as the bar never is) and the NIBP tile says the check is overdue."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from ketaconsole.alarms import Priority
from ketaconsole.catalogue import NIBP_DIA, NIBP_SYS
from ketaconsole.live.engine import Engine
from ketaconsole.observations import Numeric
from ketaconsole.session.checks import BpReminder, CheckIntervals
from ketaconsole.session.patient import Patient
from ketaconsole.session.phase import Phase
from tests.room_support import bare_room
from ui.monitor.monitor_screen import MonitorScreen

T0 = 1_800_000_000.0


def _reading(engine: Engine, at: float) -> None:
    engine.ingest([Numeric("monitor", NIBP_SYS.refid, 150.0, "mmHg", at),
                   Numeric("monitor", NIBP_DIA.refid, 90.0, "mmHg", at)])


def test_an_overdue_bp_check_alarms_in_the_bar_and_on_the_tile(qtbot: QtBot) -> None:
    engine = Engine(clock=lambda: T0)
    room = bare_room(engine=engine)
    assert room.alarms is not None
    screen = MonitorScreen(room)
    qtbot.addWidget(screen)
    room.model.open(1, Patient("Grace Hopper", 52, weight_kg=64.0))
    room.model.set_phase(Phase.INFUSION)
    _reading(engine, T0 - 12 * 60)  # the last reading 12 minutes ago; due every 10
    remind = BpReminder(room.alarms, engine, room.model, CheckIntervals())
    remind(T0)
    room.alarms.evaluate(T0)
    screen.refresh(T0)
    active = room.alarms.active_alarms(T0)
    overdue = [a for a in active if a.label == "Blood pressure check overdue"]
    assert overdue and overdue[0].priority is Priority.LOW
    chips = [c.text() for c in screen.alarm_bar.chips if not c.isHidden()]
    assert any("Blood pressure check overdue" in text or "blood pressure" in text.lower()
               for text in chips), chips
    assert "overdue" in screen.blood_pressure.overdue.text()

    _reading(engine, T0 + 1)  # the nurse takes a reading: the alarm ends
    remind(T0 + 2)
    room.alarms.evaluate(T0 + 2)
    screen.refresh(T0 + 2)
    assert not [a for a in room.alarms.active_alarms(T0 + 2)
                if a.label == "Blood pressure check overdue"]
    assert screen.blood_pressure.overdue.text() == ""


def test_the_reminder_keeps_pace_with_a_fast_demo() -> None:
    assert CheckIntervals().at_pace(60).bp_during_infusion_s == 10.0
