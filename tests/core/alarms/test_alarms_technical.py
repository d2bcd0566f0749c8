"""Technical alarms: line errors, clock skew, device alarms, silence, link loss, pump vs plan."""

from __future__ import annotations

from datetime import datetime

import pytest

from drivers.bbraun_bcc import DRIVER as BBRAUN
from ketaconsole.alarms import (
    AlarmEvent,
    AlarmEventKind,
    AlarmSystem,
    Category,
    Priority,
    default_profile,
)
from ketaconsole.devices.sim_loop import SIMULATED_START, converse
from ketaconsole.dose import DosePlan, InfusionClock, reconcile
from ketaconsole.live.engine import Engine
from ketaconsole.observations import (
    AlarmSource,
    DeviceAlarm,
    LinkState,
    LinkStatus,
    Numeric,
    ProtocolError,
    PumpState,
    PumpStatus,
)
from ketaconsole.session.model import SessionModel

SPO2 = "MDC_PULS_OXIM_SAT_O2"


@pytest.fixture
def recorded() -> list[AlarmEvent]:
    return []


@pytest.fixture
def system(recorded: list[AlarmEvent]) -> AlarmSystem:
    return AlarmSystem(default_profile(), on_event=recorded.append)


def active(system: AlarmSystem, now: float) -> dict[str, Priority]:
    return {a.alarm_id: a.priority for a in system.active_alarms(now)}


def test_more_than_five_line_errors_a_minute_alarm_and_clear_when_they_stop(
        system: AlarmSystem) -> None:
    for t in range(5):
        system.observe(ProtocolError("ox", "checksum", "bad", float(t)))
    system.evaluate(5)
    assert "error-rate:ox" not in active(system, 5)
    system.observe(ProtocolError("ox", "framing", "bad", 6.0))
    system.evaluate(6)
    assert active(system, 6)["error-rate:ox"] is Priority.LOW
    system.evaluate(59.5)
    assert "error-rate:ox" in active(system, 59.5)  # all six within the last minute
    system.evaluate(61)
    assert "error-rate:ox" not in active(system, 61)  # the first has left the minute


def test_device_clock_more_than_two_minutes_off_alarms(system: AlarmSystem) -> None:
    now = datetime(2026, 1, 5, 10, 0, 0).timestamp()
    system.observe(Numeric("ox", SPO2, 97, "%", now,
                           datetime.fromtimestamp(now + 90)))
    system.evaluate(now)
    assert "clock-skew:ox" not in active(system, now)
    system.observe(Numeric("ox", SPO2, 97, "%", now + 1,
                           datetime.fromtimestamp(now + 1 - 180)))
    system.evaluate(now + 1)
    (alarm,) = [a for a in system.active_alarms(now + 1) if a.alarm_id == "clock-skew:ox"]
    assert "180 s behind" in alarm.message and alarm.category is Category.TECHNICAL


def test_sensor_off_is_technical_and_ends_when_the_device_clears_it(
        system: AlarmSystem, recorded: list[AlarmEvent]) -> None:
    system.observe(DeviceAlarm("ox", "sensor-off", "Sensor off patient",
                               AlarmSource.TECHNICAL, True, 1.0))
    system.evaluate(1)
    (alarm,) = system.active_alarms(1)
    assert (alarm.alarm_id, alarm.category, alarm.priority) == (
        "device:ox:sensor-off", Category.TECHNICAL, Priority.MEDIUM)
    system.observe(DeviceAlarm("ox", "sensor-off", "Sensor off patient",
                               AlarmSource.TECHNICAL, False, 2.0))
    system.evaluate(2)
    assert [e.kind for e in recorded] == [AlarmEventKind.STARTED, AlarmEventKind.ENDED]


