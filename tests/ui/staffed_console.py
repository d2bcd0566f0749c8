"""A real main window on a SQLite record with one recorded session and one user per role."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from ketaconsole.security import AuditLog
from ketaconsole.store import open_database
from tests.core.export_support import record_session
from tests.core.security_support import staff
from tests.room_support import bare_room
from ui.main_window import MainWindow
from ui.widgets.lazy_page import LazyPage


@pytest.fixture
def staffed_window(qtbot: QtBot, tmp_path: Path) -> Iterator[MainWindow]:
    url = f"sqlite:///{tmp_path / 'record.sqlite3'}"
    database = open_database(url)
    staff(database, AuditLog(database))
    record_session(database)
    room = bare_room(url)
    assert room.security is not None and room.database is not None
    main = MainWindow(room)
    qtbot.addWidget(main)
    main.show()
    qtbot.waitExposed(main)
    try:
        yield main
    finally:
        from tests.ui.conftest import settle_deleted  # conftest imports this module

        main.close()
        settle_deleted(qtbot, main)
        database.dispose()


def show_page(qtbot: QtBot, window: MainWindow, page: LazyPage | None) -> QWidget:
    """Bring a side-panel page into view as a tap on its tab does; the page it built."""
    assert page is not None
    window.monitor.side.setCurrentWidget(page)
    qtbot.waitUntil(lambda: page.page is not None, timeout=5000)
    assert page.page is not None
    return page.page


def actions(window: MainWindow) -> list[tuple[str, str, str | None]]:
    assert window.security is not None
    return [(e.action, e.actor, e.target) for e in window.security.audit.entries()]
