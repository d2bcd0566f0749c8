"""Hostile and careless input: one sentence, a non-zero exit, and nothing created or written.

Every case here printed a Python traceback, or was accepted and did harm, before the
numbers were checked in one place (``ketaconsole.numbers``) and the database URL, the
port URL and the journal were checked before use.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import update

from ketaconsole.cli import main
from ketaconsole.devices.transport import Direction
from ketaconsole.security import AuditLog
from ketaconsole.security.users import UserError, add_first_admin
from ketaconsole.session.checkin import CheckIn
from ketaconsole.store import SessionPlan, SessionService, open_database
from ketaconsole.store.models import JournalChunk, Patient
from tests.core.export_support import record_session


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "home"
    monkeypatch.setenv("KETACONSOLE_HOME", str(folder))
    monkeypatch.delenv("KETACONSOLE_DB", raising=False)
    monkeypatch.chdir(tmp_path)
    return folder


def run(args: list[str]) -> int:
    """The exit code of the command, whether it returned or argparse exited."""
    try:
        return main(args)
    except SystemExit as exit_:
        return int(exit_.code or 0)


def one_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1, err
    return lines[0]


@pytest.mark.parametrize(("args", "code", "says"), [
    (["sessions", "--db", "notaurl"], 1, "takes a database URL such as sqlite:///"),
    (["sessions", "--db", ":::"], 1, "takes a database URL such as sqlite:///"),
    (["sessions", "--db", "mysql://u@127.0.0.1/x"], 1,
     "records into SQLite or PostgreSQL (through psycopg), not 'mysql'"),
    (["sessions", "--db", "sqlite://"], 1, "an in-memory SQLite database would be lost"),
    (["probe", "masimo-ascii", "loop://", "--seconds", "nan"], 2,
     "--seconds: must be a number more than 0 and at most 86,400 seconds, not 'nan'"),
    (["probe", "masimo-ascii", "loop://", "--seconds", "1e400"], 2,
     "--seconds: must be a number more than 0 and at most 86,400 seconds, not '1e400'"),
    (["probe", "masimo-ascii", "loop://", "--baud", "99999999999"], 2,
     "--baud: must be a whole number from 50 to 4,000,000 baud"),
    (["simulate", "masimo-ascii", "--speed", "inf"], 2, "--speed: must be a number more than 0"),
    (["simulate", "masimo-ascii", "--speed", "nan"], 2, "--speed: must be a number more than 0"),
    (["record", "--device", "masimo-ascii=loop://", "--minutes", "inf"], 2,
     "--minutes: must be a number more than 0 and at most 1,440 minutes"),
    (["record", "--device", "masimo-ascii=loop://", "--minutes", "nan"], 2,
     "--minutes: must be a number more than 0"),
    (["record", "--device", "masimo-ascii=loop://", "--device", "masimo-ascii=loop://"], 2,
     "port loop:// is given to two --device options"),
    (["verify", "99999999999999999999999"], 2, "SESSION must be a session number such as 12"),
    (["export", "1", "--format", "hl7", "--mllp-timeout", "nan"], 2,
     "--mllp-timeout: must be a number more than 0 and at most 600 seconds"),
    (["probe", "masimo-ascii", "socket://127.0.0.1:99999"], 1,
     "port socket://127.0.0.1:99999 has no usable TCP port (must be a whole number from 1 "
     "to 65,535, not '99999')"),
    (["probe", "bbraun-bcc", "loop://", "--set", "poll_s=nan"], 2,
     "setting poll_s must be a number from 1 to 60, not 'nan'"),
    (["--demo", "--speed", "nan"], 2, "--speed: must be a number more than 0"),
])
def test_hostile_argument_is_one_sentence_and_creates_nothing(
        args: list[str], code: int, says: str, home: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    assert run(args) == code
    assert says in one_line(capsys)
    # No record was opened or created, and no file written anywhere.
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_export_with_a_bad_acknowledgement_wait_writes_no_file(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'record.sqlite3'}"
    database = open_database(url)
    session_id = record_session(database).session_id
    database.dispose()
    out = tmp_path / "out"
    out.mkdir()
    assert run(["export", str(session_id), "--format", "hl7", "--out", str(out),
                 "--mllp", "127.0.0.1:2575", "--mllp-timeout", "nan", "--db", url]) == 2
    assert "--mllp-timeout" in one_line(capsys)
    assert list(out.iterdir()) == []


def test_replay_of_an_altered_journal_chunk_is_one_sentence(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'record.sqlite3'}"
    database = open_database(url)
    service = SessionService.begin(database, SessionPlan("Ann Example"), [], station="r1")
    service.recorder.journal("ox", Direction.RECEIVED, time.time(), b"SPO2=098%\r\n")
    assert service.close()
    with database.sessions() as session, session.begin():
        session.execute(update(JournalChunk).values(data=b"not zlib at all"))
    database.dispose()
    assert main(["replay", str(service.session_id), "--db", url]) == 1
    line = one_line(capsys)
    assert f"session {service.session_id}'s raw-byte journal was altered or damaged" in line


def test_probe_into_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    env = {**os.environ, "KETACONSOLE_HOME": str(tmp_path / "home")}
    simulator = subprocess.Popen([sys.executable, "-m", "ketaconsole", "simulate",
                                  "masimo-ascii", "--speed", "60"], env=env, text=True,
                                 stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        assert simulator.stdout is not None
        port = simulator.stdout.readline().strip()
        probe = subprocess.run(
            f"{sys.executable} -m ketaconsole probe masimo-ascii {port} --seconds 20 "
            "| head -3", shell=True, env=env, capture_output=True, text=True, timeout=60)
    finally:
        simulator.send_signal(signal.SIGTERM)
        simulator.wait(timeout=10)
    assert len(probe.stdout.splitlines()) == 3
    assert probe.stderr == ""


# -- names: one line of visible text, no longer than the record keeps -------------------------

@pytest.mark.parametrize(("name", "says"), [
    ("", "the patient's name is blank"),
    ("   ", "the patient's name is blank"),
    ("Eve\r\nsession 99  Mallory", "contains a line break, tab, control or text-direction"),
    ("Eve \u202eevillaM", "contains a line break, tab, control or text-direction"),
    ("x" * 4000, "the patient's name has 4,000 characters; the record keeps at most 200"),
])
def test_an_unusable_patient_name_is_refused_before_the_session_opens(
        name: str, says: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["record", "--device", "masimo-ascii=loop://", "--patient", name]) == 2
    assert says in one_line(capsys)
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_a_name_stored_with_a_line_break_is_listed_escaped_on_one_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'record.sqlite3'}"
    database = open_database(url)
    service = SessionService.begin(database, SessionPlan("Eve Example"), [], station="r1")
    assert service.close()
    with database.sessions() as session, session.begin():  # as an older version stored it
        session.execute(update(Patient).values(name="Eve\r\n     2  forged\u202eline"))
    database.dispose()
    capsys.readouterr()
    assert main(["sessions", "--db", url]) == 0
    rows = capsys.readouterr().out.splitlines()
    assert len(rows) == 2
    assert rows[1].endswith("Eve\\r\\n     2  forged\\u202eline")


def test_a_user_name_with_a_line_break_is_refused(tmp_path: Path) -> None:
    database = open_database(f"sqlite:///{tmp_path / 'record.sqlite3'}")
    audit = AuditLog(database)
    with pytest.raises(UserError, match="the user's name contains a line break"):
        add_first_admin(database, audit, username="ada", display_name="Ada\nAdmin",
                        pin="318264")
    with pytest.raises(UserError, match="one word of 1 to 100 visible characters"):
        add_first_admin(database, audit, username="ada\x1b[2J", display_name="Ada",
                        pin="318264")
    database.dispose()


def test_check_in_names_what_is_wrong_with_the_patient_name() -> None:
    fields = {f.name: None for f in dataclasses.fields(CheckIn)}
    for name, says in (("", "blank"), ("A\nB", "line break"), ("y" * 201, "201 characters")):
        problems = CheckIn(**{**fields, "patient_name": name}).problems()
        assert says in problems["patient_name"]
    assert "patient_name" not in CheckIn(**{**fields, "patient_name": "Ann Example"}).problems()
