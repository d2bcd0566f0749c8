"""The REMS patient-monitoring record of an esketamine session: a PDF in the form's order
and a JSON of the same fields, filled from what the record holds (the three blood
pressures with their times, sedation from MOAA/S, dissociation from CADSS-6, respiratory
depression from the SpO2 alarm, the monitoring time, ready to leave, the concomitant
medicines from the check-in), anything missing named; on the timeline and verifiable like
every export; ``sessions --rems-due`` lists the sessions still waiting for it."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from ketaconsole.export.integrity import check_export_file
from ketaconsole.export.rems import REMS_DAYS, rems_due
from ketaconsole.export.service import ExportFailed, ExportFormat, export_session
from ketaconsole.store import Database, open_database
from ketaconsole.store.timeline import format_time
from tests.core.export_support import (
    ESKETAMINE_LOT,
    EsketamineRecorded,
    record_esketamine_session,
    record_session,
)

MINUTE = 60.0


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory
             ) -> tuple[str, EsketamineRecorded, EsketamineRecorded]:
    """One whole esketamine session, and one without the 40-minute BP (module-wide: the
    story is two hours long)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('rems') / 'record.sqlite3'}"
    database = open_database(url)
    try:
        whole = record_esketamine_session(database)
        short = record_esketamine_session(database, patient="Eli Example", bp_at_40=False,
                                          medication="none")
    finally:
        database.dispose()
    return url, whole, short


def _export(url: str, session_id: int, folder: Path) -> tuple[dict, str, list[Path]]:
    database = open_database(url)
    try:
        result = export_session(database, session_id, ExportFormat.REMS, folder)
    finally:
        database.dispose()
    pdf, js = sorted(result.files, key=lambda p: p.suffix != ".pdf")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    return json.loads(js.read_text(encoding="utf-8")), text, result.files


def test_the_form_is_filled_from_the_record_in_the_forms_order(
        recorded: tuple[str, EsketamineRecorded, EsketamineRecorded], tmp_path: Path) -> None:
    url, whole, _ = recorded
    form, text, _ = _export(url, whole.session_id, tmp_path)
    first = whole.first_device_at
    assert form["dose_mg"] == 56 and form["lot"] == ESKETAMINE_LOT
    assert form["concomitant_medications"]["benzodiazepines"] == ["lorazepam"]
    assert form["concomitant_medications"]["MAOIs"] == []
    monitoring = form["monitoring"]
    assert monitoring["first_device"] == format_time(first)
    assert monitoring["total_minutes"] == round((whole.signed_at - first) / 60, 1) == 122.0
    assert monitoring["ready_to_leave_at"] == format_time(first + 95 * MINUTE)
    assert [(bp["check"], bp["systolic_mmHg"], bp["diastolic_mmHg"], bp["time"])
            for bp in form["blood_pressures"]] == [
        ("BP before the first device", 126.0, 80.0, format_time(first - 90)),
        ("BP about 40 min after", 148.0, 92.0, format_time(first + 41 * MINUTE)),
        ("BP before the end", 138.0, 86.0, format_time(first + 117 * MINUTE))]
    assert form["vital_signs_acceptable"]["before_dosing"]["occurred"] is True
    assert form["vital_signs_acceptable"]["at_end"]["occurred"] is True
    assert form["sedation"]["occurred"] is True  # MOAA/S 4
    assert form["dissociation"]["occurred"] is True  # CADSS-6 4
    assert form["respiratory_depression"]["occurred"] is True  # the SpO2 alarm at 20 min
    assert "SpO" in form["respiratory_depression"]["evidence"][0]
    assert form["missing"] == []
    order = ["1. Patient", "2. Concomitant", "3. Dose", "4. Monitoring", "5. Vital signs",
             "6. Adverse events", "Not in the record"]
    places = [text.index(heading) for heading in order]
    assert places == sorted(places), text
    assert "Total monitoring" in text and "122 min" in text
    assert "148/92 mmHg at" in text


def test_a_missing_blood_pressure_and_medication_list_are_named(
        recorded: tuple[str, EsketamineRecorded, EsketamineRecorded], tmp_path: Path) -> None:
    url, _, short = recorded
    form, text, _ = _export(url, short.session_id, tmp_path)
    at_40 = form["blood_pressures"][1]
    assert at_40["time"] is None and at_40["systolic_mmHg"] is None
    assert "BP about 40 min after (not taken)" in form["missing"]
    assert all(not drugs for drugs in form["concomitant_medications"].values())
    assert "BP about 40 min after (not taken)" in text


def test_the_rems_export_is_on_the_timeline_and_verifies_and_an_edit_fails(
        recorded: tuple[str, EsketamineRecorded, EsketamineRecorded], tmp_path: Path) -> None:
    url, whole, _ = recorded
    _, _, files = _export(url, whole.session_id, tmp_path)
    database = open_database(url)
    try:
        for path in files:
            check = check_export_file(database, whole.session_id, path)
            assert check.problem is None, check.problem
        js = next(p for p in files if p.suffix == ".json")
        js.write_text(js.read_text(encoding="utf-8").replace('"dose_mg": 56', '"dose_mg": 84'),
                      encoding="utf-8")
        edited = check_export_file(database, whole.session_id, js)
        assert edited.problem is not None and "REMS" in edited.problem
        assert "edited after export" in edited.problem
    finally:
        database.dispose()


def test_an_iv_session_has_no_rems_form(tmp_path: Path) -> None:
    database = open_database(f"sqlite:///{tmp_path / 'record.sqlite3'}")
    try:
        iv = record_session(database)
        with pytest.raises(ExportFailed, match="gave no esketamine"):
            export_session(database, iv.session_id, ExportFormat.REMS, tmp_path)
        assert list(tmp_path.glob("*rems*")) == []
    finally:
        database.dispose()


def test_sessions_waiting_for_their_form_are_due_seven_days_after(tmp_path: Path) -> None:
    database: Database = open_database(f"sqlite:///{tmp_path / 'record.sqlite3'}")
    try:
        iv = record_session(database)
        waiting = record_esketamine_session(database)
        (due,) = rems_due(database)  # the IV session has no form to wait for
        assert due.session_id == waiting.session_id != iv.session_id
        assert due.due_by - due.started_at == REMS_DAYS * 86400
        assert not due.overdue(due.started_at + 6 * 86400)
        assert due.overdue(due.started_at + 8 * 86400)
        export_session(database, waiting.session_id, ExportFormat.REMS, tmp_path)
        assert rems_due(database) == []
    finally:
        database.dispose()
