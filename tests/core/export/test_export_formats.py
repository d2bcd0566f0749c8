"""Each export format, written from a recorded session and read back by an independent parser.

PDF text through poppler's pdftotext, FHIR through the fhir.resources R4B models
(the installed fhir.resources 8 ships R5 as default and R4B as its R4-line package),
HL7 through the ``hl7`` package, .vital through VitalDB's own ``vitaldb`` reader,
CSV through the standard csv module.
"""

from __future__ import annotations

import csv
import json
import math
import subprocess
from collections.abc import Iterator
from pathlib import Path

import hl7
import numpy as np
import pytest
import vitaldb
from fhir.resources.R4B.bundle import Bundle

from ketaconsole.dose import reconcile
from ketaconsole.export.csv_export import _field
from ketaconsole.export.hl7_export import escape, observation_id
from ketaconsole.export.pdf_export import Paper
from ketaconsole.export.record import load_record
from ketaconsole.export.service import ExportFormat, ExportOptions, export_session
from ketaconsole.store import Database, open_database
from ketaconsole.store.review import timeline
from tests.core.export_support import (
    INVALID_SPO2_FROM,
    MINUTES,
    PLAN,
    T0,
    Recorded,
    record_session,
)


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Database, Recorded]]:
    folder = tmp_path_factory.mktemp("record")
    database = open_database(f"sqlite:///{folder / 'record.sqlite3'}")
    yield database, record_session(database)
    database.dispose()


def export(recorded: tuple[Database, Recorded], fmt: ExportFormat, folder: Path,
           **options: object) -> list[Path]:
    database, session = recorded
    result = export_session(database, session.session_id, fmt, folder,
                            ExportOptions(author="records.clerk", **options))  # type: ignore[arg-type]
    return result.files


def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout


def test_pdf_holds_every_section_of_the_discharge_record(
        recorded: tuple[Database, Recorded], tmp_path: Path) -> None:
    (path,) = export(recorded, ExportFormat.PDF, tmp_path, clinic="Riverside Ketamine Clinic")
    text = pdf_text(path)
    for expected in ("Riverside Ketamine Clinic", "Alex Example", "70 kg", "2026-09-21",
                     "1, room-test-Alex Example", "Kim Nurse (nurse)",
                     "Pre-assessment", "Hours since solid food", "Escort present",
                     "Baseline blood pressure, systolic", "PHQ-9 17 (moderately severe)",
                     "Dose plan and dose delivered", "0.5 mg/kg over 20 min", "35.0 mg",
                     "Rate changes", "78.8 mL/h", "the pump",
                     "Vitals trend", "Vitals at each check", "Timeline",
                     "Medium-priority alarm raised: NIBP sys 172 mmHg",
                     "Medium-priority alarm acknowledged: Blood pressure high by nurse.kim",
                     "Medium-priority alarm raised: pump-1: The pump disagrees with the dose",
                     "Rescue medication: Ondansetron 4 mg IV", "Scales", "MOAA/S", "CADSS-6",
                     "Adverse events", "Nausea", "resolved", "Discharge criteria",
                     "Aldrete: score 10 (criteria met)", "Signatures",
                     "discharge sign-off", "final record", "ketaconsole-integrity"):
        assert expected in text, expected
    pages = text.count("\f")
    assert pages >= 2
    assert f"Page 1 of {pages}" in text and f"Page {pages} of {pages}" in text


def test_pdf_dose_delivered_is_the_pumps_volume_through_the_dose_plan(
        recorded: tuple[Database, Recorded], tmp_path: Path) -> None:
    database, session = recorded
    record = load_record(database, session.session_id)
    volume = record.series["MDC_VOL_FLUID_DELIV_TOTAL"]
    delivered = reconcile(PLAN, float(volume.values[-1]), None)
    (path,) = export(recorded, ExportFormat.PDF, tmp_path)
    text = pdf_text(path)
    assert (f"{delivered.delivered_mg:.1f} mg = {delivered.delivered_mg_per_kg:.3f} mg/kg"
            in text)
    assert "Infusion time              20 min 00 s" in " ".join(text.split("\n")) or \
        "20 min 00 s" in text


