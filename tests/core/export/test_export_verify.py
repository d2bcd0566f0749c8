"""``verify --export``: every format's file is checked by its own hash, and stamps are exact."""

from __future__ import annotations

from pathlib import Path

import pytest

from ketaconsole.cli import main
from ketaconsole.demo.story_infusions import story_bedside
from ketaconsole.export.integrity import check_stamp, read_stamp, stamp
from ketaconsole.export.record import load_record
from ketaconsole.export.service import ExportFormat, export_session
from ketaconsole.observations import Numeric
from ketaconsole.session.checkin import CheckIn
from ketaconsole.store import Database, open_database
from tests.core.export_support import record_esketamine_session, record_session
from tests.course_support import approved_patient

T0 = 1_790_000_000.0
ANN = CheckIn("Ann Example", 44, 70.0, "none known", "none", "none", False, "none", 6.0, 3.0, True,
              "left forearm", True, mrn="MRN-ANNEXAMPLE", pregnancy="no")


def _edit(path: Path, fmt: ExportFormat) -> None:
    """A small, plausible edit of each format."""
    data = path.read_bytes()
    if fmt is ExportFormat.FHIR:
        assert b'"value": 70.0' in data or b'"value":70.0' in data
        edited = data.replace(b'"value": 70.0', b'"value": 55.0', 1).replace(
            b'"value":70.0', b'"value":55.0', 1)
    elif fmt is ExportFormat.CSV:
        lines = data.splitlines(keepends=True)
        line = lines[5]
        index = next(i for i in range(len(line) - 1, 0, -1) if line[i:i + 1].isdigit())
        digit = b"1" if line[index:index + 1] != b"1" else b"2"
        lines[5] = line[:index] + digit + line[index + 1:]
        edited = b"".join(lines)
    elif fmt is ExportFormat.HL7:
        edited = data.replace(b"|70", b"|55", 1)
    else:
        middle = len(data) // 2
        edited = data[:middle] + bytes([data[middle] ^ 0x01]) + data[middle + 1:]
    assert edited != data
    path.write_bytes(edited)


@pytest.mark.parametrize("fmt", list(ExportFormat))
def test_an_edited_export_of_every_format_fails_naming_its_format(
        record_url: str, tmp_path: Path, fmt: ExportFormat,
        capsys: pytest.CaptureFixture[str]) -> None:
    database = open_database(record_url)
    try:
        session = record_esketamine_session(database) if fmt is ExportFormat.REMS \
            else record_session(database)
        result = export_session(database, session.session_id, fmt, tmp_path)
    finally:
        database.dispose()
    exported = result.files[0]
    assert main(["verify", str(session.session_id), "--db", record_url, "--export",
                 str(exported)]) == 0
    out = capsys.readouterr().out
    assert f"{exported.name} is the file exported by event {result.event.seq}" in out
    _edit(exported, fmt)
    assert main(["verify", str(session.session_id), "--db", record_url, "--export",
                 str(exported)]) == 1
    err = capsys.readouterr().err
    label = {"pdf": "PDF", "fhir": "FHIR", "hl7": "HL7", "csv": "CSV",
             "vital": ".vital", "rems": "REMS"}[fmt.value]
    assert err.count("\n") == 1
    assert f"the {label} file {exported.name} is not the one exported at" in err
    assert "it was edited after export" in err


def test_two_hundred_exports_on_half_microsecond_times_all_verify(
        record_url: str, tmp_path: Path) -> None:
    database = open_database(record_url)
    approved_patient(database, ANN.patient_name, ANN.mrn, assessed_at=T0 - 86400.0)
    try:
        with story_bedside(record_url, nurse="nurse.kim", station="room-1", start=T0,
                           pump=None) as bedside:
            bedside.workflow.check_in(ANN)
            service = bedside.room.service
            assert service is not None
            failures = []
            for k in range(200):
                # A time on the half-microsecond, where a stamp printed to the microsecond
                # rounds either way.
                at = round(T0 + k * 1.2345671, 6) + 5e-7
                bedside.at(at, [Numeric("oximeter", "MDC_PULS_OXIM_SAT_O2", 96.0 + k % 4, "%",
                                        at)])
                service.recorder.flush()
                line = stamp(load_record(database, service.session_id)).line()
                exported = tmp_path / "stamp.txt"
                exported.write_text(f"footer {line}\n")
                given = read_stamp(exported)
                assert given is not None
                problem = check_stamp(database, given)
                if problem is not None:
                    failures.append((k, at, problem))
            assert failures == []
            assert bedside.workflow.end_session(reason="monitoring only")
    finally:
        database.dispose()


def test_a_stamp_names_the_last_row_it_covers(database: Database, tmp_path: Path) -> None:
    session = record_session(database)
    result = export_session(database, session.session_id, ExportFormat.HL7, tmp_path)
    given = read_stamp(result.files[0])
    assert given is not None and given.last_row == result.stamp.last_row
    assert f" rows={given.last_row} " in result.stamp.line()
    assert given.last_row == load_record(database, session.session_id).last_row
