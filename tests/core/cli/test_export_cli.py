"""``ketaconsole export``: the output line, interim records, bad input, and files written whole.

Bad input gives one line on stderr and a non-zero exit and leaves no file behind; a
session still in progress exports successfully, marked interim in the file and in the
output line; an export that cannot be audited on the timeline is undone.
"""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import pytest
import vitaldb
from sqlalchemy import text

from ketaconsole.cli import main
from ketaconsole.demo.story_infusions import story_bedside
from ketaconsole.export.atomic import write_atomically
from ketaconsole.export.service import ExportFailed, ExportFormat, ExportOptions, export_session
from ketaconsole.session.checkin import CheckIn
from ketaconsole.store import Database, open_database
from ketaconsole.store.review import timeline, verify
from tests.core.export_support import T0, Recorded, record_session
from tests.course_support import approved_patient, cleared_mrn


@pytest.fixture(scope="module")
def finished(tmp_path_factory: pytest.TempPathFactory
             ) -> Iterator[tuple[Database, Recorded, str]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('cli') / 'record.sqlite3'}"
    database = open_database(url)
    yield database, record_session(database), url
    database.dispose()


def run(*args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_success_prints_one_line_naming_the_files_and_the_event(
        finished: tuple[Database, Recorded, str], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    database, session, url = finished
    code, out, err = run("export", str(session.session_id), "--format", "csv", "--out",
                         str(tmp_path), "--db", url, "--author", "records.clerk",
                         capsys=capsys)
    assert (code, err) == (0, "")
    seq = timeline(database, session.session_id)[-1].seq
    assert out == (f"session {session.session_id}: csv final record written to "
                   f"{tmp_path / 'session-1-observations.csv'}, "
                   f"{tmp_path / 'session-1-timeline.csv'}; recorded as event {seq}\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["session-1-observations.csv",
                                                          "session-1-timeline.csv"]


@pytest.mark.parametrize(("args", "says"), [
    (("export", "99", "--format", "pdf"),
     "there is no session 99 in this record; 'ketaconsole sessions' lists the sessions"),
    (("export", "abc", "--format", "pdf"), "SESSION must be a session number such as 12"),
    (("export", "1", "--format", "pdf", "--out", "missing-folder"),
     "the folder missing-folder does not exist; create it or choose another with --out"),
    (("export", "1", "--format", "pdf", "--out", "a-file"),
     "a-file is not a folder; choose a folder with --out"),
    (("export", "1", "--format", "csv", "--out", "/sys"),
     "the folder /sys cannot be written (Permission denied); choose another with --out"),
    (("export", "1", "--format", "csv", "--mllp", "localhost:2575"),
     "--mllp sends HL7 messages; use it with --format hl7"),
    (("export", "1", "--format", "hl7", "--mllp", "localhost"),
     "--mllp takes HOST:PORT such as 10.0.0.5:2575, not 'localhost'"),
    (("export", "1", "--format", "docx"), "argument --format: invalid choice: 'docx'"),
])
def test_bad_input_is_one_line_a_non_zero_exit_and_no_file(
        args: tuple[str, ...], says: str, finished: tuple[Database, Recorded, str],
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _, _, url = finished
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a-file").write_text("not a folder")
    result = subprocess.run([sys.executable, "-m", "ketaconsole", *args, "--db", url],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert says in lines[0]
    assert result.stdout == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]


def test_a_session_in_progress_exports_as_an_interim_record(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'record.sqlite3'}"
    database = open_database(url)
    session = record_session(database, close=False)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    code, out, err = run("export", str(session.session_id), "--format", "pdf", "--out",
                         str(out_dir), "--db", url, capsys=capsys)
    assert (code, err) == (0, "")
    assert "pdf INTERIM record (session in progress) written to" in out
    (pdf,) = out_dir.iterdir()
    assert pdf.name == f"session-{session.session_id}-interim.pdf"
    text_of_pdf = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True,
                                 text=True, check=True).stdout
    assert "INTERIM RECORD: the session is still in progress" in text_of_pdf
    for empty in ("No signatures recorded.", "No discharge assessment recorded."):
        assert empty in text_of_pdf
    assert timeline(database, session.session_id)[-1].payload["interim"] is True
    (vital,) = export_session(database, session.session_id, ExportFormat.VITAL,
                              tmp_path).files
    assert vital.name == f"session-{session.session_id}-interim.vital"
    notes = [r["val"] for r in vitaldb.VitalFile(str(vital)).trks["EVENT"].recs]
    assert notes[-1] == "INTERIM record: the session was still in progress when exported"
    database.dispose()


def test_an_empty_session_says_so_in_every_section(tmp_path: Path) -> None:
    """``record`` from a device that never answers, with no plan: a session with nothing in it."""
    url = f"sqlite:///{tmp_path / 'record.sqlite3'}"
    env = {**os.environ, "KETACONSOLE_HOME": str(tmp_path), "KETACONSOLE_STATION": "empty"}
    mrn = cleared_mrn(url, "Sam Empty")
    device, silent = pty.openpty()  # an oximeter switched off: its port opens, it says nothing
    try:
        done = subprocess.run([sys.executable, "-m", "ketaconsole", "record", "--device",
                               f"masimo-ascii={os.ttyname(silent)}", "--mrn", mrn, "--minutes",
                               "0.05", "--db", url], capture_output=True, env=env, timeout=120)
    finally:
        os.close(silent)
        os.close(device)
    assert done.returncode == 0, done.stderr.decode()
    session_id = int(done.stdout.decode().split()[0])
    database = open_database(url)
    (pdf,) = export_session(database, session_id, ExportFormat.PDF, tmp_path).files
    text_of_pdf = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True,
                                 text=True, check=True).stdout
    assert "No pre-assessment recorded." not in text_of_pdf  # not checked in: it says so
    assert "UNCHECKED SESSION: no check-in checklist was recorded" in text_of_pdf
    for empty in ("No dose plan recorded",
                  "No vital signs recorded.", "No blood pressure checks recorded.",
                  "No scales recorded.", "No adverse events recorded.",
                  "No discharge assessment recorded.", "No signatures recorded."):
        assert empty in text_of_pdf
    database.dispose()


def test_a_write_that_fails_half_way_leaves_nothing_behind(tmp_path: Path) -> None:
    target = tmp_path / "session-1.pdf"

    def half_then_fail(stream: BinaryIO) -> None:
        stream.write(b"%PDF-1.4 half a record")
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError, match="No space left"):
        write_atomically(target, half_then_fail)
    assert list(tmp_path.iterdir()) == []


