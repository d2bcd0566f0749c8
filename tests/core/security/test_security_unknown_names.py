"""A user name cannot be confirmed by timing: an unknown name does a real one's work.

The dummy hash is fixed and stored (same argon2 cost as every PIN hash), so the first
attempt of a process pays for no extra hash; an unknown name's attempt commits a write
as a counted one does. Measured in fresh processes on a real SQLite file.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import argon2

from ketaconsole.security import AuditLog
from ketaconsole.security.pins import _HASHER, DUMMY_HASH, pin_matches
from ketaconsole.store import open_database
from tests.core.security_support import staff

FIRST_ATTEMPT = """
import sys, time
from ketaconsole.security import AuditLog
from ketaconsole.security.users import LoginRefused, authenticate
from ketaconsole.store import open_database
database = open_database(sys.argv[1])
audit = AuditLog(database)
audit.entries()  # the connection warm, as both names find it
started = time.perf_counter()
try:
    authenticate(database, audit, sys.argv[2], "907531")
except LoginRefused:
    pass
print(time.perf_counter() - started)
"""


def test_the_dummy_hash_costs_what_a_pin_hash_costs() -> None:
    assert argon2.extract_parameters(DUMMY_HASH) == _HASHER._parameters
    assert pin_matches(None, "907531") is False
    assert pin_matches(DUMMY_HASH, "907531") is False


def _first_attempt(record: Path, tmp_path: Path, name: str, run: int) -> float:
    copy = tmp_path / f"{name}-{run}"
    copy.mkdir()
    shutil.copy(record, copy / "record.sqlite3")
    env = {**os.environ, "KETACONSOLE_HOME": str(copy)}
    done = subprocess.run([sys.executable, "-c", FIRST_ATTEMPT,
                           f"sqlite:///{copy / 'record.sqlite3'}", name],
                          capture_output=True, text=True, env=env, timeout=60, check=True)
    return float(done.stdout.strip().splitlines()[-1])


def test_an_unknown_names_first_attempt_takes_as_long_as_a_real_ones(tmp_path: Path) -> None:
    record = tmp_path / "record.sqlite3"
    database = open_database(f"sqlite:///{record}")
    try:
        staff(database, AuditLog(database))
    finally:
        database.dispose()
    real, unknown = [], []
    for run in range(7):  # each in a fresh process, on a fresh copy (no lock-out builds up)
        real.append(_first_attempt(record, tmp_path, "ada", run))
        unknown.append(_first_attempt(record, tmp_path, f"nobody{run}", run))
    fastest_real, fastest_unknown = min(real), min(unknown)
    assert 0.75 < fastest_unknown / fastest_real < 1.33, (real, unknown)
