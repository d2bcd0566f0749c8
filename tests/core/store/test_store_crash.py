"""Crash recovery: ``ketaconsole record`` killed with SIGKILL resumes the same session."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlalchemy import select as sql_select

from ketaconsole.cli import main
from ketaconsole.devices.registry import DriverRegistry, built_ins_only
from ketaconsole.devices.sim_host import PtyDeviceHost
from ketaconsole.sim.virtual_patient import VirtualPatient, scenario
from ketaconsole.store import Database, open_database
from ketaconsole.store.models import ClinicSession, NumericValue
from ketaconsole.store.recovery import last_committed_write
from ketaconsole.store.review import timeline
from tests.core.store_support import wait_until
from tests.course_support import cleared_mrn


@pytest.fixture
def oximeter() -> Iterator[PtyDeviceHost]:
    driver = DriverRegistry.discover(allowed=built_ins_only).get("masimo-ascii")
    assert driver.create_simulator is not None
    patient = VirtualPatient(scenario("normal"), start=time.time())
    with PtyDeviceHost(driver.create_simulator(patient, {"model": "rad8"})) as host:
        yield host


class Recording:
    """A ``ketaconsole record`` process and the session number it printed.

    The patient is registered and their course approved first, as record requires.
    """

    def __init__(self, port: str, url: str, home: Path, station: str, *,
                 patient: str = "Ann Example", extra: tuple[str, ...] = (),
                 device: str = "masimo-ascii") -> None:
        env = {**os.environ, "KETACONSOLE_HOME": str(home), "KETACONSOLE_STATION": station}
        self.mrn = cleared_mrn(url, patient)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "ketaconsole", "record", "--device",
             f"{device}={port}", "--mrn", self.mrn, "--patient", patient, "--weight", "70",
             "--minutes", "10", "--db", url, *extra],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        self.session_id = int(self._first_line(timeout=60))

    def _first_line(self, timeout: float) -> str:
        assert self.process.stdout is not None
        ready, _, _ = select.select([self.process.stdout], [], [], timeout)
        if not ready:
            self.process.kill()
            raise AssertionError("record printed no session number")
        line = self.process.stdout.readline().decode().strip()
        if not line:
            _, err = self.process.communicate(timeout=10)
            raise AssertionError(f"record failed: {err.decode()}")
        return line

    def stop(self, sig: int) -> int:
        self.process.send_signal(sig)
        return self.process.wait(timeout=30)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


def numeric_keys(database: Database, session_id: int) -> list[tuple[str, str, float]]:
    with database.sessions() as session:
        rows = session.execute(
            sql_select(NumericValue.device_id, NumericValue.metric, NumericValue.received_at)
            .where(NumericValue.session_id == session_id)).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def test_a_killed_recording_resumes_its_session_with_a_gap(
        record_url: str, oximeter: PtyDeviceHost, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    station = f"crash-{uuid.uuid4().hex[:8]}"
    database = open_database(record_url)
    first = Recording(oximeter.path, record_url, tmp_path, station)
    try:
        wait_until(lambda: len(numeric_keys(database, first.session_id)) >= 9, timeout=30,
                   what="three oximeter lines recorded")
        first.process.send_signal(signal.SIGKILL)
        first.process.wait(timeout=10)
        killed_at = time.time()
    finally:
        first.kill()
    before = timeline(database, first.session_id)
    numerics_before = numeric_keys(database, first.session_id)
    outage_start = last_committed_write(database, first.session_id)
    shown = timeline(database, first.session_id, seals=False)
    assert [e.kind for e in shown][:2] == ["session_start", "link"]
    assert "session_end" not in [e.kind for e in before]

    second = Recording(oximeter.path, record_url, tmp_path, station)
    try:
        assert second.session_id == first.session_id
        wait_until(lambda: len(numeric_keys(database, first.session_id))
                   >= len(numerics_before) + 6, timeout=30, what="recording to carry on")
        assert second.stop(signal.SIGTERM) == 0
    finally:
        second.kill()

    after = timeline(database, first.session_id)
    assert after[:len(before)] == before  # nothing committed before the kill was lost
    gap = after[len(before)]
    assert gap.kind == "gap"
    assert gap.payload["from"] == outage_start
    assert killed_at <= gap.payload["to"] == gap.at
    assert timeline(database, first.session_id, seals=False)[-1].kind == "session_end"
    numerics_after = numeric_keys(database, first.session_id)
    assert set(numerics_before) <= set(numerics_after)
    assert len(numerics_after) == len(set(numerics_after))  # nothing recorded twice
    with database.sessions() as session:
        sessions = session.execute(sql_select(ClinicSession).where(
            ClinicSession.station == station)).scalars().all()
        assert [s.id for s in sessions] == [first.session_id]
        assert sessions[0].ended_at is not None
        assert session.execute(sql_select(func.count()).select_from(ClinicSession)).scalar() == 1
    database.dispose()
    assert main(["verify", str(first.session_id), "--db", record_url]) == 0
    assert "chain intact" in capsys.readouterr().out
