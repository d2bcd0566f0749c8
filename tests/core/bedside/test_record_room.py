"""Headless ``record`` is the same room as the window: alarms, the dose plan, the life cycle."""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from sqlalchemy import func, select

from ketaconsole.cli import main
from ketaconsole.cli.acting_person import os_account
from ketaconsole.course.identity import register_patient
from ketaconsole.devices.sim_host import PtyDeviceHost
from ketaconsole.sim.virtual_patient import SCENARIOS, Excursion
from ketaconsole.store import open_database
from ketaconsole.store.models import ClinicSession, Patient
from ketaconsole.store.review import list_sessions, timeline
from tests.core.store.test_store_crash import Recording, oximeter  # noqa: F401  (a fixture)
from tests.core.store_support import record_url  # noqa: F401  (a fixture)
from tests.course_support import cleared_mrn
from tests.room_support import serve_simulators

DESATURATED_ON_A_PUMP = dataclasses.replace(
    SCENARIOS["normal"], infusion_start_s=0.0,
    excursions=(Excursion("spo2", 0.0, -13.0, ramp_s=1, hold_s=3600),))
"""SpO2 85 % from the start, the pump infusing 52.5 mL/h from the start."""


@pytest.fixture
def room_devices() -> Iterator[tuple[str, str]]:
    """An oximeter and a pump on ptys, following the desaturating patient."""
    with ExitStack() as stack:
        oximeter, pump = serve_simulators(stack, DESATURATED_ON_A_PUMP,
                                          ["masimo-ascii", "alaris-asena"])
        yield oximeter, pump


