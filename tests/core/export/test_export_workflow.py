"""A session recorded through the session workflow exports with its steps in place.

At a bedside without a pump (on a story clock): check-in answers, baseline vitals, the
confirmed dose plan, the infusion's start, pause, resume and stop as the nurse recorded
them, the discharge criteria and the sign-off all reach the PDF and the FHIR bundle.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from ketaconsole.demo.story_infusions import story_bedside
from ketaconsole.export.record import load_record
from ketaconsole.export.service import ExportFormat, export_session
from ketaconsole.export.summary import dose_summary
from ketaconsole.session.checkin import CheckIn
from ketaconsole.store import open_database
from tests.course_support import approved_patient
from tests.plan_support import ketamine_plan

START = 1_800_000_000.0
INTERNAL_WORDS = ("session_start", "session_end", "check_in", "dose_plan", "infusion_",
                  "baseline_set", "audio_paused", "pump_state", "device_identity", "mm[Hg]",
                  "kind=", "discharge_criteria", "Alarm started:")
"""Kinds, keys and codes of the record that no clinician should read on a PDF."""
NURSE = "nurse.kim"


def test_workflow_steps_reach_the_pdf_and_the_fhir_bundle(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'record.sqlite3'}"
    database = open_database(url)
    approved_patient(database, "Ada Lovelace", "MRN-1815", assessed_at=START - 86400.0)
    with story_bedside(url, nurse=NURSE, station="workflow-export", start=START,
                       pump=None) as bedside:
        flow = bedside.workflow

        def at(minutes: float) -> None:
            bedside.at(START + minutes * 60)

        flow.check_in(CheckIn("Ada Lovelace", 36, 70.0, "none known", "sertraline 50 mg",
                              "none", False, "none", 6.0, 3.0, True, "left antecubital", True,
                              mrn="MRN-1815", pregnancy="no"))
        session_id = flow.service_id()
        flow.confirm_baseline({"MDC_PRESS_BLD_NONINV_SYS": 124.0})
        flow.confirm_plan(ketamine_plan(70.0, 0.5, 40.0, 1.0))
        at(5)
        flow.infusion_action("start")
        at(20)
        flow.infusion_action("pause", reason="BP 182/104")
        at(25)
        flow.infusion_action("resume", reason="BP settled")
        at(50)
        flow.infusion_action("stop")
        at(120)
        flow.begin_discharge()
        flow.record_discharge("Aldrete", {"activity": 2, "respiration": 2, "circulation": 2,
                                          "consciousness": 2, "spo2": 2})
        flow.sign_off("Kim Nurse")
        assert flow.end_session()

    record = load_record(database, session_id)
    assert record.dose_plan == ketamine_plan(70.0, 0.5, 40.0, 1.0)
    dose = dose_summary(record)
    assert dose.infusion_started_at == START + 5 * 60
    assert dose.running_s == 40 * 60

    (pdf,) = export_session(database, session_id, ExportFormat.PDF, tmp_path).files
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    for expected in ("Allergies", "none known", "Consent signed", "left antecubital",
                     "Baseline blood pressure, systolic", "124 mmHg",
                     "0.5 mg/kg over 40 min", "35.0 mg", "40 min 00 s",
                     "Infusion paused: BP 182/104", "Infusion resumed: BP settled",
                     "Aldrete: score 10 (criteria met)", "Kim Nurse", "discharge sign-off"):
        assert expected in text, expected
    for internal in INTERNAL_WORDS:
        assert internal not in text, internal

    (bundle_file,) = export_session(database, session_id, ExportFormat.FHIR,
                                    tmp_path).files
    bundle = json.loads(bundle_file.read_text(encoding="utf-8"))
    ketamine = next(e["resource"] for e in bundle["entry"]
                    if e["resource"]["resourceType"] == "MedicationAdministration")
    assert ketamine["effectivePeriod"] == {"start": "2027-01-15T08:05:00.000Z",
                                           "end": "2027-01-15T08:50:00.000Z"}
    database.dispose()
