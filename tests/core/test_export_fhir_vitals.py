"""FHIR carries the session's vital signs: charted values, extremes, alarm values, all metrics."""

from __future__ import annotations

import json
from pathlib import Path

from fhir.resources.R4B.bundle import Bundle

from ketaconsole.alarms.events import AlarmEvent, AlarmEventKind
from ketaconsole.export.fhir_vitals import METRIC_SYSTEM, STATISTIC_SYSTEM
from ketaconsole.export.service import ExportFormat, export_session
from ketaconsole.observations import Numeric
from ketaconsole.store import Database, SessionPlan, SessionService

T0 = 1_790_000_000.0
SPO2 = "MDC_PULS_OXIM_SAT_O2"
PULSE = "MDC_PULS_OXIM_PULS_RATE"
SPCO = "MDC_CONC_HB_CO_GEN"
PVI = "MASIMO_PVI"


def _record_a_minute(database: Database, minutes: int = 1) -> int:
    clock = {"now": T0}
    service = SessionService.begin(database, SessionPlan("Ann Example", 70.0), [],
                                   station="room-1", clock=lambda: clock["now"])
    for second in range(minutes * 60):
        at = T0 + 1 + second
        clock["now"] = at
        service.recorder.observe(Numeric("oximeter", SPO2, 95.0 + second % 4, "%", at))
        service.recorder.observe(Numeric("oximeter", PULSE, 70.0 + second % 9, "/min", at))
        service.recorder.observe(Numeric("oximeter", SPCO, 1.5, "%", at))
        service.recorder.observe(Numeric("oximeter", PVI, 12.0, "%", at))
    alarm = AlarmEvent(AlarmEventKind.STARTED, T0 + 30.5, alarm_id="spo2_low", label="SpO2 low",
                       values={"metric": SPO2, "value": 89.0, "unit": "%"})
    service.recorder.post_event("alarm", alarm.as_record(), at=alarm.at)
    assert service.close()
    return service.session_id


def _observations(bundle: dict) -> list[dict]:
    return [e["resource"] for e in bundle["entry"]
            if e["resource"]["resourceType"] == "Observation"]


def _codes(observation: dict) -> set[tuple[str, str]]:
    return {(c["system"], c["code"]) for c in observation["code"]["coding"]}


def test_a_one_minute_spo2_recording_exports_a_valid_bundle_with_its_spo2(
        database: Database, tmp_path: Path) -> None:
    session_id = _record_a_minute(database)
    (path,) = export_session(database, session_id, ExportFormat.FHIR, tmp_path).files
    data = json.loads(path.read_bytes())
    Bundle.model_validate(data)  # raises if the bundle is not valid FHIR R4B
    spo2 = [o for o in _observations(data) if ("http://loinc.org", "59408-5") in _codes(o)
            or ("http://loinc.org", "2708-6") in _codes(o)]
    charted = [o for o in spo2 if "valueQuantity" in o and "note" not in o]
    assert [o["valueQuantity"]["value"] for o in charted] == [95.0]
    (extremes,) = [o for o in spo2 if "component" in o]
    assert [(c["code"]["coding"][0]["system"], c["code"]["text"], c["valueQuantity"]["value"])
            for c in extremes["component"]] == [(STATISTIC_SYSTEM, "minimum", 95.0),
                                                 (STATISTIC_SYSTEM, "maximum", 98.0)]
    (at_alarm,) = [o for o in spo2 if "note" in o]
    assert at_alarm["valueQuantity"]["value"] == 89.0


def test_every_metric_reaches_fhir_with_a_code(database: Database, tmp_path: Path) -> None:
    session_id = _record_a_minute(database, minutes=11)
    (path,) = export_session(database, session_id, ExportFormat.FHIR, tmp_path).files
    data = json.loads(path.read_bytes())
    Bundle.model_validate(data)
    observations = _observations(data)
    by_metric = {metric: [o for o in observations if o["code"]["text"] == label]
                 for metric, label in ((SPO2, "Oxygen saturation"), (PULSE, "Pulse rate"),
                                       (SPCO, "Carboxyhaemoglobin (SpCO)"),
                                       (PVI, "Pleth variability index (Masimo)"))}
    for metric, found in by_metric.items():
        # 11 minutes at a 5-minute chart interval: 3 intervals, a value and a range each
        assert len([o for o in found if "note" not in o]) == 6, metric
    assert (METRIC_SYSTEM, PVI) in _codes(by_metric[PVI][0])
