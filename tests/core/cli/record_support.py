"""Headless ``record`` run as a clinic runs it: a clinic's record and data folder, an
approved patient and a simulated oximeter on a pty, each command its own process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ketaconsole.sim.virtual_patient import SCENARIOS
from ketaconsole.store import open_database
from ketaconsole.store.review import list_sessions, timeline
from tests.course_support import cleared_mrn
from tests.room_support import serve_simulators

PATIENT = "Ann Example"
CHECKLIST = {"age_years": 44, "weight_kg": 70, "allergies": "none known",
             "current_medication": "sertraline 100 mg", "substance_use": "none",
             "psychosis_or_mania": False, "bp_history": "none", "solids_hours": 8,
             "clear_liquids_hours": 3, "consent_signed": True, "iv_site": "left antecubital",
             "escort_present": True, "pregnancy": "no"}
"""A checklist that can be signed: solid food 8 h ago, clear liquids 3 h ago."""
ADMIN, ADMIN_PIN = "ada", "318264"


@dataclass
class Clinic:
    """A clinic's record and data folder, an approved patient and a simulated oximeter."""

    home: Path
    url: str
    mrn: str
    port: str
    admin_added: bool = False

    def run(self, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "KETACONSOLE_HOME": str(self.home),
               "KETACONSOLE_STATION": "bay-7"}
        return subprocess.run([sys.executable, "-m", "ketaconsole", *args, "--db", self.url],
                              input=stdin, capture_output=True, text=True, env=env,
                              timeout=120)

    def set_setting(self, key: str, value: str) -> None:
        """The clinic's admin (added the first time) changes a setting, as at the desk."""
        if not self.admin_added:
            added = self.run("users", "add", "--name", ADMIN, "--display", "Ada Admin",
                             "--role", "admin", "--pin-stdin", stdin=f"{ADMIN_PIN}\n")
            assert added.returncode == 0, added.stderr
            self.admin_added = True
        changed = self.run("settings", "set", key, value, "--as", ADMIN, "--pin-stdin",
                           stdin=f"{ADMIN_PIN}\n")
        assert changed.returncode == 0, changed.stderr

    def record(self, *extra: str) -> subprocess.CompletedProcess[str]:
        return self.run("record", "--device", f"masimo-ascii={self.port}", "--mrn", self.mrn,
                        "--minutes", "0.05", *extra)

    def checklist(self, name: str, **changed: Any) -> str:
        path = self.home / f"{name}.json"
        path.write_text(json.dumps({**CHECKLIST, **changed}), encoding="utf-8")
        return str(path)

    def recorded(self, *extra: str) -> int:
        """Record a session (it must start): its number."""
        done = self.record(*extra)
        assert done.returncode == 0, done.stderr
        return int(done.stdout.splitlines()[0])

    def export(self, session_id: int, fmt: str) -> list[Path]:
        folder = self.home / f"export-{session_id}-{fmt}"
        folder.mkdir()
        done = self.run("export", str(session_id), "--format", fmt, "--out", str(folder))
        assert done.returncode == 0, done.stderr
        return sorted(folder.iterdir())

    def sessions(self) -> int:
        database = open_database(self.url)
        try:
            return len(list_sessions(database))
        finally:
            database.dispose()

    def events(self, session_id: int, kind: str) -> list[dict[str, Any]]:
        database = open_database(self.url)
        try:
            return [e.payload for e in timeline(database, session_id) if e.kind == kind]
        finally:
            database.dispose()


@pytest.fixture
def clinic(tmp_path: Path) -> Iterator[Clinic]:
    url = f"sqlite:///{tmp_path / 'record.sqlite3'}"
    with ExitStack() as stack:
        (port,) = serve_simulators(stack, SCENARIOS["normal"], ["masimo-ascii"])
        yield Clinic(tmp_path, url, cleared_mrn(url, PATIENT), port)


def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout


def one_line(text: str) -> str:
    lines = text.strip().splitlines()
    assert len(lines) == 1, lines
    return lines[0]
