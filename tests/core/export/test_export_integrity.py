"""The integrity stamp in an export's footer checks against the database; tampering fails it."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import text

from ketaconsole.cli import main
from ketaconsole.export.integrity import check_stamp, read_stamp
from ketaconsole.export.service import ExportFormat, ExportOptions, export_session
from ketaconsole.store import Database, open_database
from tests.core.export_support import Recorded, record_esketamine_session, record_session


@pytest.fixture
def recorded(tmp_path: Path) -> tuple[Database, Recorded, str]:
    url = f"sqlite:///{tmp_path / 'record.sqlite3'}"
    database = open_database(url)
    return database, record_session(database), url


def printed_stamp(pdf: Path) -> tuple[str, str]:
    """The head and content hashes as a person reads them off the printed footer."""
    page_text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                               text=True, check=True).stdout
    head = re.search(r"head=([0-9a-f]{64})", page_text)
    content = re.search(r"content=([0-9a-f]{64})", page_text)
    assert head is not None and content is not None
    return head.group(1), content.group(1)


def run_cli(*args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_pdf_footer_stamp_verifies_against_the_database(
        recorded: tuple[Database, Recorded, str], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    database, session, url = recorded
    result = export_session(database, session.session_id, ExportFormat.PDF, tmp_path,
                            ExportOptions(author="records.clerk"))
    (pdf,) = result.files
    head, content = printed_stamp(pdf)
    assert head == result.stamp.head and content == result.stamp.content
    code, out, err = run_cli("verify", str(session.session_id), "--db", url, "--export",
                             str(pdf), "--head", head, capsys=capsys)
    assert (code, err) == (0, "")
    assert (f"{pdf.name} is the file exported by event {result.event.seq} and matches the "
            f"record as of event {result.stamp.seq}") in out
    assert "the printed head hash is on the chain" in out


def test_changed_vital_sign_in_the_database_fails_the_export_check(
        recorded: tuple[Database, Recorded, str], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    database, session, url = recorded
    (pdf,) = export_session(database, session.session_id, ExportFormat.PDF, tmp_path).files
    with database.engine.begin() as connection:
        connection.execute(text("UPDATE numerics SET value = 88 WHERE id = (SELECT min(id) "
                                "FROM numerics WHERE metric = 'MDC_PULS_OXIM_SAT_O2')"))
    stamp = read_stamp(pdf)
    assert stamp is not None
    assert check_stamp(database, stamp) == ("the record's content (values or plan) differs "
                                            "from what was exported")
    code, out, err = run_cli("verify", str(session.session_id), "--db", url, "--export",
                             str(pdf), capsys=capsys)
    assert code == 1 and out == ""
    # The record itself no longer verifies: the value's seal names it first.
    assert err.count("\n") == 1 and "SpO₂ from monitor-1 at" in err and "was altered" in err


def test_edited_timeline_event_fails_verify_with_the_printed_head(
        recorded: tuple[Database, Recorded, str], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    database, session, url = recorded
    (pdf,) = export_session(database, session.session_id, ExportFormat.PDF, tmp_path).files
    head, _ = printed_stamp(pdf)
    with database.engine.begin() as connection:
        connection.execute(text("UPDATE timeline_events SET payload = :p WHERE kind = "
                                "'rescue_medication'"),
                           {"p": '{"drug": "Ondansetron", "dose": 8.0, "unit": "mg", '
                                 '"route": "IV"}'})
    code, out, err = run_cli("verify", str(session.session_id), "--db", url, "--head", head,
                             capsys=capsys)
    assert code == 1 and out == ""
    assert "the record was altered at event" in err and "rescue_medication" in err


def test_a_hash_that_is_not_on_the_chain_fails(
        recorded: tuple[Database, Recorded, str], capsys: pytest.CaptureFixture[str]) -> None:
    _, session, url = recorded
    code, _, err = run_cli("verify", str(session.session_id), "--db", url, "--head", "ab" * 32,
                           capsys=capsys)
    assert code == 1
    assert "no event of this session has that hash" in err


def test_verify_without_options_keeps_its_one_line_answer(
        recorded: tuple[Database, Recorded, str], capsys: pytest.CaptureFixture[str]) -> None:
    _, session, url = recorded
    code, out, _ = run_cli("verify", str(session.session_id), "--db", url, capsys=capsys)
    assert code == 0
    assert re.fullmatch(rf"session {session.session_id}: \d+ events, chain intact\n", out)


def test_a_vital_file_verifies_and_a_foreign_file_is_refused_with_one_line(
        recorded: tuple[Database, Recorded, str], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    database, session, url = recorded
    result = export_session(database, session.session_id, ExportFormat.VITAL, tmp_path)
    (vital,) = result.files
    code, out, _ = run_cli("verify", str(session.session_id), "--db", url, "--export",
                           str(vital), capsys=capsys)
    assert code == 0 and f"{vital.name} is the file exported by event {result.event.seq}" in out
    foreign = tmp_path / "notes.vital"
    foreign.write_bytes(b"not an export")
    code, _, err = run_cli("verify", str(session.session_id), "--db", url, "--export",
                           str(foreign), capsys=capsys)
    assert code == 1
    assert err == (f"ketaconsole: session {session.session_id}: the .vital file notes.vital "
                   "matches no export on this session's timeline: it was edited after export "
                   "or is not an export of this session\n")


def test_every_format_exports_and_its_stamp_verifies_on_sqlite_and_postgresql(
        database: Database, tmp_path: Path) -> None:
    nasal = record_esketamine_session(database)  # the REMS form is an esketamine session's
    session = record_session(database)
    for fmt in ExportFormat:
        folder = tmp_path / fmt.value
        folder.mkdir()
        recorded = nasal if fmt is ExportFormat.REMS else session
        result = export_session(database, recorded.session_id, fmt, folder)
        assert result.files and all(p.stat().st_size > 0 for p in result.files)
        assert check_stamp(database, result.stamp) is None
        if recorded is session:
            last = result
    with database.engine.begin() as connection:  # the newest value: the IV session's
        connection.execute(text("UPDATE numerics SET value = NULL WHERE id = (SELECT max(id) "
                                "FROM numerics)"))
    assert check_stamp(database, last.stamp) is not None
