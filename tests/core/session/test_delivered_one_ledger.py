"""Dose delivered has one owner: the pump ledger, the same live, in alarms and in exports."""

from __future__ import annotations

from pathlib import Path

from ketaconsole.demo.story_infusions import story_bedside
from ketaconsole.export.record import load_record
from ketaconsole.export.summary import dose_summary
from ketaconsole.observations import PumpState, PumpStatus
from ketaconsole.session.checkin import CheckIn
from ketaconsole.store import open_database
from tests.course_support import approved_patient
from tests.plan_support import ketamine_plan

T0 = 1_800_000_000.0
ANN = CheckIn("Ann Example", 44, 70.0, "none known", "none", "none", False, "none", 6.0, 3.0, True,
              "left forearm", True, mrn="MRN-ANNEXAMPLE", pregnancy="no")


def _pump(at: float, volume: float, state: PumpState = PumpState.INFUSING) -> PumpStatus:
    return PumpStatus("pump", at, state=state, rate_ml_h=52.5, volume_infused_ml=volume)


def test_an_export_after_a_pump_counter_restart_equals_the_live_ledger(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'record.sqlite3'}"
    database = open_database(url)
    approved_patient(database, ANN.patient_name, ANN.mrn, assessed_at=T0 - 86400.0)
    # 10 mL, then a new syringe: the pump's counter starts again from 0 and reaches 3 mL
    readings = [_pump(T0 + s, 0.5 * s) for s in range(21)]
    readings += [_pump(T0 + 21 + s, 0.5 * s) for s in range(7)]
    readings.append(_pump(T0 + 28, 3.0, PumpState.STOPPED))
    with story_bedside(url, nurse="nurse", station="ledger-test", start=T0 - 300,
                       pump="pump") as bedside:
        flow = bedside.workflow
        flow.check_in(ANN)
        session_id = flow.service_id()
        bedside.at(T0 - 120)
        flow.confirm_baseline({"MDC_PRESS_BLD_NONINV_SYS": 124.0})
        bedside.at(T0 - 60)
        flow.confirm_plan(ketamine_plan(70.0, 0.5, 40.0, 1.0))
        for reading in readings:
            bedside.at(reading.received_at, [reading])
            if reading.received_at == T0:
                flow.infusion_action("start")
        flow.infusion_action("stop")
        live = bedside.room.engine.pump("pump")
        assert live is not None and live.delivered_ml == 13.0
        bedside.at(T0 + 60)
        flow.end_session(reason="test over")
    summary = dose_summary(load_record(database, session_id))
    assert summary.delivered_ml == live.delivered_ml
    assert summary.delivered is not None and summary.delivered.delivered_mg == 13.0
    assert summary.infusion_started_at == T0 and summary.infusion_ended_at == T0 + 28
    database.dispose()
