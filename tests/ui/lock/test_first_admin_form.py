"""On first start the lock panel creates the first admin, who can then unlock."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from ketaconsole.security import Role
from tests.room_support import bare_room
from tests.ui.conftest import unlock
from ui.main_window import MainWindow


def test_first_start_creates_the_first_admin_who_can_then_unlock(
        qtbot: QtBot, tmp_path: Path) -> None:
    room = bare_room(f"sqlite:///{tmp_path / 'record.sqlite3'}")
    assert room.security is not None
    window = MainWindow(room)
    qtbot.addWidget(window)
    window.show()
    try:
        form = window.first_admin
        qtbot.waitUntil(form.isVisible, timeout=5000)
        qtbot.keyClicks(form.display_name, "Ada Admin")
        qtbot.keyClicks(form.username, "ada")
        qtbot.keyClicks(form.pin, "735911")
        qtbot.keyClicks(form.pin_again, "735910")
        qtbot.mouseClick(form.create_button, Qt.MouseButton.LeftButton)
        assert "differ" in form.message.text()
        assert room.security.needs_first_admin()
        form.pin.setText("735911")
        form.pin_again.setText("735911")
        qtbot.mouseClick(form.create_button, Qt.MouseButton.LeftButton)
        assert not room.security.needs_first_admin()
        admins = [u for u in room.security.users() if u.role is Role.ADMIN]
        assert [u.username for u in admins] == ["ada"]
        assert not form.isVisible()
        unlock(qtbot, window, "ada", "735911")
        assert not room.security.locked
    finally:
        window.close()
        room.stop()