def test_a_devices_own_patient_alarm_without_a_priority_is_shown_low_and_does_not_latch(
        system: AlarmSystem) -> None:
    system.observe(DeviceAlarm("ox", "spo2-low", "SpO2 below the oximeter's limit",
                               AlarmSource.PHYSIOLOGICAL, True, 1.0))
    system.evaluate(1)
    (alarm,) = system.active_alarms(1)
    assert alarm.category is Category.PHYSIOLOGICAL and alarm.priority is Priority.LOW
    system.observe(DeviceAlarm("ox", "spo2-low", "", AlarmSource.PHYSIOLOGICAL, False, 2.0))
    system.evaluate(2)
    assert system.active_alarms(2) == []


def test_disconnection_replaces_the_devices_alarms_and_ends_on_reconnection(
        system: AlarmSystem, recorded: list[AlarmEvent]) -> None:
    system.observe(LinkState("ox", LinkStatus.CONNECTED, 0.0))
    system.observe(DeviceAlarm("ox", "sensor-off", "Sensor off patient",
                               AlarmSource.TECHNICAL, True, 1.0))
    system.evaluate(1)
    system.observe(LinkState("ox", LinkStatus.DISCONNECTED, 2.0, "the port closed"))
    system.evaluate(2)
    assert active(system, 2) == {"disconnected:ox": Priority.MEDIUM}
    system.observe(LinkState("ox", LinkStatus.CONNECTING, 3.0))
    system.evaluate(3)
    assert "disconnected:ox" in active(system, 3)  # still gone while it retries
    system.observe(LinkState("ox", LinkStatus.CONNECTED, 4.0))
    system.evaluate(4)
    assert active(system, 4) == {}
    assert all(e.category is Category.TECHNICAL for e in recorded)


def test_silent_device_is_no_data_whether_the_link_or_the_clock_says_so(
        system: AlarmSystem) -> None:
    system.observe(LinkState("ox", LinkStatus.CONNECTED, 0.0))
    system.observe(Numeric("ox", SPO2, 97, "%", 1.0))
    system.evaluate(10)
    assert "no-data:ox" not in active(system, 10)
    system.evaluate(11.5)
    assert "no-data:ox" in active(system, 11.5)
    system.observe(Numeric("ox", SPO2, 97, "%", 12.0))
    system.evaluate(12)
    assert "no-data:ox" not in active(system, 12)
    system.observe(LinkState("ox", LinkStatus.NO_DATA, 13.0))
    system.evaluate(13)
    assert "no-data:ox" in active(system, 13)


def test_forgotten_device_takes_its_technical_alarms_with_it(system: AlarmSystem) -> None:
    system.observe(LinkState("ox", LinkStatus.DISCONNECTED, 1.0, "stopped"))
    system.evaluate(1)
    system.forget_device("ox")
    system.evaluate(2)
    assert system.active_alarms(2) == []


def _pump(t: float, rate: float, volume: float,
          state: PumpState = PumpState.INFUSING) -> PumpStatus:
    return PumpStatus("pump", t, state=state, rate_ml_h=rate, volume_infused_ml=volume)


def test_pump_running_to_plan_never_alarms_and_a_doubled_rate_does(
        system: AlarmSystem, recorded: list[AlarmEvent]) -> None:
    plan = DosePlan(70, 0.5, 40, 1.0)
    clock = InfusionClock()
    clock.start(0.0)
    system.set_dose_plan(plan, clock, "pump")
    for t in range(0, 600, 2):
        system.observe(_pump(t, 52.5, 52.5 * t / 3600))
        system.evaluate(t)
    assert recorded == []
    volume = 52.5 * 600 / 3600
    for t in range(600, 640, 2):
        volume += 105.0 * 2 / 3600
        system.observe(_pump(t, 105.0, volume))
        system.evaluate(t)
    (alarm,) = system.active_alarms(640)
    assert alarm.alarm_id == "pump-mismatch:pump" and alarm.category is Category.TECHNICAL
    assert alarm.values["pump_rate_ml_h"] == 105.0
    assert alarm.values["planned_rate_ml_h"] == pytest.approx(52.5)
    assert recorded[0].at == 610  # after the 10 s the mismatch must last


