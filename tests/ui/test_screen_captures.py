"""Captures of every screen, for a person to look at.

The PNGs go to the folder named by ``KETACONSOLE_SCREENSHOTS`` (or the test's own
temporary folder); each capture is checked to be a real, non-blank picture.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot

from ketaconsole.catalogue import SPO2
from tests.ui.conftest import open_demo_window, unlock
from ui.main_window import MainWindow


@pytest.fixture
def captures(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("KETACONSOLE_SCREENSHOTS", tmp_path / "screens"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def window(qtbot: QtBot, tmp_path: Path) -> Iterator[MainWindow]:
    yield from open_demo_window(qtbot, tmp_path, speed=1.0)


def _capture(window: MainWindow, path: Path) -> None:
    window.monitor.refresh(window.room.engine.clock())
    assert window.grab().save(str(path), "PNG")
    image = QImage(str(path))
    assert image.width() >= 1000 and image.height() >= 600
    colours = {image.pixel(x * image.width() // 40, y * image.height() // 40)
               for x in range(40) for y in range(40)}
    assert len(colours) > 10, "the capture is (nearly) a blank picture"


def test_every_screen_is_captured(qtbot: QtBot, window: MainWindow, captures: Path) -> None:
    tile = window.monitor.tiles[SPO2.refid]
    qtbot.waitUntil(lambda: tile.value.text().isdigit(), timeout=10000)
    _capture(window, captures / "monitor-locked.png")
    unlock(qtbot, window)
    side = window.monitor.side
    for index in range(side.count()):
        side.setCurrentIndex(index)
        qtbot.wait(100)
        name = side.tabText(index).lower().replace(" ", "-")
        _capture(window, captures / f"monitor-{name}.png")
    side.setCurrentIndex(0)
    qtbot.wait(100)
    window.monitor.alarm_bar.pause_audio()
    window.monitor.refresh(window.room.engine.clock())
    assert window.monitor.alarm_bar.paused.text() in ("Audio paused 2:00", "Audio paused 1:59")
    _capture(window, captures / "monitor-audio-paused.png")
    assert {p.name for p in captures.glob("monitor-*.png")} >= {
        "monitor-locked.png", "monitor-timeline.png", "monitor-session.png"}