def test_an_export_that_cannot_be_audited_is_undone(
        finished: tuple[Database, Recorded, str], tmp_path: Path) -> None:
    database, session, _ = finished
    with database.engine.begin() as connection:
        connection.execute(text("CREATE TRIGGER refuse_events BEFORE INSERT ON timeline_events "
                                "BEGIN SELECT RAISE(ABORT, 'timeline is read-only'); END"))
    try:
        with pytest.raises(ExportFailed, match="could not be recorded on the session's "
                                               r"timeline .*nothing was exported"):
            export_session(database, session.session_id, ExportFormat.PDF, tmp_path,
                           ExportOptions(record_timeout_s=1.0))
    finally:
        with database.engine.begin() as connection:
            connection.execute(text("DROP TRIGGER refuse_events"))
    assert list(tmp_path.iterdir()) == []


def test_an_export_during_live_recording_keeps_one_unbroken_chain(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'record.sqlite3'}"
    database = open_database(url)
    approved_patient(database, "Pat Live", "MRN-PATLIVE", assessed_at=T0 - 86400.0)
    with story_bedside(url, nurse="nurse.kim", station="live", start=T0,
                       pump=None) as bedside:
        flow = bedside.workflow
        flow.check_in(CheckIn("Pat Live", 39, 70.0, "none known", "none", "none", False,
                              "none", 6.0, 3.0, True, "left forearm", True, mrn="MRN-PATLIVE",
                              pregnancy="no"))
        session_id = flow.service_id()
        bedside.at(T0 + 60)
        flow.record_entry("annotation", {"text": "Anxiety"})
        bedside.at(T0 + 120)
        exported = export_session(database, session_id, ExportFormat.CSV, tmp_path,
                                  ExportOptions(author="records.clerk")).event
        bedside.at(T0 + 180)
        after = flow.record_entry("annotation", {"text": "Nausea"})
        assert after.seq == exported.seq + 1 and after.prev_hash == exported.hash
        bedside.at(T0 + 240)
        assert flow.end_session(reason="patient declined the infusion")
    count, broken = verify(database, session_id)
    assert broken is None and count == after.seq + 2  # the end, and its time on the chain
    database.dispose()


def test_the_export_event_is_written_before_the_command_reports(
        finished: tuple[Database, Recorded, str], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    database, session, url = finished
    before = len(timeline(database, session.session_id))
    code, out, _ = run("export", str(session.session_id), "--format", "fhir", "--out",
                       str(tmp_path), "--db", url, capsys=capsys)
    assert code == 0
    reader = open_database(url)
    events = timeline(reader, session.session_id)
    reader.dispose()
    assert len(events) == before + 1
    assert out.endswith(f"recorded as event {events[-1].seq}\n")
    assert os.path.exists(tmp_path / "session-1.fhir.json")