def test_paused_pump_is_not_compared_by_rate_but_by_dose(system: AlarmSystem) -> None:
    plan = DosePlan(70, 0.5, 40, 1.0)
    clock = InfusionClock()
    clock.start(0.0)
    clock.pause(600.0)
    system.set_dose_plan(plan, clock)
    volume = 52.5 * 600 / 3600
    for t in range(600, 900, 5):
        system.observe(_pump(t, 52.5, volume, PumpState.PAUSED))
        system.evaluate(t)
    assert system.active_alarms(900) == []


def test_pump_infusing_before_the_plan_started_alarms(system: AlarmSystem) -> None:
    system.set_dose_plan(DosePlan(70, 0.5, 40, 1.0), InfusionClock())
    for t in range(0, 60, 2):
        system.observe(_pump(t, 52.5, 52.5 * t / 3600))
        system.evaluate(t)
    assert "pump-mismatch:pump" in active(system, 60)


def test_a_station_whose_pumps_report_under_their_slots_is_not_silent() -> None:
    # A B. Braun SpaceStation's link is "pump", its pumps report as "pump/1-1", ...:
    # their data is the station's data too, and the station is silent only once they
    # all are. The station, its link and its pumps come from the real driver talking
    # to its simulator.
    talk = converse(BBRAUN, 60.0, device_id="pump", step=0.1)
    system = AlarmSystem(default_profile())
    system.observe(LinkState("pump", LinkStatus.CONNECTED, SIMULATED_START))
    for obs in talk.observations:
        system.observe(obs)
    last = max(o.received_at for o in talk.observations if isinstance(o, PumpStatus))
    assert {o.device_id for o in talk.observations if isinstance(o, PumpStatus)} == {
        "pump/1-1", "pump/1-2", "pump/1-3"}
    system.evaluate(last + 1)
    assert not [a for a in active(system, last + 1) if a.startswith("no-data:")]
    system.evaluate(last + 30)
    assert "no-data:pump" in active(system, last + 30)


def test_a_monitors_own_alarm_keeps_the_monitors_priority(system: AlarmSystem) -> None:
    system.observe(DeviceAlarm("monitor", "p-4BB8-003E", "SpO2 88 < 90 (medium priority)",
                               AlarmSource.PHYSIOLOGICAL, True, 1.0, priority="medium"))
    system.observe(DeviceAlarm("monitor", "t-4BB8-0200", "SpO2 probe off (high-priority INOP)",
                               AlarmSource.TECHNICAL, True, 1.0, priority="high"))
    system.evaluate(1)
    assert active(system, 1) == {"device:monitor:p-4BB8-003E": Priority.MEDIUM,
                                 "device:monitor:t-4BB8-0200": Priority.HIGH}
    shown = {a.alarm_id: a for a in system.active_alarms(1)}
    assert shown["device:monitor:p-4BB8-003E"].values["device_priority"] == "medium"


def _slot(slot: str, t: float, state: PumpState, rate: float, volume: float) -> PumpStatus:
    return PumpStatus(f"pump/{slot}", t, state=state, rate_ml_h=rate, volume_infused_ml=volume)


def test_a_stations_infusing_slot_is_checked_against_the_plan(
        system: AlarmSystem) -> None:
    # The plan names the station ("pump"); its pumps report as "pump/1-1", "pump/1-2".
    # The slot that infuses is checked: at twice the planned rate it alarms, and the
    # idle slot beside it never does.
    clock = InfusionClock()
    clock.start(0.0)
    system.set_dose_plan(DosePlan(70, 0.5, 40, 1.0), clock, "pump")
    volume = 0.0
    for t in range(0, 60, 2):
        volume += 105.0 * 2 / 3600
        system.observe(_slot("1-1", t, PumpState.INFUSING, 105.0, volume))
        system.observe(_slot("1-2", t, PumpState.STANDBY, 0.0, 0.0))
        system.evaluate(t)
    assert "pump-mismatch:pump/1-1" in active(system, 60)
    assert "pump-mismatch:pump/1-2" not in active(system, 60)


