"""The demo stays out of the clinic's record: its own database, whatever KETACONSOLE_DB says.

A clinic's record (a user, a patient) named by ``KETACONSOLE_DB`` gets no demo user,
patient or session from the demo; named with ``--db`` it is refused in one sentence
before anything is written. The demo's users keep their published PINs in the demo's
own database only.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from ketaconsole.bedside.security import DEMO_USERS
from ketaconsole.demo.own_record import DEMO_USERNAMES, demo_record_refusal
from ketaconsole.demo.room import open_demo_record
from ketaconsole.security import AuditLog
from ketaconsole.security.users import authenticate, list_users
from ketaconsole.settings import demo_database_url
from ketaconsole.sim.virtual_patient import SCENARIOS
from ketaconsole.store import Database, open_database
from ketaconsole.store.models import ClinicSession, Patient, User
from tests.core.security_support import staff


def counts(database: Database) -> tuple[int, int, int]:
    with database.sessions() as session:
        return tuple(session.scalar(select(func.count()).select_from(table)) or 0
                     for table in (User, Patient, ClinicSession))  # type: ignore[return-value]


@pytest.fixture
def clinic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Database:
    """A clinic's record with its staff and one patient, named by KETACONSOLE_DB."""
    url = f"sqlite:///{tmp_path / 'clinic.sqlite3'}"
    monkeypatch.setenv("KETACONSOLE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("KETACONSOLE_DB", url)
    database = open_database(url)
    staff(database, AuditLog(database))
    with database.sessions() as session, session.begin():
        session.add(Patient(name="Ann Lee", external_id="A1", created_at=1.0))
    yield database
    database.dispose()


def test_the_demo_records_into_its_own_file_whatever_ketaconsole_db_says(
        clinic: Database, tmp_path: Path) -> None:
    before = counts(clinic)
    opened = open_demo_record(demo_database_url(), SCENARIOS["normal"], station="demo-1")
    try:
        assert opened.database is not None and opened.problem is None
        assert opened.database.url == f"sqlite:///{tmp_path / 'home' / 'demo.sqlite3'}"
        assert {u.username for u in list_users(opened.database)} == set(DEMO_USERNAMES)
        assert counts(opened.database)[1:] == (1, 5)  # the demo patient, five past sessions
    finally:
        opened.close()
    assert counts(clinic) == before
    assert not any(u.username in DEMO_USERNAMES for u in list_users(clinic))


def test_pointed_at_a_clinic_record_the_demo_refuses_and_writes_nothing(
        clinic: Database) -> None:
    before = counts(clinic)
    opened = open_demo_record(clinic.url, SCENARIOS["normal"], station="demo-1")
    assert opened.database is None
    assert opened.problem == (
        f"not recording: the demo records only into its own database, and {clinic.url} "
        "holds a clinic's record; leave --db out (or give --db demo) to run the demo")
    assert counts(clinic) == before


def test_even_an_empty_clinic_record_is_not_the_demos(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'new-clinic.sqlite3'}"
    monkeypatch.setenv("KETACONSOLE_DB", url)
    database = open_database(url)
    try:
        assert demo_record_refusal(database, url) is not None
        assert demo_record_refusal(database, None) is None  # another empty file: the demo's
    finally:
        database.dispose()


def test_the_demo_window_refuses_a_clinic_record_in_one_sentence(clinic: Database,
                                                                  tmp_path: Path) -> None:
    before = counts(clinic)
    done = subprocess.run([sys.executable, "-m", "ketaconsole", "--demo", "--db", clinic.url,
                           "--quit-after", "3"], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        f"ketaconsole: the demo records only into its own database, and {clinic.url} holds "
        "a clinic's record; leave --db out (or give --db demo) to run the demo"]
    assert counts(clinic) == before


def test_the_demo_users_log_in_with_their_published_pins_only_in_the_demos_record(
        clinic: Database) -> None:
    opened = open_demo_record(demo_database_url(), SCENARIOS["normal"], station="demo-1")
    try:
        assert opened.database is not None
        audit = AuditLog(opened.database)
        for username, _, _, pin in DEMO_USERS:
            assert authenticate(opened.database, audit, username, pin).username == username
    finally:
        opened.close()
    assert {name for name, *_ in DEMO_USERS} == set(DEMO_USERNAMES)
