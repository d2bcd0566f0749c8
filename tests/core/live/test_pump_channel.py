"""A pump station's slots: the infusing slot is the one shown, trended and timed."""

from __future__ import annotations

from ketaconsole.live.engine import Engine
from ketaconsole.observations import PumpState, PumpStatus
from ketaconsole.session.pump_infusion import PumpDrivenInfusion


def _slot(slot: str, state: PumpState, rate: float, volume: float, at: float) -> PumpStatus:
    return PumpStatus(f"pump/{slot}", at, state=state, rate_ml_h=rate,
                      volume_infused_ml=volume)


def test_the_infusing_slot_is_the_pumps_channel_and_idle_slots_do_not_stop_it() -> None:
    engine = Engine()
    infusion = PumpDrivenInfusion("pump")
    engine.subscribe(infusion.observe)
    for second in range(5):
        engine.ingest([_slot("1-1", PumpState.INFUSING, 52.5, 0.01 * second, 100.0 + second),
                       _slot("1-2", PumpState.STANDBY, 0.0, 0.0, 100.0 + second),
                       _slot("1-3", PumpState.STOPPED, 0.0, 0.0, 100.0 + second)])
    assert engine.pump_channel("pump") == "pump/1-1"
    assert infusion.clock.started_at == 100.0
    assert infusion.clock.stopped_at is None and infusion.clock.running
    assert engine.trends.devices("MDC_FLOW_FLUID_PUMP") == ["pump/1-1"]
    _, rates = engine.trends.series("MDC_FLOW_FLUID_PUMP", "pump/1-1")
    assert set(rates.tolist()) == {52.5}


def test_a_single_pump_is_its_own_channel() -> None:
    engine = Engine()
    engine.ingest([PumpStatus("pump", 1.0, state=PumpState.PAUSED, rate_ml_h=0.0)])
    assert engine.pump_channel("pump") == "pump"
    assert engine.pump_channel("other") is None
