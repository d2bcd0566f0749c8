"""Headless ``record`` checks the order as the window's plan page does: the clinic's drug
library (hard limits refused before anything starts, soft limits accepted by a named
clinician), the prescriber's approved ranges, and the dosing weight the clinic's rule gives."""

from __future__ import annotations

import json
import subprocess
import uuid
from dataclasses import replace
from pathlib import Path

import pytest

from ketaconsole.cli import main
from ketaconsole.cli.acting_person import os_account
from ketaconsole.devices.sim_host import PtyDeviceHost
from ketaconsole.export.service import ExportFormat, export_session
from ketaconsole.medication.clinic_library import clinic_library
from ketaconsole.medication.library import with_value
from ketaconsole.security import AuditLog, Guard, Role
from ketaconsole.security.admin import change_drug_library
from ketaconsole.security.users import find_user
from ketaconsole.store import open_database
from ketaconsole.store.review import session_state, timeline
from tests.core.bedside.test_record_room import _one_line, _sessions_and_patients
from tests.core.security_support import NAMES, staff
from tests.core.store.test_store_crash import oximeter  # noqa: F401  (a fixture)
from tests.course_support import CLEAR, approved_patient, mrn_of

ANN = mrn_of("Ann Example")
APPROVAL = replace(CLEAR, infusion_min_minutes=30.0, infusion_max_minutes=60.0,
                   max_total_mg=60.0)
"""Ann's course: 0.4 to 0.75 mg/kg over 30 to 60 minutes, at most 60 mg an infusion."""


@pytest.fixture
def clinic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A clinic's record with its staff and Ann, whose course Dr Pia Prescriber approved."""
    monkeypatch.setenv("KETACONSOLE_HOME", str(tmp_path))
    monkeypatch.setenv("KETACONSOLE_STATION", f"bay-{uuid.uuid4().hex[:6]}")
    url = f"sqlite:///{tmp_path / 'record.sqlite3'}"
    database = open_database(url)
    try:
        staff(database, AuditLog(database))
        approved_patient(database, "Ann Example", ANN, form=APPROVAL)
    finally:
        database.dispose()
    return url


def _record(port: str, url: str, *order: str) -> int:
    """``ketaconsole record`` for Ann with this order; its exit code (a usage error too)."""
    try:
        return main(["record", "--device", f"masimo-ascii={port}", "--mrn", ANN, "--minutes",
                     "0.02", "--db", url, *order])
    except SystemExit as exc:
        return int(exc.code or 0)


PLAN = ("--weight", "70", "--height", "175")


@pytest.mark.parametrize(("order", "code", "says"), [
    (("--weight", "12", "--dose", "0.5", "--over", "1", "--concentration", "100"), 2,
     "argument --weight: must be a number from 30 to 350 kg, not '12'"),
    ((*PLAN, "--dose", "0.5", "--over", "1", "--concentration", "100"), 1,
     "Concentration 100 mg/mL is above the clinic's limit of 10 mg/mL after dilution; an "
     "undiluted vial is not for a pump infusion, so dilute it and enter the concentration in "
     "the bag or syringe"),
    ((*PLAN, "--dose", "1.5", "--over", "40", "--concentration", "1"), 1,
     "Dose 1.5 mg/kg is above the clinic's hard limit of 1.0 mg/kg; check the order with the "
     "prescriber"),
    ((*PLAN, "--dose", "0.5", "--over", "1", "--concentration", "1"), 1,
     "Infusion time 1 min is below the clinic's hard limit of 20 min; check the order with "
     "the prescriber"),
    ((*PLAN, "--dose", "0.5", "--over", "90", "--concentration", "1"), 1,
     "Infusion time 90 min is outside the 30 to 60 min the prescriber approved; ask the "
     "prescriber to reassess the course"),
    (("--weight", "130", "--height", "210", "--dose", "0.5", "--over", "40",
      "--concentration", "1"), 1,
     "Total dose 65 mg is above the 60 mg the prescriber approved; ask the prescriber to "
     "reassess the course"),
    (("--weight", "350", "--dose", "0.5", "--over", "40", "--concentration", "1"), 1,
     "Enter the patient's height in cm: the clinic doses on ideal body weight above BMI 30, "
     "so the plan needs the BMI"),
    ((*PLAN, "--dose", "0.5", "--over", "30", "--concentration", "1"), 1,
     "Infusion time 30 min is below the clinic's usual minimum of 40 min; a named clinician "
     "must accept it: give --limit-clinician NAME and --limit-reason TEXT"),
])
def test_record_refuses_an_order_outside_the_limits_before_anything_starts(
        order: tuple[str, ...], code: int, says: str, clinic: str,
        oximeter: PtyDeviceHost,  # noqa: F811
        capsys: pytest.CaptureFixture[str]) -> None:
    before = _sessions_and_patients(clinic)
    assert _record(oximeter.path, clinic, *order) == code
    line = _one_line(capsys)
    assert says in line, line
    assert capsys.readouterr().out == ""  # no session number: none was opened
    assert _sessions_and_patients(clinic) == before


