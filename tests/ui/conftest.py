"""UI test fixtures: an engine fed by the demo room's simulated devices over real ptys."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pytestqt.qtbot import QtBot

from ketaconsole.bedside import BedsideSession
from ketaconsole.demo import DemoRoom
from ketaconsole.engine import Engine
from ketaconsole.virtual_patient import SCENARIOS
from ui.app import room_layout
from ui.main_window import MainWindow


@pytest.fixture
def demo_room() -> Iterator[DemoRoom]:
    """The demo's devices (simulators on ptys, real drivers) feeding a fresh engine."""
    room = DemoRoom(Engine(), SCENARIOS["normal"], speed=60.0).start()
    try:
        yield room
    finally:
        room.stop()


@pytest.fixture(autouse=True)
def console_theme(qapp: object) -> None:
    """Every UI test sees the console's own theme, as the program shows it."""
    from PySide6.QtWidgets import QApplication

    from ui.theme import apply_theme

    assert isinstance(qapp, QApplication)
    apply_theme(qapp)


def open_demo_window(qtbot: QtBot, tmp_path: Path, *, speed: float) -> Iterator[MainWindow]:
    """The demo's main window on a throw-away record, closed and stopped afterwards."""
    bedside = BedsideSession.demo(SCENARIOS["normal"], speed=speed,
                                  database_url=f"sqlite:///{tmp_path / 'record.sqlite3'}")
    main = MainWindow(bedside, room_layout(bedside))
    qtbot.addWidget(main)
    main.show()
    try:
        yield main
    finally:
        main.close()
        bedside.stop()
