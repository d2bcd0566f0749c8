"""Who sees past records at the console: a nurse, on the audit trail; not a technician.

A real main window on a SQLite record with one recorded session and one user of each
role, driven through its lock panel: the nurse's opening of a record is audited, the
technician is refused in words with no patient listed, and locking the console takes
the list and the opened record off the screen.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from ketaconsole.bedside import BedsideSession, RecordState
from ketaconsole.bedside_security import BedsideSecurity
from ketaconsole.engine import Engine
from ketaconsole.security import Action, Role
from ketaconsole.store import open_database
from tests.core.export_support import record_session
from tests.core.security_support import NAMES, PINS, staff
from tests.ui.conftest import settle_deleted, unlock
from ui.main_window import MainWindow
from ui.monitor_screen import RoomLayout
from ui.records_screen import RecordsScreen


@pytest.fixture
def window(qtbot: QtBot, tmp_path: Path) -> Iterator[MainWindow]:
    database = open_database(f"sqlite:///{tmp_path / 'record.sqlite3'}")
    record_session(database)
    security = BedsideSecurity(database)
    staff(database, security.audit)
    bedside = BedsideSession(Engine(), None, None, None, None, database, RecordState(), None)
    bedside.security = security
    main = MainWindow(bedside, RoomLayout(patient=None, plan=None))
    qtbot.addWidget(main)
    main.show()
    qtbot.waitExposed(main)
    try:
        yield main
    finally:
        main.close()
        settle_deleted(qtbot, main)
        database.dispose()


def records(qtbot: QtBot, window: MainWindow) -> RecordsScreen:
    page = window.records_page
    assert page is not None
    window.monitor.side.setCurrentWidget(page)
    qtbot.waitUntil(lambda: page.page is not None, timeout=5000)
    screen = page.page
    assert isinstance(screen, RecordsScreen)
    return screen


def actions(window: MainWindow) -> list[tuple[str, str, str | None]]:
    assert window.security is not None
    return [(e.action, e.actor, e.target) for e in window.security.audit.entries()]


def test_a_nurse_opens_a_record_and_the_opening_is_audited(qtbot: QtBot,
                                                           window: MainWindow) -> None:
    unlock(qtbot, window, NAMES[Role.NURSE], PINS[Role.NURSE])
    screen = records(qtbot, window)
    qtbot.waitUntil(lambda: screen.table.rowCount() == 1, timeout=10000)
    assert screen.open_session(1)
    qtbot.waitUntil(lambda: screen.review.opened is not None, timeout=10000)
    assert (Action.RECORD_OPENED, NAMES[Role.NURSE], "session 1") in actions(window)


def test_locking_takes_the_list_and_the_opened_record_off_the_screen(
        qtbot: QtBot, window: MainWindow) -> None:
    unlock(qtbot, window, NAMES[Role.NURSE], PINS[Role.NURSE])
    screen = records(qtbot, window)
    qtbot.waitUntil(lambda: screen.table.rowCount() == 1, timeout=10000)
    screen.open_session(1)
    qtbot.waitUntil(lambda: screen.review.opened is not None, timeout=10000)
    window.lock_now()
    assert screen.table.rowCount() == 0 and screen.review.opened is None
    assert screen.review.events.rowCount() == 0
    assert "Alex Example" not in screen.review.header.text()


def test_a_technician_sees_no_patients_and_the_refusal_is_audited(
        qtbot: QtBot, window: MainWindow) -> None:
    technician = NAMES[Role.TECHNICIAN]
    unlock(qtbot, window, technician, PINS[Role.TECHNICIAN])
    screen = records(qtbot, window)
    qtbot.wait(200)  # a read, had one been started, would have answered by now
    assert screen.table.rowCount() == 0 and screen.sessions == []
    assert screen.status.text() == (f"{technician} (technician) may not open a patient's "
                                    "record; ask a nurse to do it.")
    assert (Action.DENIED, technician, "all sessions") in actions(window)
    assert not screen.open_session(1)
