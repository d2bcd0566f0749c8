"""Headless ``record --treatment esketamine``: an esketamine nasal session with no pump and
no mg/kg plan, its dose one the clinic allows (refused in one sentence before any port is
opened), a pump device refused in one sentence; the kind and the order are on the
timeline. Each command runs as its own process against a simulated oximeter on a pty."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from ketaconsole.session.state import fold
from ketaconsole.store import open_database
from ketaconsole.store.review import timeline
from tests.core.cli.record_support import Clinic, one_line


def test_an_esketamine_session_is_recorded_with_its_dose_and_lot_and_no_pump_plan(
        clinic: Clinic) -> None:
    done = clinic.record("--treatment", "esketamine", "--dose-mg", "56", "--lot", "L2291A")
    assert done.returncode == 0, done.stderr
    session_id = int(done.stdout.splitlines()[0])
    assert "esketamine nasal 56 mg" in done.stderr
    assert clinic.events(session_id, "treatment") == [{"treatment": "esketamine"}]
    (order,) = clinic.events(session_id, "esketamine_plan")
    assert (order["dose_mg"], order["lot"], order["allowed_mg"]) == (56, "L2291A", [56, 84])
    assert clinic.events(session_id, "dose_plan") == []
    database = open_database(clinic.url)
    try:
        state = fold(timeline(database, session_id))
    finally:
        database.dispose()
    assert state.nasal.esketamine and state.nasal.dose_mg == 56 and state.plan is None


def test_a_dose_the_clinic_does_not_allow_is_refused_before_any_port_is_opened(
        clinic: Clinic) -> None:
    clinic.set_setting("esketamine-84-mg", "0")
    missing = str(clinic.home / "no-such-port")
    refused = clinic.run("record", "--device", f"masimo-ascii={missing}", "--mrn", clinic.mrn,
                         "--treatment", "esketamine", "--dose-mg", "84", "--minutes", "0.05")
    assert refused.returncode == 1
    assert one_line(refused.stderr) == ("ketaconsole: An esketamine dose of 84 mg is not "
                                        "allowed here; give 56 mg")
    assert not os.path.exists(missing) and clinic.sessions() == 0
    odd = clinic.record("--treatment", "esketamine", "--dose-mg", "70")
    assert odd.returncode == 1 and "70 mg is not allowed here" in one_line(odd.stderr)
    assert clinic.sessions() == 0


def test_a_pump_with_an_esketamine_session_is_refused_in_one_sentence(clinic: Clinic,
                                                                       pump_port: str) -> None:
    refused = clinic.record("--treatment", "esketamine", "--dose-mg", "56", "--device",
                            f"alaris-asena={pump_port}")
    assert refused.returncode == 2
    assert one_line(refused.stderr) == ("ketaconsole: an esketamine session has no pump: "
                                        "leave out the --device alaris-asena")
    assert clinic.sessions() == 0


def test_esketamine_options_that_do_not_fit_are_usage_errors(clinic: Clinic) -> None:
    cases = {
        ("--treatment", "esketamine"): "an esketamine session needs its dose: add --dose-mg "
                                       "56 or 84",
        ("--dose-mg", "56"): "--dose-mg and --lot go with --treatment esketamine",
        ("--treatment", "esketamine", "--dose-mg", "56", "--dose", "0.5", "--over", "40",
         "--concentration", "1", "--weight", "70"):
            "an esketamine session has no pump plan: leave out --dose, --over and "
            "--concentration, and give --dose-mg 56 or 84"}
    for options, sentence in cases.items():
        refused = clinic.record(*options)
        assert refused.returncode == 2, options
        assert one_line(refused.stderr) == f"ketaconsole: {sentence}", options
    assert clinic.sessions() == 0


def _due(clinic: Clinic, shift: str) -> list[dict[str, object]]:
    env = {**os.environ, "KETACONSOLE_HOME": str(clinic.home)}
    done = subprocess.run(["faketime", "-f", shift, sys.executable, "-m", "ketaconsole",
                           "sessions", "--rems-due", "--json", "--db", clinic.url],
                          capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines() if line.strip()]


@pytest.mark.skipif(shutil.which("faketime") is None,
                    reason="faketime is not installed ('./run test' installs it)")
def test_a_recorded_esketamine_session_waits_for_its_rems_form_and_is_overdue_after_a_week(
        clinic: Clinic) -> None:
    session_id = clinic.recorded("--treatment", "esketamine", "--dose-mg", "84")
    (waiting,) = _due(clinic, "+2h")
    assert (waiting["session"], waiting["overdue"]) == (session_id, False)
    (late,) = _due(clinic, "+8d")
    assert late["overdue"] is True
    listed = clinic.run("sessions", "--rems-due")
    assert listed.returncode == 0 and f"{session_id:>7}" in listed.stdout

    js, pdf = clinic.export(session_id, "rems")  # sorted by name
    form = json.loads(js.read_text(encoding="utf-8"))
    assert form["dose_mg"] == 84 and form["lot"] is None
    # headless, no nurse recorded the devices: what the form cannot say is named
    assert {"lot number", "first device", "ready-to-leave time"} <= set(form["missing"])
    assert "BP before the first device (not taken)" in form["missing"]
    assert pdf.name.endswith("-rems.pdf")
    verified = clinic.run("verify", str(session_id), "--export", str(js))
    assert verified.returncode == 0, verified.stderr
    assert _due(clinic, "+8d") == []
