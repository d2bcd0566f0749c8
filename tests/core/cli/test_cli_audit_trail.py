"""Record commands on the audit trail: who ran them, and a role check with ``--as``.

Without ``--as`` a command acts for the operating-system account (``os:NAME``); with it,
for a console user after their PIN, with the same role check as at the bedside. Either
way the listing, export, check or replay is on the audit trail before its output.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from ketaconsole.cli import main
from ketaconsole.cli.acting_person import os_account
from ketaconsole.security import AuditLog, AuditRecord, Role
from ketaconsole.store import Database, open_database
from ketaconsole.store.review import timeline
from tests.core.export_support import Recorded, record_session
from tests.core.security_support import NAMES, PINS, staff


@pytest.fixture
def clinic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
           ) -> Iterator[tuple[Database, Recorded, str]]:
    monkeypatch.setenv("KETACONSOLE_HOME", str(tmp_path / "home"))
    url = f"sqlite:///{tmp_path / 'record.sqlite3'}"
    database = open_database(url)
    staff(database, AuditLog(database))
    session = record_session(database)
    yield database, session, url
    database.dispose()


def run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str,
        pin: str | None = None) -> tuple[int, str, str]:
    if pin is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(pin + "\n"))
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def newest(database: Database, count: int = 1) -> list[AuditRecord]:
    return AuditLog(database).entries()[-count:]


COMMANDS = {
    "sessions": (("sessions",), "records_listed", "all sessions"),
    "export": (("export", "1", "--format", "csv"), "export", "session 1"),
    "verify": (("verify", "1"), "record_verified", "session 1"),
    "replay": (("replay", "1"), "record_opened", "session 1"),
    "audit": (("audit",), "audit_reviewed", "audit trail"),
    "audit --verify": (("audit", "--verify"), "audit_verified", "audit trail"),
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_without_a_log_in_each_record_command_is_audited_under_the_os_account(
        clinic: tuple[Database, Recorded, str], command: str, tmp_path: Path,
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    database, _, url = clinic
    args, action, target = COMMANDS[command]
    monkeypatch.chdir(tmp_path)
    before = len(AuditLog(database).entries())
    code, _, err = run(capsys, monkeypatch, *args, "--db", url)
    assert (code, err) == (0, "")
    entries = AuditLog(database).entries()
    assert len(entries) == before + 1
    (entry,) = entries[before:]
    assert (entry.action, entry.actor, entry.target) == (action, os_account(), target)
    assert entry.detail["via"] == "command line"


def test_an_export_as_a_nurse_names_her_on_the_audit_trail_and_the_timeline(
        clinic: tuple[Database, Recorded, str], tmp_path: Path,
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    database, session, url = clinic
    nurse = NAMES[Role.NURSE]
    code, out, err = run(capsys, monkeypatch, "export", "1", "--format", "csv", "--out",
                         str(tmp_path), "--db", url, "--as", nurse, "--pin-stdin",
                         pin=PINS[Role.NURSE])
    assert (code, err) == (0, ""), err
    assert out.startswith("session 1: csv final record written to")
    login, export = newest(database, 2)
    assert (login.action, login.actor, login.target) == ("login", nurse, "command line")
    assert (export.action, export.actor, export.target) == ("export", nurse, "session 1")
    assert export.detail["files"] == ["session-1-observations.csv", "session-1-timeline.csv"]
    assert timeline(database, session.session_id)[-1].author == nurse


def test_a_technician_may_not_list_patients_and_the_refusal_is_audited(
        clinic: tuple[Database, Recorded, str], capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    database, _, url = clinic
    technician = NAMES[Role.TECHNICIAN]
    code, out, err = run(capsys, monkeypatch, "sessions", "--db", url, "--as", technician,
                         "--pin-stdin", pin=PINS[Role.TECHNICIAN])
    assert code == 1 and out == ""
    assert err.splitlines() == ["ketaconsole: Tom Technician (technician) may not open a "
                                "patient's record; ask a nurse or a prescriber to do it"]
    login, denied = newest(database, 2)
    assert (login.action, login.actor) == ("login", technician)
    assert (denied.action, denied.actor, denied.target) == ("denied", technician,
                                                            "all sessions")


def test_a_wrong_pin_shows_nothing_and_is_audited(
        clinic: tuple[Database, Recorded, str], capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    database, _, url = clinic
    nurse = NAMES[Role.NURSE]
    code, out, err = run(capsys, monkeypatch, "sessions", "--db", url, "--as", nurse,
                         "--pin-stdin", pin="9999")
    assert code == 1 and out == ""
    assert len(err.splitlines()) == 1 and "PIN" in err
    (failed,) = newest(database)
    assert (failed.action, failed.target) == ("login_failed", "command line")
    assert not any(e.action == "records_listed" for e in AuditLog(database).entries())


def test_only_an_admin_reviews_the_audit_trail_when_logged_in(
        clinic: tuple[Database, Recorded, str], capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    database, _, url = clinic
    code, out, err = run(capsys, monkeypatch, "audit", "--db", url, "--as", NAMES[Role.NURSE],
                         "--pin-stdin", pin=PINS[Role.NURSE])
    assert code == 1 and out == ""
    assert err.splitlines() == ["ketaconsole: Nia Nurse (nurse) may not review the audit trail; "
                                "ask an admin to do it"]
    code, out, err = run(capsys, monkeypatch, "audit", "--db", url, "--as", NAMES[Role.ADMIN],
                         "--pin-stdin", pin=PINS[Role.ADMIN])
    assert (code, err) == (0, "")
    assert "denied" in out
    (reviewed,) = newest(database)
    assert (reviewed.action, reviewed.actor) == ("audit_reviewed", NAMES[Role.ADMIN])


def test_audit_verify_with_a_wrong_pin_answers_nothing_and_is_audited(
        clinic: tuple[Database, Recorded, str], capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    database, _, url = clinic
    code, out, err = run(capsys, monkeypatch, "audit", "--verify", "--db", url,
                         "--as", NAMES[Role.ADMIN], "--pin-stdin", pin="9999")
    assert code == 1 and out == ""
    assert len(err.splitlines()) == 1 and "PIN" in err
    (failed,) = newest(database)
    assert (failed.action, failed.actor) == ("login_failed", NAMES[Role.ADMIN])
    code, out, err = run(capsys, monkeypatch, "audit", "--verify", "--db", url,
                         "--as", NAMES[Role.NURSE], "--pin-stdin", pin=PINS[Role.NURSE])
    assert code == 1 and out == "" and "may not review the audit trail" in err
    code, out, err = run(capsys, monkeypatch, "audit", "--verify", "--db", url,
                         "--as", NAMES[Role.ADMIN], "--pin-stdin", pin=PINS[Role.ADMIN])
    assert (code, err) == (0, "") and out.startswith("audit trail intact: ")
    (verified,) = newest(database)
    assert (verified.action, verified.actor) == ("audit_verified", NAMES[Role.ADMIN])
    assert verified.detail["intact"] is True


def test_an_author_that_differs_from_the_logged_in_user_is_refused_before_the_pin(
        clinic: tuple[Database, Recorded, str], capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    database, _, url = clinic
    before = AuditLog(database).entries()
    code, _, err = run(capsys, monkeypatch, "export", "1", "--format", "csv", "--db", url,
                       "--as", NAMES[Role.NURSE], "--author", "someone.else", "--pin-stdin",
                       pin=PINS[Role.NURSE])
    assert code == 2
    assert err.splitlines() == ["ketaconsole: --author 'someone.else' differs from the user "
                                "logged in with --as (nia); leave --author out"]
    assert AuditLog(database).entries() == before
