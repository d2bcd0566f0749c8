"""A setting that lets the console command a pump (``control_enabled``) is a technician's.

``record --set control_enabled=true`` without ``--as`` is refused in one sentence before
a port opens or a session starts; a nurse is refused (and the refusal audited); a
technician's log-in allows it and the audit trail holds the setting's value before and
after. Real processes, a real pty served by the NE-1000's simulator, a real SQLite file.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest

from ketaconsole.security import Action, AuditLog, Role
from ketaconsole.sim.virtual_patient import SCENARIOS
from ketaconsole.store import open_database
from ketaconsole.store.review import list_sessions
from tests.core.security_support import NAMES, PINS, staffed_record
from tests.course_support import cleared_mrn
from tests.room_support import serve_simulators


@dataclass
class PumpRoom:
    home: Path
    url: str
    mrn: str
    port: str

    def record(self, *extra: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "KETACONSOLE_HOME": str(self.home),
               "KETACONSOLE_STATION": "bay-3"}
        return subprocess.run(
            [sys.executable, "-m", "ketaconsole", "record", "--device", f"ne1000={self.port}",
             "--set", "control_enabled=true", "--mrn", self.mrn, "--minutes", "0.03",
             "--db", self.url, *extra],
            input=stdin, capture_output=True, text=True, env=env, timeout=120)

    def audit_actions(self) -> list[tuple[str, str | None, dict[str, object] | None]]:
        database = open_database(self.url)
        try:
            return [(e.action, e.actor, e.detail) for e in AuditLog(database).entries()]
        finally:
            database.dispose()

    def sessions(self) -> int:
        database = open_database(self.url)
        try:
            return len(list_sessions(database))
        finally:
            database.dispose()


@pytest.fixture
def room(tmp_path: Path) -> Iterator[PumpRoom]:
    url = staffed_record(tmp_path)
    with ExitStack() as stack:
        (port,) = serve_simulators(stack, SCENARIOS["normal"], ["ne1000"])
        yield PumpRoom(tmp_path, url, cleared_mrn(url, "Ann Example"), port)


def test_pump_control_without_a_technician_is_refused_before_anything_starts(
        room: PumpRoom) -> None:
    before = room.audit_actions()
    done = room.record()
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "ketaconsole: --set control_enabled=true lets the console command ne1000; a "
        "technician must allow it in this command: add --as TECHNICIAN (PIN asked, or "
        "--pin-stdin)"]
    assert done.stdout == ""
    assert room.sessions() == 0 and room.audit_actions() == before


def test_a_nurse_may_not_allow_pump_control(room: PumpRoom) -> None:
    done = room.record("--as", NAMES[Role.NURSE], "--pin-stdin",
                       stdin=f"{PINS[Role.NURSE]}\n")
    assert done.returncode == 1
    assert done.stderr.strip() == ("ketaconsole: Nia Nurse (nurse) may not save a "
                                   "device profile; ask a technician to do it")
    assert room.sessions() == 0
    assert room.audit_actions()[-1][:2] == (Action.DENIED, NAMES[Role.NURSE])
    assert not any(a == Action.DEVICE_CONTROL_ALLOWED for a, _, _ in room.audit_actions())


def test_a_technicians_log_in_allows_pump_control_and_audits_before_and_after(
        room: PumpRoom) -> None:
    done = room.record("--as", NAMES[Role.TECHNICIAN], "--pin-stdin",
                       stdin=f"{PINS[Role.TECHNICIAN]}\n")
    assert done.returncode == 0, done.stderr
    assert f"allowed by {NAMES[Role.TECHNICIAN]} (audited)" in done.stderr
    (allowed,) = [(actor, detail) for action, actor, detail in room.audit_actions()
                  if action == Action.DEVICE_CONTROL_ALLOWED]
    assert allowed == (NAMES[Role.TECHNICIAN], {
        "via": "command line", "driver": "ne1000", "setting": "control_enabled",
        "before": False, "after": True, "command": "record"})
    assert room.sessions() == 1
    again = room.record()  # every command needs the technician again
    assert again.returncode == 2 and "a technician must allow it" in again.stderr
