"""A killed headless ``record`` resumes where its record stands: plan, phase, infusion, alarms.

The record is the session: the resumed ``record`` folds the session's events, so it
checks the pump against the plan it recorded (given again or not), its phase follows the
pump, and the pump-vs-plan alarm that was sounding is active again, never ended.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from ketaconsole.cli import main
from ketaconsole.overview.reader import read_status
from ketaconsole.store import open_database
from ketaconsole.store.review import session_state, timeline
from tests.core.store.test_store_crash import Recording
from tests.core.store_support import wait_until

PLAN = ("--weight", "70", "--dose", "0.75", "--over", "40", "--concentration", "1")
"""52.5 mg over 40 min at 1 mg/mL is 78.75 mL/h; the simulated pump runs at 52.5 mL/h."""


def _mismatch_started(url: str, session_id: int) -> bool:
    time.sleep(0.5)
    database = open_database(url)
    try:
        return any(e.kind == "alarm" and e.payload.get("kind") == "started"
                   and str(e.payload.get("alarm_id", "")).startswith("pump-mismatch")
                   for e in timeline(database, session_id))
    finally:
        database.dispose()


def _record(port: str, url: str, home: Path, station: str, *extra: str) -> Recording:
    return Recording(port, url, home, station, device="alaris-asena", extra=extra)


def test_a_killed_record_resumed_without_the_plan_checks_the_pump_against_the_recorded_plan(
        pump_port: str, record_url: str, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    station = f"resume-{uuid.uuid4().hex[:8]}"
    first = _record(pump_port, record_url, tmp_path, station, *PLAN)
    try:
        wait_until(lambda: _mismatch_started(record_url, first.session_id), timeout=60,
                   what="the pump-vs-plan alarm")
        first.process.send_signal(signal.SIGKILL)
        first.process.wait(timeout=10)
    finally:
        first.kill()
    database = open_database(record_url)
    try:
        before = session_state(database, first.session_id)
        assert before.plan is not None and before.plan.rate_ml_h == pytest.approx(78.75)
        assert before.phase.value == "Infusion"  # the pump's start moved the phase
        started_at = before.infusion.started_at
        assert started_at is not None
        killed_seq = timeline(database, first.session_id)[-1].seq
    finally:
        database.dispose()

    second = _record(pump_port, record_url, tmp_path, station)  # no plan options
    try:
        assert second.session_id == first.session_id
        resumed = time.time()

        def checked_for_a_while() -> bool:
            time.sleep(0.5)
            database = open_database(record_url)
            try:
                status = read_status(database, station)
            finally:
                database.dispose()
            return status is not None and status.published_at >= resumed + 15

        wait_until(checked_for_a_while, timeout=60, what="fifteen seconds of resumed status")
        database = open_database(record_url)
        try:
            status = read_status(database, station)
        finally:
            database.dispose()
        assert status is not None
        assert status.phase == "Infusion"
        assert status.infusion_started_at == started_at  # the recorded clock, not a new one
        assert status.pump is not None and status.pump.planned_mg == pytest.approx(52.5)
        assert any(a.alarm_id.startswith("pump-mismatch") for a in status.alarms), status
        assert second.stop(signal.SIGTERM) == 0
    finally:
        second.kill()

    database = open_database(record_url)
    try:
        after = [e for e in timeline(database, first.session_id) if e.seq > killed_seq]
        ends = [e for e in after if e.kind == "session_end"]
        assert ends
        while_resumed = [e for e in after if e.seq < ends[0].seq]
        ended = [e for e in while_resumed if e.kind == "alarm"
                 and e.payload.get("kind") == "ended"
                 and str(e.payload.get("alarm_id", "")).startswith("pump-mismatch")]
        assert ended == []  # the pump still disagreed: the alarm never ended
        assert after[0].kind == "gap"
        assert not [e for e in after if e.kind == "dose_plan"]  # one plan, as recorded
    finally:
        database.dispose()
    assert main(["verify", str(first.session_id), "--db", record_url]) == 0
    capsys.readouterr()


def test_a_resumed_record_refuses_a_plan_other_than_the_recorded_one(
        pump_port: str, record_url: str, tmp_path: Path) -> None:
    station = f"resume-{uuid.uuid4().hex[:8]}"
    first = _record(pump_port, record_url, tmp_path, station, *PLAN)
    first.process.send_signal(signal.SIGKILL)
    first.process.wait(timeout=10)
    env = {**os.environ, "KETACONSOLE_HOME": str(tmp_path), "KETACONSOLE_STATION": station}
    other = subprocess.run(
        [sys.executable, "-m", "ketaconsole", "record", "--device",
         f"alaris-asena={pump_port}", "--mrn", first.mrn, "--weight", "70", "--dose", "0.5",
         "--over", "40", "--concentration", "1", "--minutes", "0.1", "--db", record_url],
        capture_output=True, env=env, timeout=60)
    assert other.returncode != 0
    lines = other.stderr.decode().strip().splitlines()
    assert len(lines) == 1, lines
    assert "resumed with its recorded plan (0.75 mg/kg over 40 min at 1 mg/mL)" in lines[0]
    assert other.stdout == b""