def test_pdf_paper_setting_gives_a4_or_letter_pages(
        recorded: tuple[Database, Recorded], tmp_path: Path) -> None:
    sizes = {}
    for paper in Paper:
        folder = tmp_path / paper.value
        folder.mkdir()
        (path,) = export(recorded, ExportFormat.PDF, folder, paper=paper)
        info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True,
                              check=True).stdout
        sizes[paper] = next(line for line in info.splitlines() if line.startswith("Page size"))
    assert "595.276 x 841.89" in sizes[Paper.A4]
    assert "612 x 792" in sizes[Paper.LETTER]


def test_csv_is_one_row_per_observation_with_invalid_values_left_empty(
        recorded: tuple[Database, Recorded], tmp_path: Path) -> None:
    _, session = recorded
    observations, events = export(recorded, ExportFormat.CSV, tmp_path)
    with observations.open(newline="", encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    assert list(rows[0]) == ["time", "device", "metric", "value", "unit"]
    assert len(rows) == session.numerics
    spo2 = [r for r in rows if r["metric"] == "MDC_PULS_OXIM_SAT_O2"]
    assert sum(1 for r in spo2 if r["value"] == "") == session.invalid_numerics
    first_invalid = spo2[INVALID_SPO2_FROM]
    assert first_invalid["value"] == "" and first_invalid["unit"] == "%"
    assert spo2[0]["time"] == "2026-09-21T14:13:30.000Z"
    assert float(spo2[0]["value"]) == pytest.approx(97.0)
    assert {r["device"] for r in rows} == {"monitor-1", "pump-1"}
    with events.open(newline="", encoding="utf-8") as stream:
        timeline_rows = list(csv.DictReader(stream))
    assert list(timeline_rows[0]) == ["seq", "time", "kind", "author", "payload", "hash",
                                      "record", "check_in"]
    rescue = next(r for r in timeline_rows if r["kind"] == "rescue_medication")
    assert json.loads(rescue["payload"])["drug"] == "Ondansetron"
    assert len(rescue["hash"]) == 64 and rescue["record"] == "final"
    assert rescue["check_in"] == "checked"


@pytest.mark.parametrize("text", ["plain", "monitor,bed 3", 'say "hi"', "two\nlines"])
def test_csv_fields_are_quoted_as_the_csv_module_reads_them(text: str, tmp_path: Path) -> None:
    path = tmp_path / "one.csv"
    path.write_text(f"{_field(text)},after\r\n", encoding="utf-8", newline="")
    with path.open(newline="", encoding="utf-8") as stream:
        assert next(csv.reader(stream)) == [text, "after"]


def test_fhir_bundle_parses_as_r4_with_vital_signs_and_medication_codes(
        recorded: tuple[Database, Recorded], tmp_path: Path) -> None:
    (path,) = export(recorded, ExportFormat.FHIR, tmp_path)
    data = json.loads(path.read_text(encoding="utf-8"))
    bundle = Bundle.model_validate(data)
    assert bundle.type == "collection"
    kinds = [entry.resource.__resource_type__ for entry in bundle.entry]
    assert {"Patient", "Encounter", "Device", "Observation",
            "MedicationAdministration"} <= set(kinds)
    assert kinds.count("Device") == 2
    resources = [e["resource"] for e in data["entry"]]
    panels = [r for r in resources if r["resourceType"] == "Observation"
              and r["code"].get("coding", [{}])[0].get("code") == "85354-9"]
    assert len(panels) == MINUTES * 60 // 300
    components = panels[0]["component"]
    assert [c["code"]["coding"][0]["code"] for c in components] == ["8480-6", "8462-4"]
    assert {"system": "urn:iso:std:iso:11073:10101", "code": "150021",
            "display": "MDC_PRESS_BLD_NONINV_SYS"} in components[0]["code"]["coding"]
    assert components[0]["valueQuantity"]["system"] == "http://unitsofmeasure.org"
    assert components[0]["valueQuantity"]["code"] == "mm[Hg]"
    assert panels[0]["category"][0]["coding"][0]["code"] == "vital-signs"
    spo2 = next(r for r in resources if r["resourceType"] == "Observation"
                and any(c["code"] == "59408-5" for c in r["code"].get("coding", [])))
    assert {c["code"] for c in spo2["code"]["coding"]} >= {"59408-5", "2708-6", "150456"}
    medications = [r for r in resources if r["resourceType"] == "MedicationAdministration"]
    ketamine = next(m for m in medications if "Ketamine" in m["medicationCodeableConcept"]["text"])
    assert ketamine["dosage"]["route"]["coding"][0]["code"] == "47625008"
    assert ketamine["dosage"]["rateQuantity"]["value"] == pytest.approx(PLAN.rate_ml_h)
    assert ketamine["effectivePeriod"]["start"] == "2026-09-21T14:14:30.000Z"
    assert ketamine["effectivePeriod"]["end"] == "2026-09-21T14:34:30.000Z"
    rescue = next(m for m in medications if m["medicationCodeableConcept"]["text"]
                  == "Ondansetron")
    assert rescue["dosage"]["dose"] == {"value": 4.0, "unit": "mg",
                                        "system": "http://unitsofmeasure.org", "code": "mg"}
    scales = [r for r in resources if r["resourceType"] == "Observation"
              and r["code"].get("text") in ("MOAA/S", "CADSS-6")]
    assert [s.get("valueInteger") for s in scales] == [4, 9]
    references = {e["fullUrl"] for e in data["entry"]}
    for resource in resources:
        for key in ("subject", "encounter", "device", "context"):
            if key in resource:
                assert resource[key]["reference"] in references


def test_hl7_parses_as_pcd01_oru_with_one_obx_per_valid_value(
        recorded: tuple[Database, Recorded], tmp_path: Path) -> None:
    _, session = recorded
    (path,) = export(recorded, ExportFormat.HL7, tmp_path)
    parsed = hl7.parse_file(path.read_bytes().decode("utf-8"))
    messages = [message for batch in parsed for message in batch]
    assert len(messages) == MINUTES
    first = messages[0]
    msh = first.segment("MSH")
    assert str(msh[9]) == "ORU^R01^ORU_R01"
    assert str(msh[12]) == "2.6"
    assert str(msh[21]) == "IHE_PCD_001^IHE PCD^1.3.6.1.4.1.19376.1.6.1.1.1^ISO"
    assert str(first.segment("PID")[5]) == "Example^Alex"
    assert str(first.segment("OBR")[4]) == "182777000^monitoring of patient^SCT"
    obx = [segment for message in messages for segment in message.segments("OBX")]
    assert len(obx) == session.numerics - session.invalid_numerics
    spo2 = next(s for s in obx if str(s[3]) == "150456^MDC_PULS_OXIM_SAT_O2^MDC")
    assert str(spo2[2]) == "NM"
    assert float(str(spo2[5])) == pytest.approx(97.0)
    assert str(spo2[6]) == "%^^UCUM"
    assert str(spo2[11]) == "F"
    assert str(spo2[14]) == "20260921141330.000+0000"
    assert str(spo2[18]) == "monitor-1"
    assert all(str(s[3]).split("^")[0] for s in obx)  # every OBX-3 has its MDC code
    pump = next(s for s in obx if str(s[3]) == "157784^MDC_FLOW_FLUID_PUMP^MDC")
    assert str(pump[6]) == "mL/h^^UCUM" and str(pump[18]) == "pump-1"


@pytest.mark.parametrize(("refid", "obx3"), [
    ("MDC_PULS_OXIM_SAT_O2", "150456^MDC_PULS_OXIM_SAT_O2^MDC"),
    ("MDC_CONC_HB_CO_GEN", "160128^MDC_CONC_HB_CO_GEN^MDC"),
    ("MDC_PULS_OXIM_PERF_REL", "150448^MDC_PULS_OXIM_PERF_REL^MDC"),
    ("MDC_AWAY_CO2_ET", "151728^MDC_AWAY_CO2_ET^MDC"),
    ("MDC_TEMP_BODY", "150364^MDC_TEMP_BODY^MDC"),
    ("MASIMO_PVI", "^MASIMO_PVI^99KC"),
])
def test_hl7_observation_ids_never_label_a_makers_own_quantity_as_mdc(
        refid: str, obx3: str) -> None:
    assert observation_id(refid) == obx3


@pytest.mark.parametrize("text", ["O'Brien^Pat", "A|B", "x&y~z", "back\\slash"])
def test_hl7_free_text_is_escaped_and_reads_back_unchanged(text: str) -> None:
    message = hl7.parse(f"MSH|^~\\&|A\rPID|||1||{escape(text)}\r")
    field = message.segment("PID")(5)
    assert len(field) == 1 and isinstance(field[0], str)
    assert message.unescape(str(field)) == text


def test_vital_file_opens_in_vitaldb_with_numerics_pleth_and_events(
        recorded: tuple[Database, Recorded], tmp_path: Path) -> None:
    _, session = recorded
    (path,) = export(recorded, ExportFormat.VITAL, tmp_path)
    vital = vitaldb.VitalFile(str(path))
    names = vital.get_track_names()
    for name in ("monitor-1/PLETH_SPO2", "monitor-1/HR", "monitor-1/NIBP_SBP",
                 "pump-1/RATE", "monitor-1/PLETH", "EVENT"):
        assert name in names
    spo2 = vital.trks["monitor-1/PLETH_SPO2"]
    assert len(spo2.recs) == MINUTES * 60 - session.invalid_numerics
    assert spo2.unit == "%"
    assert spo2.recs[0]["dt"] == pytest.approx(T0 + 10)
    assert spo2.recs[0]["val"] == pytest.approx(97.0)
    pleth = vital.trks["monitor-1/PLETH"]
    assert pleth.type == 1 and pleth.srate == 125
    assert sum(len(r["val"]) for r in pleth.recs) == session.pleth_samples
    samples = np.concatenate([r["val"] for r in pleth.recs])
    assert np.nanmax(samples) == pytest.approx(1.0, abs=1e-3)
    assert pleth.recs[0]["dt"] == pytest.approx(T0 + 10 - 124 / 125, abs=0.01)
    texts = [r["val"] for r in vital.trks["EVENT"].recs]
    assert "Rescue medication: Ondansetron 4 mg IV" in texts
    assert any(t.startswith("Medium-priority alarm raised: NIBP sys 172 mmHg") for t in texts)
    assert not math.isnan(vital.dtstart) and vital.dtstart == pytest.approx(T0)


def test_every_export_is_recorded_on_the_timeline_with_its_integrity_stamp(
        recorded: tuple[Database, Recorded], tmp_path: Path) -> None:
    database, session = recorded
    before = len(timeline(database, session.session_id))
    result = export_session(database, session.session_id, ExportFormat.CSV, tmp_path,
                            ExportOptions(author="records.clerk"))
    events = timeline(database, session.session_id)
    assert len(events) == before + 1
    event = events[-1]
    assert event == result.event
    assert event.kind == "export" and event.author == "records.clerk"
    assert event.payload["format"] == "csv"
    assert event.payload["files"] == [p.name for p in result.files]
    assert event.payload["head_seq"] == before
    assert event.payload["head"] == events[-2].hash
