"""Alarm scenarios from the virtual patient, through the real driver over a real pty.

The oximeter scenarios run the masimo-ascii simulator on a pty (PtyDeviceHost), read
by a DeviceLink into the Engine, with the alarm system attached to the engine. The
whole room runs on one accelerated clock (simulated seconds pass ``speed`` times
faster than real ones), so sustain times and the simulator's once-a-second lines keep
their meaning. Hypertension also runs through the intellivue-mib driver and its
simulated monitor on a pty (its NIBP cycle follows a fast VirtualPatient). The other
blood-pressure scenarios feed NIBP Numerics computed from the VirtualPatient straight
into the Engine on a simulated clock, so that a reading comes every minute rather
than every ten; the pump scenario feeds PumpStatus the same way.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from drivers.intellivue_mib import DRIVER as INTELLIVUE
from drivers.masimo_ascii import DRIVER as MASIMO
from ketaconsole.alarms import (
    Alarm,
    AlarmEvent,
    AlarmEventKind,
    AlarmSystem,
    Category,
    Priority,
    default_profile,
)
from ketaconsole.catalogue import NIBP_DIA, NIBP_SYS, SPO2
from ketaconsole.devices.sim_host import PtyDeviceHost
from ketaconsole.devices.transport import DeviceLink, LinkTimings
from ketaconsole.dose import DosePlan, InfusionClock
from ketaconsole.live.engine import Engine
from ketaconsole.observations import Numeric, PumpState, PumpStatus
from ketaconsole.sim.virtual_patient import (
    MINUTE,
    SCENARIOS,
    Excursion,
    Scenario,
    VirtualPatient,
)


class RoomClock:
    """Console time that runs ``speed`` times faster than the wall clock."""

    def __init__(self, speed: float) -> None:
        self.speed = speed
        self._origin = time.time()
        self._start = time.monotonic()

    def __call__(self) -> float:
        return self._origin + (time.monotonic() - self._start) * self.speed


@dataclass
class Room:
    clock: Callable[[], float]
    engine: Engine
    alarms: AlarmSystem
    events: list[AlarmEvent]
    host: PtyDeviceHost
    link: DeviceLink

    def run_until(self, done: Callable[[float], bool], real_timeout_s: float) -> float:
        """Evaluate the alarms on the room clock until ``done(now)``; returns that time."""
        deadline = time.monotonic() + real_timeout_s
        while time.monotonic() < deadline:
            now = self.clock()
            self.alarms.evaluate(now)
            if done(now):
                return now
            time.sleep(0.01)
        raise AssertionError(f"condition not reached within {real_timeout_s} s; "
                             f"events: {[(e.kind.value, e.alarm_id) for e in self.events]}")

    def alarm(self, alarm_id: str, now: float) -> Alarm | None:
        return next((a for a in self.alarms.active_alarms(now) if a.alarm_id == alarm_id),
                    None)


@pytest.fixture
def oximeter_room() -> Iterator[Callable[[str, float, float], Room]]:
    """Builds a room with a masimo-ascii oximeter on a pty; tears everything down."""
    made: list[Room] = []

    def build(scenario: str, from_scenario_s: float, speed: float) -> Room:
        clock = RoomClock(speed)
        patient = VirtualPatient(SCENARIOS[scenario], start=clock() - from_scenario_s)
        assert MASIMO.create_simulator is not None
        host = PtyDeviceHost(MASIMO.create_simulator(patient, {}), clock=clock).start()
        engine = Engine(clock=clock)
        events: list[AlarmEvent] = []
        alarms = AlarmSystem(default_profile(), on_event=events.append)
        alarms.attach(engine)
        link = DeviceLink(MASIMO, "oximeter", host.path, {}, engine.ingest, clock=clock,
                          timings=LinkTimings(no_data_after_s=5 * speed,
                                              reopen_after_s=15 * speed))
        link.start()
        room = Room(clock, engine, alarms, events, host, link)
        made.append(room)
        return room

    yield build
    for room in made:
        room.link.stop()
        room.host.stop()


def spo2_values(engine_events: list[Numeric]) -> list[Numeric]:
    return [n for n in engine_events if n.metric == SPO2.refid and n.value is not None]


def test_desaturation_to_85_percent_is_a_high_alarm_within_sustain_plus_2_s(
        oximeter_room: Callable[[str, float, float], Room]) -> None:
    # the dip starts 11 min into the scenario; begin 5 s before it
    room = oximeter_room("desaturation", 11 * MINUTE - 5, 5.0)
    received: list[Numeric] = []
    room.engine.subscribe(lambda o: received.append(o) if isinstance(o, Numeric) else None)

    def escalated_to_high(now: float) -> bool:
        alarm = room.alarm("spo2-low", now)
        return alarm is not None and alarm.priority is Priority.HIGH

    room.run_until(escalated_to_high, real_timeout_s=30)
    first_below_90 = next(n.received_at for n in spo2_values(received) if (n.value or 100) < 90)
    high = next(e for e in room.events if e.alarm_id == "spo2-low"
                and e.priority is Priority.HIGH)
    assert high.kind is AlarmEventKind.ESCALATED  # the medium alarm came first
    assert 15.0 <= high.at - first_below_90 <= 15.0 + 2.0
    assert high.values["value"] < 90
    assert room.alarms.audio(high.at).tone is Priority.HIGH


def test_audio_paused_at_medium_then_desaturation_to_high_sounds_through_the_pause(
        oximeter_room: Callable[[str, float, float], Room]) -> None:
    room = oximeter_room("desaturation", 11 * MINUTE - 5, 5.0)
    started = room.run_until(lambda now: room.alarm("spo2-low", now) is not None,
                             real_timeout_s=30)
    alarm = room.alarm("spo2-low", started)
    assert alarm is not None and alarm.priority is Priority.MEDIUM
    room.alarms.pause_audio(by="nurse Ana", now=room.clock())
    assert room.alarms.audio(room.clock()).tone is None

    def high(now: float) -> bool:
        found = room.alarm("spo2-low", now)
        return found is not None and found.priority is Priority.HIGH

    now = room.run_until(high, real_timeout_s=30)
    audio = room.alarms.audio(now)
    assert audio.paused and audio.tone is Priority.HIGH


def test_sensor_off_is_a_technical_alarm_not_a_physiological_one(
        oximeter_room: Callable[[str, float, float], Room]) -> None:
    # the probe comes off 6 min into the scenario and back on at 8 min
    room = oximeter_room("sensor-off", 6 * MINUTE - 5, 20.0)
    started = room.clock()
    room.run_until(lambda now: room.alarm("device:oximeter:sensor-off", now) is not None,
                   real_timeout_s=20)
    alarm = room.alarm("device:oximeter:sensor-off", room.clock())
    assert alarm is not None and alarm.category is Category.TECHNICAL
    room.run_until(lambda now: now - started > 130
                   and room.alarm("device:oximeter:sensor-off", now) is None,
                   real_timeout_s=20)
    physiological = [e for e in room.events if e.category is Category.PHYSIOLOGICAL]
    assert physiological == []
    assert [e.kind for e in room.events if e.alarm_id == "device:oximeter:sensor-off"] == [
        AlarmEventKind.STARTED, AlarmEventKind.ENDED]


def test_pulled_cable_is_disconnected_within_5_s(
        oximeter_room: Callable[[str, float, float], Room]) -> None:
    room = oximeter_room("normal", 0.0, 1.0)
    room.run_until(lambda now: room.engine.live_value(SPO2.refid, now) is not None,
                   real_timeout_s=10)
    pulled_at = room.clock()
    room.host.stop()
    found = room.run_until(lambda now: room.alarm("disconnected:oximeter", now) is not None,
                           real_timeout_s=10)
    assert found - pulled_at <= 5.0
    alarm = room.alarm("disconnected:oximeter", found)
    assert alarm is not None and alarm.category is Category.TECHNICAL


def test_hypertension_through_the_monitor_driver_is_a_high_alarm_on_the_reading() -> None:
    """Real time for the console; the patient runs 60 x faster, so NIBP cycles every 10 s."""
    story = SCENARIOS["hypertension"]
    speed = 60.0
    began = time.time()
    # connect 30 min into the infusion: one reading then, the next at 40 min
    patient = VirtualPatient(story, start=began - (story.infusion_start_s + 30 * MINUTE)
                             / speed, speed=speed)
    assert INTELLIVUE.create_simulator is not None
    host = PtyDeviceHost(INTELLIVUE.create_simulator(patient, {})).start()
    engine = Engine()
    events: list[AlarmEvent] = []
    alarms = AlarmSystem(default_profile(), on_event=events.append)
    alarms.mark_dosing_started(began - 30 * MINUTE / speed)
    alarms.attach(engine)
    readings: list[Numeric] = []
    engine.subscribe(lambda o: readings.append(o) if isinstance(o, Numeric)
                     and o.metric in (NIBP_SYS.refid, NIBP_DIA.refid) else None)
    link = DeviceLink(INTELLIVUE, "monitor", host.path, {}, engine.ingest)
    link.start()
    try:
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline and not any(
                e.alarm_id == "bp-high" and e.priority is Priority.HIGH for e in events):
            alarms.evaluate(time.time())
            time.sleep(0.01)
    finally:
        link.stop()
        host.stop()
    high = next(e for e in events if e.alarm_id == "bp-high" and e.priority is Priority.HIGH)
    reading = next(n for n in readings if n.value is not None and (
        (n.metric == NIBP_SYS.refid and n.value > 180)
        or (n.metric == NIBP_DIA.refid and n.value > 110)))
    assert 0 <= high.at - reading.received_at <= high.values["sustain_s"] + 2.0
    assert patient.scenario_time(reading.received_at) - story.infusion_start_s >= 35 * MINUTE
    assert high.values["value"] > high.values["threshold"]
    assert high.values["received_at"] == reading.received_at


# -- blood pressure and pump: observations computed from the virtual patient ------------


def nibp(patient: VirtualPatient, at: float) -> list[Numeric]:
    vitals = patient.vitals(at)
    return [Numeric("monitor", NIBP_SYS.refid, round(vitals.sbp), "mm[Hg]", at),
            Numeric("monitor", NIBP_DIA.refid, round(vitals.dbp), "mm[Hg]", at)]


def bp_session(story: Scenario, minutes: float, cycle_s: float = 60.0
               ) -> tuple[AlarmSystem, list[AlarmEvent], list[Numeric], float]:
    """A session with NIBP every ``cycle_s`` and the alarms evaluated each second."""
    patient = VirtualPatient(story, start=0.0)
    engine = Engine(clock=lambda: 0.0)
    events: list[AlarmEvent] = []
    alarms = AlarmSystem(default_profile(), on_event=events.append)
    alarms.attach(engine)
    readings: list[Numeric] = []
    start = story.infusion_start_s
    baseline = nibp(patient, start - 30)
    engine.ingest(baseline)
    for reading in baseline:  # the nurse confirms the pre-infusion reading as baseline
        alarms.set_baseline(reading.metric, float(reading.value or 0), by="nurse",
                            now=start - 20)
    alarms.mark_dosing_started(start)
    for second in range(int(start), int(start + minutes * MINUTE)):
        if (second - start) % cycle_s == 0:
            readings.extend(nibp(patient, second))
            engine.ingest(readings[-2:])
        alarms.evaluate(float(second))
    return alarms, events, readings, start


def test_hypertension_at_35_minutes_is_a_high_alarm_within_sustain_plus_2_s() -> None:
    story = SCENARIOS["hypertension"]
    _, events, readings, start = bp_session(story, 45)
    first_high = next(n for n in readings
                      if (n.metric == NIBP_SYS.refid and (n.value or 0) > 180)
                      or (n.metric == NIBP_DIA.refid and (n.value or 0) > 110))
    assert 33 * MINUTE <= first_high.received_at - start <= 37 * MINUTE
    high = next(e for e in events if e.alarm_id == "bp-high" and e.priority is Priority.HIGH)
    sustain = high.values["sustain_s"]
    assert 0 <= high.at - first_high.received_at <= sustain + 2.0
    assert high.values["metric"] in (NIBP_SYS.refid, NIBP_DIA.refid)


def test_rise_of_40_mmhg_systolic_from_baseline_is_medium() -> None:
    story = Scenario("rise", "Systolic climbs 46 mmHg above baseline, below 180.",
                     bp_rise_mmhg=0.0,
                     excursions=(Excursion("sbp", 60 + 10 * MINUTE, 46.0, ramp_s=120,
                                           hold_s=600),))
    _, events, readings, _ = bp_session(story, 25)
    started = [e for e in events if e.alarm_id == "bp-high"
               and e.kind in (AlarmEventKind.STARTED, AlarmEventKind.ESCALATED)]
    assert [e.priority for e in started] == [Priority.MEDIUM]
    alarm = started[0]
    assert alarm.values["comparison"] == "rise" and alarm.values["threshold"] == 40
    assert alarm.values["value"] - alarm.values["baseline"] >= 40
    assert max(n.value or 0 for n in readings if n.metric == NIBP_SYS.refid) < 180


def test_pump_rate_doubled_behind_the_plans_back_is_a_mismatch_alarm() -> None:
    story = SCENARIOS["normal"]
    patient = VirtualPatient(story, start=0.0)
    plan = DosePlan(story.weight_kg, story.dose_mg_per_kg, story.infusion_minutes,
                    story.concentration_mg_ml)
    infusion = InfusionClock()
    infusion.start(story.infusion_start_s)
    engine = Engine(clock=lambda: 0.0)
    events: list[AlarmEvent] = []
    alarms = AlarmSystem(default_profile(), on_event=events.append)
    alarms.attach(engine)
    alarms.set_dose_plan(plan, infusion, pump_id="pump")
    doubled_from = story.infusion_start_s + 10 * MINUTE
    extra_ml = 0.0
    for second in range(0, int(doubled_from + 2 * MINUTE)):
        state = patient.infusion(second)
        rate = state.rate_ml_h
        if second >= doubled_from:  # someone doubles the rate on the pump itself
            rate *= 2
            extra_ml += state.rate_ml_h / 3600
        engine.ingest([PumpStatus(
            "pump", float(second),
            state=PumpState.INFUSING if state.running else PumpState.STANDBY,
            rate_ml_h=rate, volume_infused_ml=state.volume_infused_ml + extra_ml)])
        alarms.evaluate(float(second))
        if second == doubled_from - 1:
            assert events == [], "a pump running to plan raised an alarm"
    mismatch = next(e for e in events if e.alarm_id == "pump-mismatch:pump")
    assert mismatch.kind is AlarmEventKind.STARTED
    assert mismatch.at - doubled_from <= default_profile().technical.pump_mismatch_sustain_s + 2
    assert mismatch.values["pump_rate_ml_h"] == pytest.approx(2 * plan.rate_ml_h)


# -- a crash: the alarm process is killed, a new one restores from the recorded events --

CHILD = textwrap.dedent("""
    import json, os, sys, time
    from ketaconsole.alarms import AlarmSystem, default_profile
    from ketaconsole.observations import Numeric

    path = sys.argv[1]
    out = open(path, "a", encoding="utf-8")

    def record(event):
        out.write(json.dumps(event.as_record()) + "\\n")
        out.flush()
        os.fsync(out.fileno())

    alarms = AlarmSystem(default_profile(), on_event=record)
    for t in range(0, 40):
        alarms.observe(Numeric("oximeter", "MDC_PULS_OXIM_SAT_O2", 85.0, "%", float(t)))
        alarms.evaluate(float(t))
    alarms.acknowledge("spo2-low", by="nurse Ana", now=40.0)
    print("ready", flush=True)
    time.sleep(600)
""")


def test_alarm_active_at_a_crash_is_active_again_after_restore(tmp_path: Path) -> None:
    timeline = tmp_path / "alarm-events.jsonl"
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(timeline)],
                             stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "ready"
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(10)
        if child.stdout is not None:
            child.stdout.close()
    assert child.returncode == -signal.SIGKILL
    recorded = [AlarmEvent.from_record(json.loads(line))
                for line in timeline.read_text(encoding="utf-8").splitlines()]
    restarted = AlarmSystem(default_profile())
    (alarm,) = restarted.restore(recorded, now=100.0)
    assert (alarm.alarm_id, alarm.priority, alarm.acknowledged) == ("spo2-low", Priority.HIGH,
                                                                    True)
    restarted.evaluate(100.0)
    assert [a.alarm_id for a in restarted.active_alarms(100.0)] == ["spo2-low"]
