"""Who sees past records at the console: a nurse, on the audit trail; not a technician.

A real main window on a SQLite record with one recorded session and one user of each
role, driven through its lock panel: the nurse's opening of a record is audited, the
technician is refused in words with no patient listed, and locking the console takes
the list and the opened record off the screen.
"""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from ketaconsole.security import Action, Role
from tests.core.security_support import NAMES, PINS
from tests.ui.conftest import deliver_answers, unlock
from tests.ui.staffed_console import actions, show_page
from ui.main_window import MainWindow
from ui.records.records_screen import RecordsScreen


def records(qtbot: QtBot, window: MainWindow) -> RecordsScreen:
    screen = show_page(qtbot, window, window.records_page)
    assert isinstance(screen, RecordsScreen)
    return screen


def test_a_nurse_opens_a_record_and_the_opening_is_audited(qtbot: QtBot,
                                                           staffed_window: MainWindow) -> None:
    window = staffed_window
    unlock(qtbot, window, NAMES[Role.NURSE], PINS[Role.NURSE])
    screen = records(qtbot, window)
    qtbot.waitUntil(lambda: screen.table.rowCount() == 1, timeout=10000)
    assert screen.open_session(1)
    qtbot.waitUntil(lambda: screen.review.opened is not None, timeout=10000)
    assert (Action.RECORD_OPENED, NAMES[Role.NURSE], "session 1") in actions(window)


def test_locking_takes_the_list_and_the_opened_record_off_the_screen(
        qtbot: QtBot, staffed_window: MainWindow) -> None:
    window = staffed_window
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
        qtbot: QtBot, staffed_window: MainWindow) -> None:
    window = staffed_window
    technician = NAMES[Role.TECHNICIAN]
    unlock(qtbot, window, technician, PINS[Role.TECHNICIAN])
    screen = records(qtbot, window)
    deliver_answers(screen.calls, screen.review.calls)  # a read, had one been started
    assert screen.table.rowCount() == 0 and screen.sessions == []
    assert screen.status.text() == ("Tom Technician (technician) may not open a patient's "
                                    "record; ask a nurse or a prescriber to do it.")
    assert (Action.DENIED, technician, "all sessions") in actions(window)
    assert not screen.open_session(1)


def test_a_list_or_record_still_being_read_when_the_console_locks_is_never_shown(
        qtbot: QtBot, staffed_window: MainWindow) -> None:
    window = staffed_window
    unlock(qtbot, window, NAMES[Role.NURSE], PINS[Role.NURSE])
    screen = records(qtbot, window)
    qtbot.waitUntil(lambda: screen.table.rowCount() == 1, timeout=10000)
    late: list[object] = []
    screen.calls.forgotten.connect(lambda _result, tag: late.append(tag))
    screen.review.calls.forgotten.connect(lambda _result, tag: late.append(tag))
    screen.refresh()
    screen.open_session(1)  # both answers are queued behind the lock below
    window.lock_now()
    deliver_answers(screen.calls, screen.review.calls)
    assert sorted(map(str, late)) == ["list", "open"], "both reads answered after the lock"
    assert screen.table.rowCount() == 0 and screen.review.opened is None
    assert screen.review.events.rowCount() == 0


def test_a_re_export_from_records_goes_through_the_guarded_door_and_is_audited(
        qtbot: QtBot, staffed_window: MainWindow, tmp_path: object) -> None:
    from pathlib import Path

    from ketaconsole.export.service import ExportFormat

    window = staffed_window
    unlock(qtbot, window, NAMES[Role.NURSE], PINS[Role.NURSE])
    screen = records(qtbot, window)
    qtbot.waitUntil(lambda: screen.table.rowCount() == 1, timeout=10000)
    assert screen.open_session(1)
    qtbot.waitUntil(lambda: screen.review.opened is not None, timeout=10000)
    assert isinstance(tmp_path, Path)
    screen.review.folder.setText(str(tmp_path))
    screen.review.export(ExportFormat.CSV)
    qtbot.waitUntil(lambda: bool(screen.review.last_export), timeout=10000)
    assert (Action.EXPORT, NAMES[Role.NURSE], "session 1") in actions(window)
