"""Check-in finds the patient's record: search, pick (the form fills), or register on purpose."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from ketaconsole.demo.course import DEMO_MRN
from ketaconsole.security import Action, AuditLog
from ketaconsole.session.workflow import Step
from ketaconsole.store import open_database
from ketaconsole.store.models import ClinicSession, Patient
from tests.ui.conftest import fill_check_in, type_into, unlock, wait_step
from ui.main_window import MainWindow
from ui.session.session_pages import CheckInPage


def _check_in_page(qtbot: QtBot, window: MainWindow) -> CheckInPage:
    unlock(qtbot, window)
    panel = window.monitor.session
    window.monitor.side.setCurrentWidget(panel)
    page = panel.pages[Step.CHECK_IN]
    assert isinstance(page, CheckInPage)
    for key in (*page.IDENTITY, "age_years"):  # nothing pre-filled: the search fills it
        type_into(qtbot, page, key, "")
    return page


def _patients(url: str) -> tuple[int, list[int | None]]:
    database = open_database(url)
    try:
        with database.sessions() as session:
            rows = int(session.scalar(select(func.count()).select_from(Patient)) or 0)
            owners = list(session.scalars(select(ClinicSession.patient_id)
                                          .order_by(ClinicSession.id)))
        return rows, owners
    finally:
        database.dispose()


def test_the_nurse_finds_the_patient_picks_the_record_and_no_new_row_is_made(
        qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'record.sqlite3'}"
    rows_before, owners_before = _patients(url)
    demo_id = owners_before[-1]  # the course's past infusions are the demo patient's
    page = _check_in_page(qtbot, window)
    search = page.search
    assert "PHQ-9" not in " ".join(page.form.fields)  # the typed total is gone

    qtbot.keyClicks(search.query, DEMO_MRN)
    qtbot.keyClick(search.query, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(search.rows) == 1, timeout=10000)
    line = search.rows[0].details.text()
    assert "Demo Patient" in line and "induction, 5 infusions, response" in line
    assert "approved by Dr Demo Prescriber" in line
    window.grab().save(str(tmp_path / "search.png"))

    qtbot.mouseClick(search.rows[0].pick, Qt.MouseButton.LeftButton)
    assert page.form.text("patient_name") == "Demo Patient"
    assert page.form.text("mrn") == DEMO_MRN
    assert page.picked is not None and page.picked.patient.patient_id == demo_id
    assert "Assessment flagged nothing" in search.chosen.text()
    fill_check_in(qtbot, page, age_years="42", weight_kg="70")
    qtbot.mouseClick(page.sign, Qt.MouseButton.LeftButton)
    wait_step(qtbot, window, Step.BASELINE)

    rows_after, owners_after = _patients(url)
    assert rows_after == rows_before  # checked in under the record found, not a new one
    assert owners_after[-1] == demo_id and len(owners_after) == len(owners_before) + 1


def test_typing_over_a_picked_record_unpicks_it(qtbot: QtBot, window: MainWindow) -> None:
    page = _check_in_page(qtbot, window)
    search = page.search
    qtbot.keyClicks(search.query, "demo")
    qtbot.mouseClick(search.find_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(search.rows) == 1, timeout=10000)
    qtbot.mouseClick(search.rows[0].pick, Qt.MouseButton.LeftButton)
    assert page.picked is not None and search.chosen.isVisibleTo(page)
    name = page.form.fields["patient_name"]
    assert isinstance(name, QLineEdit)
    qtbot.keyClicks(name, "x")
    assert page.picked is None and not search.chosen.isVisibleTo(page)
    assert page.collect().patient_id is None


def test_a_new_patient_is_registered_explicitly_and_cannot_be_dosed_unassessed(
        qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'record.sqlite3'}"
    rows_before, _ = _patients(url)
    page = _check_in_page(qtbot, window)
    search = page.search
    qtbot.keyClicks(search.query, "Turing")
    qtbot.keyClick(search.query, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "No patient matches" in search.message.text(), timeout=10000)
    assert _patients(url)[0] == rows_before  # a search never makes a record

    type_into(qtbot, page, "patient_name", "Alan Turing")
    type_into(qtbot, page, "mrn", "MRN-1912")
    type_into(qtbot, page, "date_of_birth", "1982-06-23")
    qtbot.mouseClick(search.register_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.picked is not None, timeout=10000)
    assert "Registered Alan Turing" in search.message.text()
    assert "no eligibility assessment" in search.chosen.text()
    assert page.form.text("age_years").isdigit()  # from the date of birth
    window.grab().save(str(tmp_path / "registered.png"))

    fill_check_in(qtbot, page, weight_kg="70")
    qtbot.mouseClick(page.sign, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "a prescriber must assess" in page.message.text(), timeout=10000)
    assert window.room.workflow.step is Step.CHECK_IN and window.room.service is None
    assert _patients(url)[0] == rows_before + 1
    database = open_database(url)
    try:
        done = [(e.action, e.actor) for e in AuditLog(database).entries()]
    finally:
        database.dispose()
    assert (Action.PATIENT_REGISTERED, "demo-nurse") in done
    assert (Action.RECORDS_LISTED, "demo-nurse") in done
