"""The demo's pump waits for the nurse and every clock keeps pace with --speed.

The demo room runs its real drivers against simulators on ptys; nothing infuses before
the nurse starts the plan, then the pump runs at the plan's rate, the pump-vs-plan check
stays on at speed, and at x60 a desaturation raises the console's own SpO2 alarm.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ketaconsole.bedside.room import Room
from ketaconsole.demo.course import DEMO_MRN
from ketaconsole.demo.room import demo_plan, demo_room
from ketaconsole.devices.registry import DriverRegistry, built_ins_only
from ketaconsole.observations import PumpState, PumpStatus
from ketaconsole.session.checkin import CheckIn
from ketaconsole.sim.virtual_patient import SCENARIOS
from tests.core.store_support import wait_until
from tests.room_support import log_in_demo_nurse

SBP, DBP = "MDC_PRESS_BLD_NONINV_SYS", "MDC_PRESS_BLD_NONINV_DIA"
DEMO = CheckIn("Demo Patient", 42, 70.0, "none known", "none", "none", False, "none", 6.0, 3.0,
               True, "left forearm", True, mrn=DEMO_MRN, pregnancy="no")
"""The demo's patient, whose course the demo's record holds (approved)."""


def _room(tmp_path: Path, story: str, speed: float) -> Iterator[Room]:
    room = demo_room(SCENARIOS[story], speed=speed,
                     database_url=f"sqlite:///{tmp_path / 'demo.sqlite3'}",
                     registry=DriverRegistry.discover(allowed=built_ins_only))
    try:
        log_in_demo_nurse(room)
        yield room
    finally:
        room.stop()


@pytest.fixture
def fast_room(tmp_path: Path) -> Iterator[Room]:
    yield from _room(tmp_path, "normal", 60.0)


def _pump(room: Room) -> tuple[float | None, PumpState | None, float]:
    channel = room.engine.pump_channel("pump")
    status = room.engine.pump_status(channel) if channel else None
    ledger = room.engine.pump(channel) if channel else None
    return (None if status is None else status.rate_ml_h,
            None if status is None else status.state,
            0.0 if ledger is None else ledger.delivered_ml)


def _latest_report(room: Room) -> PumpStatus | None:
    channel = room.engine.pump_channel("pump")
    return room.engine.pump_status(channel) if channel else None


def _reported_at(room: Room, moment: float) -> PumpStatus:
    """The pump's first report received at ``moment`` (wall clock) or later."""
    wait_until(lambda: (s := _latest_report(room)) is not None and s.received_at >= moment,
               timeout=15, what="a pump report")
    report = _latest_report(room)
    assert report is not None
    return report


def _polled_after(room: Room, moment: float) -> PumpStatus:
    """The pump's answer to a poll sent after ``moment`` (wall clock): the report after the
    first one received then, since the driver asks one question at a time."""
    first = _reported_at(room, moment)
    return _reported_at(room, math.nextafter(first.received_at, math.inf))


def _alarms_judged_after(room: Room, moment: float) -> None:
    """The room's alarm loop has judged every alarm at ``moment`` (wall clock) or later."""
    loop = room.alarm_loop
    assert loop is not None
    wait_until(lambda: room.engine.clock() >= moment, timeout=15, what="the moment")
    seen = loop.evaluations
    # one evaluation may have read its clock before the moment; the second after it did not
    wait_until(lambda: loop.evaluations >= seen + 2, timeout=15, what="two alarm evaluations")


def _start(room: Room) -> None:
    flow = room.workflow
    flow.check_in(DEMO)
    flow.confirm_baseline({SBP: 124.0, DBP: 78.0})
    assert room.virtual_patient is not None
    flow.confirm_plan(demo_plan(room.virtual_patient.scenario))
    flow.infusion_action("start")


def test_the_pump_waits_for_the_nurse_then_runs_at_the_plans_rate(fast_room: Room) -> None:
    patient = fast_room.virtual_patient
    assert patient is not None
    story_minute = 60.0 / patient.speed  # wall seconds
    # the story used to start the infusion at its own minute one, whoever was there: the
    # answer to a poll ten story seconds past that start shows the pump still waiting
    old_start = patient.start + patient.scenario.infusion_start_s / patient.speed
    _polled_after(fast_room, old_start + story_minute / 6)
    rate, state, delivered = _pump(fast_room)
    assert state is not PumpState.INFUSING and not rate and delivered == 0.0
    _start(fast_room)
    plan = demo_plan(SCENARIOS["normal"])
    wait_until(lambda: _pump(fast_room)[1] is PumpState.INFUSING, timeout=10)
    assert _pump(fast_room)[0] == pytest.approx(plan.rate_ml_h, abs=0.1)
    began = _latest_report(fast_room)
    assert began is not None
    # three story minutes of infusing, reported by the pump and judged against the plan for
    # longer than a disagreement must last to raise the alarm
    infusing = _reported_at(fast_room, began.received_at + 3 * story_minute)
    assert infusing.state is PumpState.INFUSING
    sustain_s = fast_room.alarms.profile.technical.pump_mismatch_sustain_s
    _alarms_judged_after(fast_room, infusing.received_at + sustain_s)
    assert not [a for a in fast_room.alarms.active_alarms(time.time())
                if a.alarm_id.startswith("pump-mismatch")]
    assert fast_room.model.check_pump_against_plan
    fast_room.workflow.infusion_action("pause", reason="patient asked")
    wait_until(lambda: _pump(fast_room)[1] is not PumpState.INFUSING, timeout=10)
    paused_at = _pump(fast_room)[2]
    # a report to a poll half a story minute later: a pump still running would have added
    # the plan's rate for that long (0.44 mL), far past the tolerance
    _polled_after(fast_room, time.time() + story_minute / 2)
    assert _pump(fast_room)[2] == pytest.approx(paused_at, abs=0.05)


def test_a_pump_running_behind_the_nurses_back_still_alarms_at_speed(fast_room: Room) -> None:
    """The check is on at x60: a plan twice the pump's rate is a disagreement."""
    wait_until(lambda: _pump(fast_room)[1] is not None, timeout=15)
    flow = fast_room.workflow
    flow.check_in(DEMO)
    flow.confirm_baseline({SBP: 124.0, DBP: 78.0})
    plan = demo_plan(SCENARIOS["normal"])
    flow.confirm_plan(plan)
    patient = fast_room.virtual_patient
    assert patient is not None
    # the pump is programmed by hand for 80 minutes, not the plan's 40
    fast_room.model.nurse_listeners.remove(patient.nurse_did)
    patient.nurse_did("start", time.time(), dataclasses.replace(plan, duration_min=80.0))
    flow.infusion_action("start")
    wait_until(lambda: any(a.alarm_id.startswith("pump-mismatch")
                           for a in fast_room.alarms.active_alarms(time.time())), timeout=15)


def _spo2_alarm(room: Room) -> bool:
    return any(a.values.get("metric") == "MDC_PULS_OXIM_SAT_O2"
               for a in room.alarms.active_alarms(time.time()))


def test_a_desaturation_at_x60_raises_the_consoles_own_spo2_alarm(tmp_path: Path) -> None:
    for room in _room(tmp_path, "desaturation", 60.0):
        wait_until(lambda: _pump(room)[1] is not None, timeout=15)  # noqa: B023
        _start(room)
        # the fall comes ten story minutes (ten seconds) after the start
        wait_until(lambda: _spo2_alarm(room), timeout=30)  # noqa: B023
