"""A session recorded the clinic's way: its follow-up falls due, its course shows what it gave.

``record`` runs a real session against a simulated pump on a pty (the course cleared,
the plan confirmed, the pump infusing, the session ended); ``follow-up --due`` then runs
under ``faketime`` 2 and 26 hours later, as a clinic's check the next day would.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ketaconsole.store import open_database
from ketaconsole.store.review import session_state
from tests.course_support import cleared_mrn


def _recorded_infusion(pump_port: str, tmp_path: Path
                       ) -> tuple[str, dict[str, str], str, int]:
    """A session recorded by ``record`` for a cleared patient: (record URL, environment,
    MRN, session number). The plan's 35 mg is not all in when it stops."""
    url = f"sqlite:///{tmp_path / 'record.sqlite3'}"
    env = {**os.environ, "KETACONSOLE_HOME": str(tmp_path), "KETACONSOLE_STATION": "bay-9"}
    mrn = cleared_mrn(url, "Grace Hopper")
    done = subprocess.run(
        [sys.executable, "-m", "ketaconsole", "record", "--device", f"alaris-asena={pump_port}",
         "--mrn", mrn, "--weight", "70", "--height", "175", "--dose", "0.5", "--over", "40",
         "--concentration", "1", "--minutes", "0.15", "--db", url],
        capture_output=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr.decode()
    return url, env, mrn, int(done.stdout.decode().split()[0])


def _due(url: str, env: dict[str, str], shift: str) -> list[dict[str, object]]:
    done = subprocess.run(["faketime", "-f", shift, sys.executable, "-m", "ketaconsole",
                           "follow-up", "--due", "--json", "--db", url],
                          capture_output=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr.decode()
    return [json.loads(line) for line in done.stdout.decode().splitlines() if line.strip()]


@pytest.mark.skipif(shutil.which("faketime") is None,
                    reason="faketime is not installed ('./run test' installs it)")
def test_a_recorded_infusion_makes_its_24_hour_follow_up_due_the_next_day(
        pump_port: str, tmp_path: Path) -> None:
    url, env, mrn, session_id = _recorded_infusion(pump_port, tmp_path)
    database = open_database(url)
    try:
        state = session_state(database, session_id)
    finally:
        database.dispose()
    assert state.ended and state.plan is not None and state.infused
    assert _due(url, env, "+2h") == []
    due = _due(url, env, "+26h")
    assert [(d["name"], d["mrn"], d["follow_up"]) for d in due] == [
        ("Grace Hopper", mrn, "24h")]


def _administrations(bundle_file: Path) -> list[dict[str, object]]:
    bundle = json.loads(bundle_file.read_text())
    return [e["resource"] for e in bundle["entry"]
            if e["resource"]["resourceType"] == "MedicationAdministration"
            and "Ketamine" in e["resource"]["medicationCodeableConcept"]["text"]]


def test_the_course_gives_each_infusions_delivered_dose_as_the_sessions_own_export(
        pump_port: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ketaconsole.cli import main
    from ketaconsole.course.history import course_history
    from ketaconsole.export.record import load_record
    from ketaconsole.export.summary import dose_summary
    from tests.course_support import prescriber

    url, env, mrn, session_id = _recorded_infusion(pump_port, tmp_path)
    database = open_database(url)
    try:
        own = dose_summary(load_record(database, session_id)).delivered
        person = prescriber(database)
        lines = course_history(database, 1)
    finally:
        database.dispose()
    assert own is not None and 0 < own.delivered_mg < 35.0  # stopped short of the plan
    assert [line.delivered_mg for line in lines] == [own.delivered_mg]
    assert lines[0].planned_mg == pytest.approx(35.0)
    session_out, course_out = tmp_path / "session", tmp_path / "course"
    session_out.mkdir()
    course_out.mkdir()
    monkeypatch.setenv("KETACONSOLE_HOME", str(tmp_path))
    assert main(["export", str(session_id), "--format", "fhir", "--out", str(session_out),
                 "--db", url]) == 0
    pin = subprocess.run([sys.executable, "-m", "ketaconsole", "course", mrn, "--format",
                          "fhir", "--out", str(course_out), "--as", person.username,
                          "--pin-stdin", "--db", url], input=b"609318\n",
                         capture_output=True, env=env, timeout=120)
    assert pin.returncode == 0, pin.stderr.decode()
    (session_given,) = _administrations(next(session_out.glob("*.json")))
    (course_given,) = _administrations(next(course_out.glob("*.json")))
    assert session_given["dosage"]["dose"] == course_given["dosage"]["dose"]  # type: ignore[index]
    assert course_given["dosage"]["dose"]["value"] == round(own.delivered_mg, 2)  # type: ignore[index]
    # the session ended with the plan's dose not in: the infusion stopped, in both
    assert session_given["status"] == course_given["status"] == "stopped"
