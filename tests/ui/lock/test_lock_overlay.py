"""The lock panel and the idle watcher, driven as a person would with pytest-qt.

The panel works against a real ConsoleLock on a SQLite record: a wrong PIN is refused
in words on the panel, the right one unlocks and says who; emergency access opens the
console without a PIN and leaves a pending review on the audit trail. The panel is a
plain widget, never a modal dialog.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication, QDialog, QLineEdit, QWidget
from pytestqt.qtbot import QtBot

from ketaconsole.security import (
    Action,
    AuditLog,
    ConsoleLock,
    LockState,
    pending_break_glass_reviews,
)
from ketaconsole.security.roles import Role
from ketaconsole.security.users import add_first_admin, create_user, list_users
from ketaconsole.store import Database, open_database
from ui.lock.idle_watcher import IdleWatcher
from ui.lock.lock_overlay import LOCKED_TEXT, NOBODY_CHOSEN, LockOverlay


@pytest.fixture
def record(tmp_path: Path) -> Iterator[Database]:
    database = open_database(f"sqlite:///{tmp_path / 'record.sqlite3'}")
    audit = AuditLog(database)
    admin = add_first_admin(database, audit, username="ada", display_name="Ada Admin",
                            pin="318264")
    create_user(database, audit, username="nia", display_name="Nia Nurse", role=Role.NURSE,
                pin="471962", by=admin)
    yield database
    database.dispose()


@pytest.fixture
def panel(qtbot: QtBot, record: Database) -> LockOverlay:
    lock = ConsoleLock(record, AuditLog(record), place="room-1")
    overlay = LockOverlay(lock, list_users(record))
    qtbot.addWidget(overlay)
    overlay.show()
    return overlay


def _choose(panel: LockOverlay, username: str | None) -> None:
    panel.user_choice.setCurrentIndex(panel.user_choice.findData(username))


def test_the_panel_says_the_monitor_stays_live_and_masks_the_pin(panel: LockOverlay) -> None:
    assert panel.title.text() == LOCKED_TEXT
    assert panel.pin.echoMode() is QLineEdit.EchoMode.Password
    assert not isinstance(panel, QDialog) and not panel.isModal()
    assert panel.isWindow() is True and panel.windowModality() is Qt.WindowModality.NonModal
    choices = [panel.user_choice.itemText(i) for i in range(panel.user_choice.count())]
    # nurses first
    assert choices == [NOBODY_CHOSEN, "Nia Nurse (nurse)", "Ada Admin (administrator)"]
    assert panel.unlock_button.text() == "Unlock"
    assert panel.emergency_button.text() == "Emergency access (break-glass)"


def test_a_wrong_pin_is_refused_on_the_panel(qtbot: QtBot, panel: LockOverlay) -> None:
    _choose(panel, "nia")
    qtbot.keyClicks(panel.pin, "9999")
    with qtbot.assertNotEmitted(panel.unlocked):
        qtbot.mouseClick(panel.unlock_button, Qt.MouseButton.LeftButton)
    assert panel.message.text() == ("The user name or PIN is not right; check both and "
                                    "try again.")
    assert panel.pin.text() == ""
    assert panel.lock.state is LockState.LOCKED


def test_the_right_pin_unlocks_and_names_the_user(qtbot: QtBot, panel: LockOverlay) -> None:
    _choose(panel, "nia")
    qtbot.keyClicks(panel.pin, "471962")
    with qtbot.waitSignal(panel.unlocked, timeout=5000) as unlocked:
        qtbot.keyClick(panel.pin, Qt.Key.Key_Return)
    user = unlocked.args[0]
    assert user.username == "nia" and user.role is Role.NURSE
    assert panel.lock.state is LockState.UNLOCKED and panel.lock.user == user
    assert panel.pin.text() == "" and panel.message.text() == ""


def test_unlock_without_a_chosen_user_asks_for_one(qtbot: QtBot, panel: LockOverlay) -> None:
    _choose(panel, None)
    qtbot.keyClicks(panel.pin, "471962")
    qtbot.mouseClick(panel.unlock_button, Qt.MouseButton.LeftButton)
    assert panel.message.text() == "Choose your name, then type your PIN."
    assert panel.lock.state is LockState.LOCKED


def test_emergency_access_opens_without_a_pin_and_is_recorded(qtbot: QtBot,
                                                              panel: LockOverlay) -> None:
    _choose(panel, None)
    qtbot.keyClicks(panel.reason, "patient not breathing")
    with qtbot.waitSignal(panel.break_glass, timeout=5000) as opened:
        qtbot.mouseClick(panel.emergency_button, Qt.MouseButton.LeftButton)
    assert opened.args[0].username == "emergency" and opened.args[1] == "patient not breathing"
    assert panel.lock.state is LockState.EMERGENCY
    pending = pending_break_glass_reviews(panel.lock.audit)
    assert [(p.action, p.actor, p.detail["reason"]) for p in pending] == [
        (Action.BREAK_GLASS, "emergency", "patient not breathing")]


def test_emergency_access_with_a_name_chosen_never_acts_as_that_user(
        qtbot: QtBot, panel: LockOverlay) -> None:
    _choose(panel, "nia")
    with qtbot.waitSignal(panel.break_glass, timeout=5000) as opened:
        qtbot.mouseClick(panel.emergency_button, Qt.MouseButton.LeftButton)
    assert opened.args[0].username == "emergency" and opened.args[1] == ""
    assert panel.lock.current_user() == opened.args[0]
    entry = pending_break_glass_reviews(panel.lock.audit)[0]
    assert (entry.actor, entry.user_id) == ("emergency", None)


def _move_mouse(widget: QWidget) -> None:
    event = QMouseEvent(QEvent.Type.MouseMove, QPointF(5, 5), QPointF(5, 5),
                        Qt.MouseButton.NoButton, Qt.MouseButton.NoButton,
                        Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, event)


def test_the_idle_watcher_calls_back_after_the_idle_time(qtbot: QtBot) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    fired: list[bool] = []
    watcher = IdleWatcher(app, 0.2, lambda: fired.append(True))
    try:
        qtbot.waitUntil(lambda: fired == [True], timeout=5000)
        assert watcher.remaining_ms() == -1
    finally:
        watcher.stop()


def test_input_anywhere_restarts_the_idle_time(qtbot: QtBot) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    widget = QWidget()
    qtbot.addWidget(widget)
    touched: list[bool] = []
    watcher = IdleWatcher(app, 60, lambda: None, on_input=lambda: touched.append(True))
    try:
        qtbot.waitUntil(lambda: 0 < watcher.remaining_ms() <= 59_000, timeout=10_000)
        _move_mouse(widget)
        assert watcher.remaining_ms() > 59_000
        assert touched == [True]
        qtbot.keyClick(widget, Qt.Key.Key_A)
        assert len(touched) >= 2
    finally:
        watcher.stop()
    seen = len(touched)
    _move_mouse(widget)
    assert len(touched) == seen, "a stopped watcher no longer watches input"
    assert watcher.remaining_ms() == -1


def test_the_idle_time_must_be_positive(qtbot: QtBot) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    with pytest.raises(ValueError, match="more than 0 seconds"):
        IdleWatcher(app, 0, lambda: None)