def test_a_stations_slot_running_to_plan_does_not_alarm(system: AlarmSystem) -> None:
    clock = InfusionClock()
    clock.start(0.0)
    system.set_dose_plan(DosePlan(70, 0.5, 40, 1.0), clock, "pump")
    for t in range(0, 300, 2):
        system.observe(_slot("1-1", t, PumpState.STANDBY, 0.0, 0.0))
        system.observe(_slot("1-2", t, PumpState.INFUSING, 52.5, 52.5 * t / 3600))
        system.evaluate(t)
    assert not [a for a in active(system, 300) if a.startswith("pump-mismatch")]


def test_the_pump_check_follows_the_slot_the_infusion_follows() -> None:
    # Slot 1-1 starts the infusion; later slot 1-2 infuses something else faster and has
    # soon delivered more. The infusion shown is still 1-1's, so 1-1 is what is checked
    # against the plan: one rule for which channel counts, not one per reader.
    engine = Engine()
    system = AlarmSystem(default_profile())
    system.attach(engine)
    model = SessionModel(engine, system, ["pump"])
    model.set_plan(DosePlan(70, 0.5, 40, 1.0))
    volume = {"1-1": 0.0, "1-2": 0.0}
    for t in range(0, 120, 2):
        volume["1-1"] += 52.5 * 2 / 3600
        engine.ingest([_slot("1-1", t, PumpState.INFUSING, 52.5, volume["1-1"])])
        if t >= 30:
            volume["1-2"] += 300.0 * 2 / 3600
            engine.ingest([_slot("1-2", t, PumpState.INFUSING, 300.0, volume["1-2"])])
        system.evaluate(t)
    assert model.pump_channel == "pump/1-1"
    assert engine.pump_channel("pump") == "pump/1-2", "the other slot has delivered more"
    assert not [a for a in active(system, 120) if a.startswith("pump-mismatch")]


def _report(t: float, state: PumpState, rate: float, volume: float, **programme: object
          ) -> PumpStatus:
    return PumpStatus("pump", t, state=state, rate_ml_h=rate, volume_infused_ml=volume,
                      **programme)  # type: ignore[arg-type]


def test_a_pump_at_ten_times_the_planned_rate_escalates_to_high(system: AlarmSystem) -> None:
    clock = InfusionClock()
    clock.start(0.0)
    system.set_dose_plan(DosePlan(70, 0.5, 40, 10.0), clock, "pump")  # 5.25 mL/h
    for t in range(0, 30, 2):
        system.observe(_report(t, PumpState.INFUSING, 52.5, 52.5 * t / 3600))
        system.evaluate(t)
    (alarm,) = [a for a in system.active_alarms(30) if a.alarm_id == "pump-mismatch:pump"]
    assert alarm.priority is Priority.HIGH
    assert alarm.values["rate_factor"] == pytest.approx(10.0)


def test_a_pump_a_little_fast_stays_medium(system: AlarmSystem) -> None:
    clock = InfusionClock()
    clock.start(0.0)
    system.set_dose_plan(DosePlan(70, 0.5, 40, 1.0), clock, "pump")  # 52.5 mL/h
    for t in range(0, 30, 2):
        system.observe(_report(t, PumpState.INFUSING, 70.0, 70.0 * t / 3600))
        system.evaluate(t)
    assert active(system, 30)["pump-mismatch:pump"] is Priority.MEDIUM


def test_delivered_beyond_110_percent_of_the_planned_dose_is_high(system: AlarmSystem) -> None:
    # the whole 35 mL in, then 4 mL more at the planned rate: 111 % of the dose
    clock = InfusionClock()
    clock.start(0.0)
    system.set_dose_plan(DosePlan(70, 0.5, 40, 1.0), clock, "pump")
    system.observe(_report(2400.0, PumpState.INFUSING, 52.5, 35.0))
    system.evaluate(2400.0)
    for t in range(2402, 2440, 2):
        system.observe(_report(t, PumpState.INFUSING, 52.5, 39.0))
        system.evaluate(t)
    assert active(system, 2440)["pump-mismatch:pump"] is Priority.HIGH


