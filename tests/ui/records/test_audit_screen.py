"""The Audit page: an admin reviews the trail and emergency access; nobody else sees it.

Driven through a real main window's lock panel on a SQLite record: the admin's view is
itself audited, an emergency access waiting for review is listed and reviewed with a
note, the chain check names the first altered entry, a nurse is refused in words with
nothing listed, and locking clears the page.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import text

from ketaconsole.security import Action, Role
from ketaconsole.security.break_glass import break_glass, pending_break_glass_reviews
from tests.core.security_support import NAMES, PINS
from tests.ui.conftest import deliver_answers, unlock
from tests.ui.staffed_console import actions, show_page
from ui.main_window import MainWindow
from ui.records.audit_screen import AuditScreen

ADMIN = NAMES[Role.ADMIN]


def audit_page(qtbot: QtBot, window: MainWindow) -> AuditScreen:
    screen = show_page(qtbot, window, window.audit_page)
    assert isinstance(screen, AuditScreen)
    return screen


def column(screen: AuditScreen, col: int) -> list[str]:
    return [screen.table.item(r, col).text() for r in range(screen.table.rowCount())]


def test_an_admin_sees_the_trail_newest_first_and_the_view_is_audited(
        qtbot: QtBot, staffed_window: MainWindow) -> None:
    unlock(qtbot, staffed_window, ADMIN, PINS[Role.ADMIN])
    screen = audit_page(qtbot, staffed_window)
    qtbot.waitUntil(lambda: screen.table.rowCount() > 0, timeout=10000)
    deliver_answers(screen.calls)  # a second read, had one been started
    reviews = [a for a in actions(staffed_window) if a[0] == Action.AUDIT_REVIEWED]
    assert reviews == [(Action.AUDIT_REVIEWED, ADMIN, "audit trail")], "one view, one entry"
    numbers = [int(n) for n in column(screen, 0)]
    assert numbers == sorted(numbers, reverse=True)
    assert "login" in column(screen, 2) and "user added" in column(screen, 2)
    qtbot.keyClicks(screen.search, "user_added")
    assert set(column(screen, 2)) == {"user added"}


def test_an_emergency_access_is_reviewed_with_a_note(qtbot: QtBot,
                                                     staffed_window: MainWindow) -> None:
    security = staffed_window.security
    assert security is not None
    _, entry = break_glass(security.audit, "airway obstruction", place="room-4")
    unlock(qtbot, staffed_window, ADMIN, PINS[Role.ADMIN])
    screen = audit_page(qtbot, staffed_window)
    qtbot.waitUntil(lambda: screen.pending_table.rowCount() == 1, timeout=10000)
    assert screen.pending_table.item(0, 4).text() == "airway obstruction"
    qtbot.keyClicks(screen.note, "Spoke to the nurse; access was needed")
    qtbot.mouseClick(screen.review_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: screen.pending_table.rowCount() == 0, timeout=10000)
    assert screen.verdict.text() == f"Emergency access {entry.seq} marked reviewed."
    assert pending_break_glass_reviews(security.audit) == []
    review = security.audit.entries(action=Action.BREAK_GLASS_REVIEWED)[-1]
    assert (review.actor, review.target, review.detail) == (
        ADMIN, str(entry.seq), {"note": "Spoke to the nurse; access was needed"})


def test_the_chain_check_names_the_first_altered_entry(qtbot: QtBot,
                                                       staffed_window: MainWindow) -> None:
    unlock(qtbot, staffed_window, ADMIN, PINS[Role.ADMIN])
    screen = audit_page(qtbot, staffed_window)
    screen.check_chain()
    qtbot.waitUntil(lambda: screen.verdict.text().startswith("Audit trail intact"),
                    timeout=10000)
    database = staffed_window.room.database
    assert database is not None
    with database.engine.begin() as connection:
        connection.execute(text("UPDATE audit_log SET target = 'eve' WHERE seq = 2"))
    screen.check_chain()
    qtbot.waitUntil(lambda: screen.verdict.text().startswith("Audit trail altered"),
                    timeout=10000)
    assert "altered at entry 2 " in screen.verdict.text()


def test_a_nurse_is_refused_with_nothing_listed_and_locking_clears_the_page(
        qtbot: QtBot, staffed_window: MainWindow) -> None:
    unlock(qtbot, staffed_window, ADMIN, PINS[Role.ADMIN])
    screen = audit_page(qtbot, staffed_window)
    qtbot.waitUntil(lambda: screen.table.rowCount() > 0, timeout=10000)
    staffed_window.lock_now()
    assert screen.table.rowCount() == 0
    nurse = NAMES[Role.NURSE]
    unlock(qtbot, staffed_window, nurse, PINS[Role.NURSE])
    deliver_answers(screen.calls)  # a read, had one been started
    assert screen.table.rowCount() == 0 and screen.entries == []
    side = staffed_window.monitor.side
    assert not side.isTabVisible(side.indexOf(staffed_window.audit_page)), \
        "a nurse is not offered the audit trail"
    assert side.currentWidget() is not staffed_window.audit_page
    assert (Action.DENIED, nurse, "audit trail") not in actions(staffed_window)


def test_a_read_still_running_when_the_console_locks_is_never_shown(
        qtbot: QtBot, staffed_window: MainWindow) -> None:
    unlock(qtbot, staffed_window, ADMIN, PINS[Role.ADMIN])
    screen = audit_page(qtbot, staffed_window)
    qtbot.waitUntil(lambda: screen.table.rowCount() > 0, timeout=10000)
    late: list[object] = []
    screen.calls.forgotten.connect(lambda _result, tag: late.append(tag))
    screen.refresh()  # its answer is queued for the GUI thread, behind the lock below
    staffed_window.lock_now()
    deliver_answers(screen.calls)
    assert late == ["read"], "the read answered after the lock"
    assert screen.table.rowCount() == 0 and screen.entries == []
