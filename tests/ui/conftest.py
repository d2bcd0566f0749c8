"""UI test fixtures: an engine fed by the demo room's simulated devices over real ptys."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from ketaconsole.demo import DemoRoom
from ketaconsole.engine import Engine
from ketaconsole.virtual_patient import SCENARIOS


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
