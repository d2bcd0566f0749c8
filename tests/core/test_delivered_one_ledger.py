"""Dose delivered has one owner: the pump ledger, the same live, in alarms and in exports."""

from __future__ import annotations

from pathlib import Path

from ketaconsole.dose import DosePlan
from ketaconsole.engine import Engine
from ketaconsole.export.record import load_record
from ketaconsole.export.summary import dose_summary
from ketaconsole.observations import PumpState, PumpStatus
from ketaconsole.store import SessionPlan, SessionService, open_database
from ketaconsole.timeline_events import DosePlanned

T0 = 1_800_000_000.0


def _pump(at: float, volume: float, state: PumpState = PumpState.INFUSING) -> PumpStatus:
    return PumpStatus("pump", at, state=state, rate_ml_h=52.5, volume_infused_ml=volume)


def test_an_export_after_a_pump_counter_restart_equals_the_live_ledger(tmp_path: Path) -> None:
    database = open_database(f"sqlite:///{tmp_path / 'record.sqlite3'}")
    plan = DosePlan(70.0, 0.5, 40.0, 1.0)
    service = SessionService.begin(database, SessionPlan("Ann Example", 70.0),
                                   [], station="ledger-test", clock=lambda: T0)
    service.record(DosePlanned(**plan.order_record()), author="nurse", at=T0)
    engine = Engine(clock=lambda: T0)
    service.recorder.attach(engine)
    # 10 mL, then a new syringe: the pump's counter starts again from 0 and reaches 3 mL
    readings = [_pump(T0 + s, 0.5 * s) for s in range(21)]
    readings += [_pump(T0 + 21 + s, 0.5 * s) for s in range(7)]
    readings.append(_pump(T0 + 28, 3.0, PumpState.STOPPED))
    for reading in readings:
        engine.ingest([reading])
    service.recorder.flush()
    live = engine.pump("pump")
    assert live is not None and live.delivered_ml == 13.0
    summary = dose_summary(load_record(database, service.session_id))
    assert summary.delivered_ml == live.delivered_ml
    assert summary.delivered is not None and summary.delivered.delivered_mg == 13.0
    assert summary.infusion_started_at == T0 and summary.infusion_ended_at == T0 + 28
    service.close()
    database.dispose()