def test_an_order_past_a_soft_limit_runs_with_the_clinicians_reason_on_the_record_and_pdf(
        clinic: str, oximeter: PtyDeviceHost,  # noqa: F811
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _record(oximeter.path, clinic, *PLAN, "--dose", "0.5", "--over", "30",
                   "--concentration", "1", "--limit-clinician", "Dr Pia Prescriber",
                   "--limit-reason", "nausea at 40 minutes last time; agreed with the patient"
                   ) == 0
    session_id = int(capsys.readouterr().out.splitlines()[0])
    database = open_database(clinic)
    try:
        events = timeline(database, session_id)
        kinds = [e.kind for e in events]
        accepted = next(e for e in events if e.kind == "dose_limits_accepted")
        assert kinds.index("dose_limits_accepted") + 1 == kinds.index("dose_plan")
        assert accepted.author == os_account()
        assert accepted.payload["clinician"] == "Dr Pia Prescriber"
        assert accepted.payload["limits"] == [{"quantity": "infusion_minutes", "value": 30.0,
                                               "limit": 40.0, "above": False}]
        state = session_state(database, session_id)
        assert state.limits_accepted is not None and state.plan is not None
        assert state.drug_library == "ketamine library default v1"
        (pdf,) = export_session(database, session_id, ExportFormat.PDF, tmp_path).files
    finally:
        database.dispose()
    text = " ".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True,
                                   text=True, check=True).stdout.split())
    for expected in ("Past the usual limits",
                     "Infusion time 30 min is below the clinic's usual minimum of 40 min; "
                     "accepted by Dr Pia Prescriber: nausea at 40 minutes last time; agreed "
                     "with the patient",
                     "Weight used", "70 kg: actual body weight: BMI 22.9 is not above the "
                     "clinic's 30", "Drug library", "the default ketamine library, version 1",
                     "over 30 to 60 min, at most 60 mg"):
        assert expected in text, (expected, text)


def test_a_heavy_patient_is_dosed_on_ideal_weight_and_the_record_says_which_and_why(
        clinic: str, oximeter: PtyDeviceHost,  # noqa: F811
        capsys: pytest.CaptureFixture[str]) -> None:
    assert _record(oximeter.path, clinic, "--weight", "120", "--height", "170", "--dose",
                   "0.5", "--over", "40", "--concentration", "1") == 0
    out, err = capsys.readouterr()
    assert "approved by Dr Pia Prescriber: 0.4 to 0.75 mg/kg, over 30 to 60 min, at most " \
           "60 mg" in err
    database = open_database(clinic)
    try:
        plan = session_state(database, int(out.splitlines()[0])).plan
    finally:
        database.dispose()
    assert plan is not None and plan.dosing is not None
    assert (plan.weight_kg, plan.dosing.actual_kg, plan.dosing.basis.value) == (
        63.8, 120.0, "ideal")
    assert plan.dose_mg == pytest.approx(31.9)


def test_the_admins_change_to_the_library_holds_for_the_next_order(
        clinic: str, oximeter: PtyDeviceHost,  # noqa: F811
        capsys: pytest.CaptureFixture[str]) -> None:
    database = open_database(clinic)
    try:
        audit = AuditLog(database)
        admin = find_user(database, NAMES[Role.ADMIN])
        assert admin is not None and admin.role is Role.ADMIN
        change_drug_library(Guard(audit), admin, with_value(
            clinic_library(database), "infusion_minutes.hard_min", "35"))
    finally:
        database.dispose()
    assert _record(oximeter.path, clinic, *PLAN, "--dose", "0.5", "--over", "30",
                   "--concentration", "1", "--limit-clinician", "Dr Pia Prescriber",
                   "--limit-reason", "as last time") == 1
    assert "Infusion time 30 min is below the clinic's hard limit of 35 min" in \
        _one_line(capsys)


def test_a_checklists_weight_and_height_are_the_ones_the_order_is_dosed_on(
        clinic: str, oximeter: PtyDeviceHost,  # noqa: F811
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    checklist = tmp_path / "checklist.json"
    checklist.write_text(json.dumps({
        "age_years": 44, "weight_kg": 120, "height_cm": 170, "allergies": "none known",
        "current_medication": "none", "substance_use": "none", "psychosis_or_mania": False,
        "bp_history": "none", "solids_hours": 9, "clear_liquids_hours": 3,
        "consent_signed": True, "iv_site": "left antecubital", "escort_present": True,
        "pregnancy": "no"}),
        encoding="utf-8")
    assert _record(oximeter.path, clinic, "--patient", "Ann Example", "--checklist",
                   str(checklist), "--dose", "0.5", "--over", "40", "--concentration",
                   "1") == 0
    session_id = int(capsys.readouterr().out.splitlines()[0])
    database = open_database(clinic)
    try:
        state = session_state(database, session_id)
    finally:
        database.dispose()
    assert state.check_in is not None and state.check_in["height_cm"] == 170
    assert state.plan is not None and state.plan.weight_kg == 63.8
    assert _record(oximeter.path, clinic, "--patient", "Ann Example", "--checklist",
                   str(checklist), "--height", "180", "--dose", "0.5", "--over", "40",
                   "--concentration", "1") == 2
    assert "the checklist says height_cm 170 and --height says 180; give the height once" \
        in _one_line(capsys)
