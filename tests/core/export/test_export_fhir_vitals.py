"""FHIR carries the session's vital signs: charted values, extremes, alarm values, all metrics.

The session is recorded at a bedside on a story clock: an oximeter's readings reach the
room's engine once a second, and the alarm system raises the SpO2 alarm when the
saturation stays at 89% for 12 seconds.
"""

from __future__ import annotations

import json
from pathlib import Path

from fhir.resources.R4B.bundle import Bundle

from ketaconsole.demo.story_infusions import story_bedside
from ketaconsole.export.fhir_vitals import METRIC_SYSTEM, STATISTIC_SYSTEM
from ketaconsole.export.service import ExportFormat, export_session
from ketaconsole.observations import Numeric
from ketaconsole.session.checkin import CheckIn
from ketaconsole.store import Database
from tests.course_support import approved_patient

T0 = 1_790_000_000.0
SPO2 = "MDC_PULS_OXIM_SAT_O2"
PULSE = "MDC_PULS_OXIM_PULS_RATE"
SPCO = "MDC_CONC_HB_CO_GEN"
PVI = "MASIMO_PVI"
PI = "MDC_PULS_OXIM_PERF_REL"
ETCO2 = "MDC_AWAY_CO2_ET"
TEMP = "MDC_TEMP_BODY"
MDC = "urn:iso:std:iso:11073:10101"


ANN = CheckIn("Ann Example", 44, 70.0, "none known", "none", "none", False, "none", 6.0, 3.0, True,
              "left forearm", True, mrn="MRN-ANNEXAMPLE", pregnancy="no")
DIP = range(20, 32)
"""The seconds SpO2 reads 89%: past the 10 s the medium-priority limit (below 94%) waits."""


def _record_a_minute(database: Database, minutes: int = 1) -> int:
    approved_patient(database, ANN.patient_name, ANN.mrn, assessed_at=T0 - 86400.0)
    with story_bedside(database.url, nurse="nurse.kim", station="room-1", start=T0,
                       pump=None) as bedside:
        flow = bedside.workflow
        flow.check_in(ANN)
        session_id = flow.service_id()
        for second in range(minutes * 60):
            at = T0 + 1 + second
            spo2 = 89.0 if second in DIP else 95.0 + second % 4
            bedside.at(at, [Numeric("oximeter", SPO2, spo2, "%", at),
                            Numeric("oximeter", PULSE, 70.0 + second % 9, "/min", at),
                            Numeric("oximeter", SPCO, 1.5, "%", at),
                            Numeric("oximeter", PVI, 12.0, "%", at),
                            Numeric("oximeter", PI, 2.5, "%", at),
                            Numeric("monitor", ETCO2, 38.0, "mm[Hg]", at),
                            Numeric("monitor", TEMP, 36.8, "Cel", at)])
        assert flow.end_session(reason="monitoring only")
    return session_id


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
            for c in extremes["component"]] == [(STATISTIC_SYSTEM, "minimum", 89.0),
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


def test_every_standard_metric_carries_its_mdc_code_and_vital_signs_their_profile(
        database: Database, tmp_path: Path) -> None:
    session_id = _record_a_minute(database)
    (path,) = export_session(database, session_id, ExportFormat.FHIR, tmp_path).files
    data = json.loads(path.read_bytes())
    Bundle.model_validate(data)
    observations = _observations(data)
    for label, code in (("End-tidal CO\u2082", "151728"), ("Perfusion index", "150448"),
                        ("Body temperature", "150364"), ("Oxygen saturation", "150456"),
                        ("Pulse rate", "149530")):
        found = [o for o in observations if o["code"]["text"] == label]
        assert found and all((MDC, code) in _codes(o) for o in found), label
    charted = [o for o in observations if "valueQuantity" in o]
    profiles = {o["code"]["text"]: o.get("meta", {}).get("profile") for o in charted}
    base = "http://hl7.org/fhir/StructureDefinition/"
    assert profiles["Oxygen saturation"] == [base + "oxygensat"]
    assert profiles["Pulse rate"] == [base + "heartrate"]
    assert profiles["Body temperature"] == [base + "bodytemp"]
    assert profiles["End-tidal CO\u2082"] is None  # no vital-signs profile for EtCO2
    assert profiles["Perfusion index"] is None
    weight = next(o for o in charted if o["code"]["text"] == "Body weight")
    assert weight["meta"]["profile"] == [base + "bodyweight"]
    patient = next(e["resource"] for e in data["entry"]
                   if e["resource"]["resourceType"] == "Patient")
    assert patient["name"][0] == {"text": "Ann Example", "family": "Example",
                                       "given": ["Ann"]}
