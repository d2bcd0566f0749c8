"""Fasting at check-in: solid food and clear liquids asked apart, each against the clinic's hours.

A meal three hours ago stops the check-in (nothing is opened) while clear liquids three
hours ago pass; the hours are the clinic's own, changed by an admin with ``ketaconsole
settings`` and applied by the console when it next starts.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QLineEdit
from pytestqt.qtbot import QtBot

from ketaconsole.bedside.security import DEMO_USERS
from ketaconsole.session.workflow import Step
from ketaconsole.store import open_database
from ketaconsole.store.review import list_sessions, timeline
from tests.ui.conftest import click, fill_check_in, open_demo_window, unlock, wait_step
from ui.main_window import MainWindow
from ui.session.session_pages import CheckInPage

CLINIC_PINS = ("581392", "604817")
"""The nurse's and the admin's PINs in the clinic's record."""


def _check_in_page(qtbot: QtBot, window: MainWindow,
                   pin: str = DEMO_USERS[0][3]) -> CheckInPage:
    unlock(qtbot, window, DEMO_USERS[0][0], pin)
    panel = window.monitor.session
    window.monitor.side.setCurrentWidget(panel)
    page = panel.pages[Step.CHECK_IN]
    assert isinstance(page, CheckInPage)
    return page


def _sessions(tmp_path: Path) -> int:
    database = open_database(f"sqlite:///{tmp_path / 'record.sqlite3'}")
    try:
        return len(list_sessions(database))
    finally:
        database.dispose()


def test_a_meal_three_hours_ago_is_refused_while_clear_liquids_three_hours_ago_pass(
        qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    page = _check_in_page(qtbot, window)
    sessions = _sessions(tmp_path)
    fill_check_in(qtbot, page, solids_hours="3", clear_liquids_hours="3")
    click(qtbot, page.sign)
    solids = page.form.errors["solids_hours"]
    qtbot.waitUntil(lambda: solids.text() != "", timeout=10000)
    assert solids.text() == ("Solid food 3 h ago; this clinic asks for 6 h: wait 3 h more "
                             "before dosing.")
    assert page.form.errors["clear_liquids_hours"].isHidden()
    assert window.room.workflow.step is Step.CHECK_IN and window.room.service is None
    assert _sessions(tmp_path) == sessions  # nothing opened

    fill_check_in(qtbot, page, solids_hours="6.5", clear_liquids_hours="3")
    click(qtbot, page.sign)
    wait_step(qtbot, window, Step.BASELINE)
    service = window.room.service
    assert service is not None
    database = open_database(f"sqlite:///{tmp_path / 'record.sqlite3'}")
    try:
        (checked,) = [e for e in timeline(database, service.session_id)
                      if e.kind == "check_in"]
    finally:
        database.dispose()
    assert {k: checked.payload[k] for k in ("solids_hours", "clear_liquids_hours",
                                            "solids_needed_h", "clear_liquids_needed_h")} \
        == {"solids_hours": 6.5, "clear_liquids_hours": 3.0, "solids_needed_h": 6.0,
            "clear_liquids_needed_h": 2.0}
    assert "fasting_hours" not in checked.payload


def _console(tmp_path: Path, *args: str, stdin: str) -> None:
    env = {**os.environ, "KETACONSOLE_HOME": str(tmp_path),
           "KETACONSOLE_DB": f"sqlite:///{tmp_path / 'record.sqlite3'}"}
    done = subprocess.run([sys.executable, "-m", "ketaconsole", *args], input=stdin,
                          capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr


@pytest.fixture
def eight_hour_clinic(qtbot: QtBot, tmp_path: Path,
                      monkeypatch: pytest.MonkeyPatch) -> Iterator[MainWindow]:
    """A clinic's staff (PINs of their own: the demo's published ones are refused in a
    clinic's record), whose admin sets 8 h without solid food before the console starts."""
    (nurse, nurse_name, _, _), (admin, admin_name, _, _) = DEMO_USERS
    nurse_pin, admin_pin = CLINIC_PINS
    _console(tmp_path, "users", "add", "--name", admin, "--display", admin_name, "--role",
             "admin", "--pin-stdin", stdin=f"{admin_pin}\n")
    _console(tmp_path, "users", "add", "--name", nurse, "--display", nurse_name, "--role",
             "nurse", "--as", admin, "--pin-stdin", stdin=f"{admin_pin}\n{nurse_pin}\n")
    _console(tmp_path, "settings", "set", "fasting-solids-hours", "8", "--as", admin,
             "--pin-stdin", stdin=f"{admin_pin}\n")
    monkeypatch.setenv("KETACONSOLE_HOME", str(tmp_path))
    yield from open_demo_window(qtbot, tmp_path, speed=60.0)


def test_the_clinics_own_hours_set_by_its_admin_are_the_ones_check_in_asks(
        qtbot: QtBot, eight_hour_clinic: MainWindow) -> None:
    page = _check_in_page(qtbot, eight_hour_clinic, CLINIC_PINS[0])
    solids = page.form.fields["solids_hours"]
    assert isinstance(solids, QLineEdit)
    assert solids.placeholderText() == "at least 8 h"
    fill_check_in(qtbot, page, solids_hours="7", clear_liquids_hours="3")
    click(qtbot, page.sign)
    error = page.form.errors["solids_hours"]
    qtbot.waitUntil(lambda: error.text() != "", timeout=10000)
    assert error.text() == ("Solid food 7 h ago; this clinic asks for 8 h: wait 1 h more "
                            "before dosing.")
    assert eight_hour_clinic.room.workflow.step is Step.CHECK_IN

    fill_check_in(qtbot, page, solids_hours="8", clear_liquids_hours="3")
    click(qtbot, page.sign)
    wait_step(qtbot, eight_hour_clinic, Step.BASELINE)