def test_a_syringe_of_another_strength_is_high_before_the_start(system: AlarmSystem) -> None:
    clock = InfusionClock()
    system.set_dose_plan(DosePlan(70, 0.5, 40, 10.0), clock, "pump")
    system.observe(_report(1.0, PumpState.STOPPED, 0.0, 0.0, drug="Ketamine",
                         concentration_mg_ml=1.0))
    system.evaluate(1.0)
    assert active(system, 1.0)["pump-programme:pump"] is Priority.HIGH


def test_another_drug_is_high_and_the_planned_one_is_clear(system: AlarmSystem) -> None:
    clock = InfusionClock()
    system.set_dose_plan(DosePlan(70, 0.5, 40, 1.0), clock, "pump")
    system.observe(_report(1.0, PumpState.STOPPED, 0.0, 0.0, drug="Esketamine",
                         concentration_mg_ml=1.0))
    system.evaluate(1.0)
    assert active(system, 1.0)["pump-programme:pump"] is Priority.HIGH
    system.observe(_report(2.0, PumpState.STOPPED, 0.0, 0.0, drug="Ketamine HCl",
                         concentration_mg_ml=1.0, vtbi_ml=35.0))
    system.evaluate(2.0)
    assert "pump-programme:pump" not in active(system, 2.0)


def test_a_vtbi_past_the_planned_volume_is_medium(system: AlarmSystem) -> None:
    clock = InfusionClock()
    system.set_dose_plan(DosePlan(70, 0.5, 40, 1.0), clock, "pump")  # 35 mL
    system.observe(_report(1.0, PumpState.STOPPED, 0.0, 0.0, vtbi_ml=50.0))
    system.evaluate(1.0)
    assert active(system, 1.0)["pump-programme:pump"] is Priority.MEDIUM


def test_a_pump_infusing_with_no_patient_checked_in_is_an_alarm_that_says_so(
        system: AlarmSystem) -> None:
    system.observe(_report(0.0, PumpState.INFUSING, 52.5, 0.0))
    system.evaluate(0.0)
    assert active(system, 0.0)["pump-unplanned:pump"] is Priority.MEDIUM
    alarm = next(a for a in system.active_alarms(0.0) if a.alarm_id == "pump-unplanned:pump")
    assert "no patient is checked in" in alarm.message
    system.observe(_report(2.0, PumpState.STOPPED, 0.0, 0.0))
    system.evaluate(2.0)
    assert "pump-unplanned:pump" not in active(system, 2.0), "the pump was stopped"


def test_a_pump_infusing_with_no_plan_is_medium_then_high_after_a_minute(
        system: AlarmSystem) -> None:
    system.expect_plan()
    for t in range(2, 64, 2):
        system.observe(_report(t, PumpState.INFUSING, 52.5, 52.5 * t / 3600))
        system.evaluate(t)
        if t == 2:
            assert active(system, t)["pump-unplanned:pump"] is Priority.MEDIUM
    assert active(system, 62)["pump-unplanned:pump"] is Priority.HIGH
    clock = InfusionClock()
    clock.start(0.0)
    system.set_dose_plan(DosePlan(70, 0.5, 40, 1.0), clock, "pump")
    system.evaluate(62)
    assert "pump-unplanned:pump" not in active(system, 62), "the plan is confirmed"


def test_the_delivered_dose_is_counted_at_the_pumps_concentration_and_says_so() -> None:
    plan = DosePlan(70, 0.5, 40, 1.0)
    by_pump = reconcile(plan, 10.0, 52.5, pump_concentration_mg_ml=2.0, pump_infusing=True)
    assert (by_pump.delivered_mg, by_pump.concentration_from) == (20.0, "pump")
    assert by_pump.rate_factor == pytest.approx(2.0)
    by_plan = reconcile(plan, 10.0, 52.5, pump_concentration_mg_ml=None)
    assert (by_plan.delivered_mg, by_plan.concentration_from) == (10.0, "plan")