def test_headless_record_raises_the_consoles_own_alarms_and_checks_the_pump_against_the_plan(
        room_devices: tuple[str, str], tmp_path: Path) -> None:
    oximeter_port, pump_port = room_devices
    url = f"sqlite:///{tmp_path / 'record.sqlite3'}"
    env = {**os.environ, "KETACONSOLE_HOME": str(tmp_path), "KETACONSOLE_STATION": "bay-4"}
    # 0.5 mg/kg over 40 min at 0.667 mg/mL is 78.8 mL/h; the pump gives 52.5 mL/h
    done = subprocess.run(
        [sys.executable, "-m", "ketaconsole", "record", "--device",
         f"masimo-ascii={oximeter_port}", "--device", f"alaris-asena={pump_port}",
         "--mrn", cleared_mrn(url, "Ann Example"), "--weight", "70", "--dose", "0.5",
         "--over", "40",
         "--concentration", "0.667", "--minutes", "0.45", "--db", url],
        capture_output=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr.decode()
    session_id = int(done.stdout.decode().splitlines()[0])
    database = open_database(url)
    try:
        events = timeline(database, session_id)
        plans = [e for e in events if e.kind == "dose_plan"]
        assert plans and plans[0].payload["rate_ml_h"] == pytest.approx(78.711, abs=0.01)
        # the steps are the operating-system account's, through the command's door
        assert {e.author for e in events if e.kind in ("dose_plan", "session_end")} == {
            os_account()}
        started = {e.payload.get("alarm_id") for e in events
                   if e.kind == "alarm" and e.payload.get("kind") == "started"}
        assert any(str(a).startswith("pump-mismatch") for a in started), started
        assert any("spo2" in str(a).lower() for a in started), started
    finally:
        database.dispose()


def test_a_killed_recording_then_another_patient_gives_two_sessions_that_verify(
        oximeter: PtyDeviceHost, record_url: str, tmp_path: Path,  # noqa: F811
        capsys: pytest.CaptureFixture[str]) -> None:
    ann = Recording(oximeter.path, record_url, tmp_path, "bay-1", patient="Ann Example")
    time.sleep(2.0)
    ann.kill()
    bob = Recording(oximeter.path, record_url, tmp_path, "bay-1", patient="Bob Example")
    time.sleep(2.0)
    assert bob.stop(signal.SIGINT) == 0
    assert bob.session_id != ann.session_id
    database = open_database(record_url)
    try:
        patients = {s.id: s.patient for s in list_sessions(database)}
        assert patients == {ann.session_id: "Ann Example", bob.session_id: "Bob Example"}
        ann_kinds = [e.kind for e in timeline(database, ann.session_id, seals=False)]
        assert ann_kinds[-2:] == ["gap", "session_end"]
        assert "session_start" in ann_kinds
    finally:
        database.dispose()
    for session_id in (ann.session_id, bob.session_id):
        assert main(["verify", str(session_id), "--db", record_url]) == 0
    capsys.readouterr()


def test_a_second_console_with_the_same_station_name_refuses(
        oximeter: PtyDeviceHost, record_url: str, tmp_path: Path) -> None:  # noqa: F811
    first = Recording(oximeter.path, record_url, tmp_path, "bay-2")
    try:
        env = {**os.environ, "KETACONSOLE_HOME": str(tmp_path), "KETACONSOLE_STATION": "bay-2"}
        second = subprocess.run(
            [sys.executable, "-m", "ketaconsole", "record", "--device",
             f"masimo-ascii={oximeter.path}", "--mrn", cleared_mrn(record_url, "Bob Example"),
             "--minutes", "0.1", "--db", record_url], capture_output=True, env=env,
            timeout=60)
        assert second.returncode == 1
        lines = second.stderr.decode().strip().splitlines()
        assert len(lines) == 1 and "already running as station 'bay-2'" in lines[0]
        assert second.stdout == b""
    finally:
        assert first.stop(signal.SIGINT) == 0


def _one_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    return err[0]


def _sessions_and_patients(url: str) -> tuple[list[int | None], int]:
    database = open_database(url)
    try:
        with database.sessions() as session:
            owners = list(session.scalars(select(ClinicSession.patient_id)
                                          .order_by(ClinicSession.id)))
            rows = int(session.scalar(select(func.count()).select_from(Patient)) or 0)
        return owners, rows
    finally:
        database.dispose()


def test_record_runs_under_the_patients_one_record_and_never_makes_another(
        oximeter: PtyDeviceHost, record_url: str, tmp_path: Path,  # noqa: F811
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("KETACONSOLE_HOME", str(tmp_path))
    monkeypatch.setenv("KETACONSOLE_STATION", f"bay-{uuid.uuid4().hex[:6]}")
    mrn = cleared_mrn(record_url, "Ann Example")
    _, rows_before = _sessions_and_patients(record_url)
    for _ in range(2):
        assert main(["record", "--device", f"masimo-ascii={oximeter.path}", "--mrn", mrn,
                     "--weight", "70", "--minutes", "0.02", "--db", record_url]) == 0
    owners, rows_after = _sessions_and_patients(record_url)
    assert rows_after == rows_before  # the same person twice is still one patient row
    assert len(owners) == 2 and len(set(owners)) == 1 and owners[0] is not None
    database = open_database(record_url)
    try:
        second = max(s.id for s in list_sessions(database))
        clearance = [e for e in timeline(database, second) if e.kind == "course_clearance"]
        assert [(c.payload["mrn"], c.payload["prescriber"]) for c in clearance] == \
            [(mrn, "Dr Pia Prescriber")]
        assert {s.patient for s in list_sessions(database)} == {"Ann Example"}
    finally:
        database.dispose()
    capsys.readouterr()


@pytest.mark.parametrize(("extra", "code", "says"), [
    ((), 2, "say whose session it is: --mrn MRN"),
    (("--patient", "Ann Example"), 2, "say whose session it is: --mrn MRN"),
    (("--mrn", "MRN-0404"), 1, "There is no record for MRN MRN-0404; register the patient"),
    (("--mrn", "MRN-NEW"), 1, "Nia New has no eligibility assessment; a prescriber must"),
    (("--patient", "Someone Else", "--mrn", "MRN-NEW"), 1,
     "MRN MRN-NEW is Nia New's record, not Someone Else's"),
    (("--mrn", "MRN-ANNEXAMPLE", "--weight", "70", "--dose", "0.9", "--over", "40",
      "--concentration", "1"), 1,
     "0.9 mg/kg is outside the range the prescriber approved (0.4 to 0.75 mg/kg)"),
])
def test_record_refuses_a_patient_without_an_approved_course_as_check_in_does(
        extra: tuple[str, ...], code: int, says: str, oximeter: PtyDeviceHost,  # noqa: F811
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("KETACONSOLE_HOME", str(tmp_path))
    monkeypatch.setenv("KETACONSOLE_STATION", "bay-9")
    url = f"sqlite:///{tmp_path / 'record.sqlite3'}"
    cleared_mrn(url, "Ann Example")
    database = open_database(url)
    try:
        register_patient(database, "Nia New", mrn="MRN-NEW")
    finally:
        database.dispose()
    owners, rows = _sessions_and_patients(url)
    assert main(["record", "--device", f"masimo-ascii={oximeter.path}", "--minutes", "0.02",
                 "--db", url, *extra]) == code
    assert says in _one_line(capsys)
    assert _sessions_and_patients(url) == (owners, rows)  # no session, no patient made
