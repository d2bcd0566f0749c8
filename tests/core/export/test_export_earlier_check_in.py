"""A session recorded before fasting was asked as solids and clear liquids still reads and exports.

The record is sealed and never rewritten: its check-in holds the one answer the console
asked then (``fasting_hours``, since the patient last ate or drank anything). Here that
check-in is written as the earlier console wrote it, through the one writer, and the
session is folded, resumed into the workflow and exported as any other.
"""

from __future__ import annotations

import csv
import json
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from ketaconsole.export.service import ExportFormat, ExportOptions, export_session
from ketaconsole.session.checkin import CheckIn
from ketaconsole.session.events import Entry, sentence
from ketaconsole.store import Database, SessionPlan, SessionService
from ketaconsole.store.review import session_state


@dataclass(frozen=True)
class EarlierCheckIn(Entry):
    """The check-in entry as the console wrote it before solids and liquids were apart."""

    kind: ClassVar[str] = "check_in"
    patient_name: str
    age_years: int | None = None
    weight_kg: float | None = None
    allergies: str = ""
    current_medication: str = ""
    substance_use: str = ""
    psychosis_or_mania: bool | None = None
    bp_history: str = ""
    fasting_hours: float | None = None
    consent_signed: bool = False
    iv_site: str = ""
    escort_present: bool = False
    mrn: str = ""
    date_of_birth: str = ""
    patient_id: int | None = None


def test_a_check_in_with_the_single_fasting_answer_folds_resumes_and_exports(
        database: Database, tmp_path: Path) -> None:
    service = SessionService.begin(database, SessionPlan("Ann Example", 70.0), [],
                                   station="earlier")
    service.record(EarlierCheckIn("Ann Example", 44, 70.0, "none known", "none", "none",
                                  False, "none", 6.0, True, "left forearm", True),
                   author="nurse.kim")
    service.close(author="nurse.kim", reason="test over")

    state = session_state(database, service.session_id)
    assert state.check_in is not None and not state.unchecked
    assert "solids_hours" not in state.check_in  # read as written, not rewritten
    form = CheckIn.from_record(state.check_in)  # what a resumed workflow carries on with
    assert (form.solids_hours, form.clear_liquids_hours) == (6.0, 6.0)
    assert sentence("check_in", state.check_in) == (
        "Checked in: Ann Example, 44 y, 70 kg; pre-assessment complete; last ate or drank "
        "6 h ago")

    (pdf,) = export_session(database, service.session_id, ExportFormat.PDF, tmp_path,
                            ExportOptions(author="records.clerk")).files
    text = " ".join(subprocess.run(["pdftotext", "-layout", str(pdf), "-"],
                                   capture_output=True, text=True, check=True).stdout.split())
    assert "Hours since last ate or drank 6" in text
    assert "UNCHECKED" not in text and "No pre-assessment recorded" not in text
    folder = tmp_path / "csv"
    folder.mkdir()
    _, events = export_session(database, service.session_id, ExportFormat.CSV, folder,
                               ExportOptions(author="records.clerk")).files
    with events.open(newline="", encoding="utf-8") as stream:
        (row,) = [r for r in csv.DictReader(stream) if r["kind"] == "check_in"]
    written = json.loads(row["payload"])
    assert written["fasting_hours"] == 6.0 and "solids_hours" not in written
    assert (row["record"], row["check_in"]) == ("unsigned", "checked")
