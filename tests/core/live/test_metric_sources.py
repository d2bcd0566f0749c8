"""Two devices measuring one metric: one primary each, shown and alarmed on consistently."""

from __future__ import annotations

import pytest

from ketaconsole.alarms import AlarmSystem, default_profile
from ketaconsole.live.engine import Engine
from ketaconsole.live.metric_sources import MetricSources, SourceDevice
from ketaconsole.observations import Numeric
from ketaconsole.sdk import DeviceKind

SPO2 = "MDC_PULS_OXIM_SAT_O2"
HR = "MDC_ECG_HEART_RATE"
MONITOR = SourceDevice("monitor", "Patient monitor", DeviceKind.MONITOR)
OXIMETER = SourceDevice("oximeter", "Pulse oximeter", DeviceKind.OXIMETER)


def _spo2(device_id: str, at: float, value: float | None) -> Numeric:
    return Numeric(device_id, SPO2, value, "%", at)


def _both(engine_or_system: Engine | AlarmSystem, seconds: range, monitor: float | None,
          oximeter: float | None) -> None:
    for t in seconds:
        for device_id, value in (("monitor", monitor), ("oximeter", oximeter)):
            if value is not None or device_id == "oximeter":
                obs = [_spo2(device_id, float(t), value)]
                if isinstance(engine_or_system, Engine):
                    engine_or_system.ingest(obs)
                else:
                    engine_or_system.observe_all(obs)


def test_the_dedicated_device_is_primary_whatever_the_rooms_order() -> None:
    for devices in ([MONITOR, OXIMETER], [OXIMETER, MONITOR]):
        sources = MetricSources(devices)
        assert sources.ordered(SPO2, ["monitor", "oximeter"]) == ["oximeter", "monitor"]
    # a metric only the monitor sends has the monitor as its one source
    assert MetricSources([MONITOR, OXIMETER]).primary(HR, ["monitor"]) == "monitor"


def test_the_rooms_profile_can_make_the_monitor_primary() -> None:
    monitor = SourceDevice("monitor", "Patient monitor", DeviceKind.MONITOR, frozenset({SPO2}))
    sources = MetricSources([monitor, OXIMETER])
    assert sources.primary(SPO2, ["oximeter"]) == "monitor"
    chosen = sources.choose(SPO2, {"oximeter": 97.0, "monitor": 95.0}, lambda v: True)
    assert chosen is not None and chosen.device_id == "monitor" and not chosen.stands_in


def test_two_devices_of_equal_rank_follow_the_rooms_order() -> None:
    second = SourceDevice("oximeter-2", "Finger oximeter", DeviceKind.OXIMETER)
    assert MetricSources([second, OXIMETER]).ordered(SPO2, ["oximeter", "oximeter-2"]) == [
        "oximeter-2", "oximeter"]


def test_the_tile_value_is_the_primarys_and_never_zig_zags() -> None:
    engine = Engine(clock=lambda: 10.0)
    engine.sources = MetricSources([MONITOR, OXIMETER])
    _both(engine, range(10), monitor=98.0, oximeter=85.0)
    engine.ingest([_spo2("monitor", 10.0, 98.0)])  # the monitor spoke last
    latest = engine.latest(SPO2, 10.0)
    assert latest is not None and latest.value == 85.0 and latest.device_id == "oximeter"
    assert engine.senders(SPO2) == ["oximeter", "monitor"]
    assert engine.latest_from(SPO2, "monitor").value == 98.0  # type: ignore[union-attr]


def test_a_live_device_stands_in_while_the_primary_is_invalid_and_says_so() -> None:
    engine = Engine(clock=lambda: 10.0)
    engine.sources = MetricSources([MONITOR, OXIMETER])
    _both(engine, range(11), monitor=96.0, oximeter=None)  # the oximeter's probe is off
    chosen = engine.source(SPO2, 10.0)
    assert chosen is not None and chosen.device_id == "monitor" and chosen.stands_in
    assert chosen.primary_id == "oximeter"
    assert engine.live_value(SPO2, 10.0) == 96.0


def test_with_no_live_value_anywhere_the_primarys_stale_value_is_what_is_shown() -> None:
    engine = Engine(clock=lambda: 100.0)
    engine.sources = MetricSources([MONITOR, OXIMETER])
    _both(engine, range(5), monitor=97.0, oximeter=95.0)
    latest = engine.latest(SPO2, 100.0)
    assert latest is not None and latest.device_id == "oximeter"
    assert engine.live_value(SPO2, 100.0) is None


@pytest.fixture
def alarms() -> AlarmSystem:
    system = AlarmSystem(default_profile())
    system.use_sources(MetricSources([MONITOR, OXIMETER]))
    return system


def test_the_alarm_judges_the_primary_and_names_it(alarms: AlarmSystem) -> None:
    _both(alarms, range(60), monitor=98.0, oximeter=85.0)
    alarms.evaluate(59.0)
    (alarm,) = [a for a in alarms.active_alarms(59.0) if a.alarm_id == "spo2-low"]
    assert alarm.values["device_id"] == "oximeter" and alarm.values["value"] == 85.0
    assert alarm.message.endswith("(from Pulse oximeter)")


def test_a_low_value_on_the_secondary_device_does_not_alarm(alarms: AlarmSystem) -> None:
    _both(alarms, range(60), monitor=85.0, oximeter=98.0)
    alarms.evaluate(59.0)
    assert not [a for a in alarms.active_alarms(59.0) if a.alarm_id == "spo2-low"]


def test_the_standing_in_device_is_judged_and_the_alarm_says_it_stands_in(
        alarms: AlarmSystem) -> None:
    _both(alarms, range(60), monitor=85.0, oximeter=None)
    alarms.evaluate(59.0)
    (alarm,) = [a for a in alarms.active_alarms(59.0) if a.alarm_id == "spo2-low"]
    assert alarm.values["device_id"] == "monitor"
    assert alarm.values["stands_in_for"] == "oximeter"
    assert "standing in for Pulse oximeter" in alarm.message
