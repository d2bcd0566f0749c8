"""The monitor window shows what the demo's devices really send, and blanks what they stop."""

from __future__ import annotations

import re
import time

from pytestqt.qtbot import QtBot

from ketaconsole.bedside.room import Room
from ketaconsole.catalogue import PULSE_RATE, SPO2
from ketaconsole.live.engine import Engine
from ketaconsole.observations import Numeric
from tests.room_support import bare_room
from ui.main_window import MainWindow

NUMBER = re.compile(r"^\d+(\.\d+)?$")


def _bedside(engine: Engine) -> Room:
    return bare_room(engine=engine)


def test_demo_window_shows_live_values_from_the_simulated_devices(
        qtbot: QtBot, demo_room: Room) -> None:
    window = MainWindow(demo_room)
    qtbot.addWidget(window)
    window.show()
    spo2 = window.monitor.tiles[SPO2.refid]
    pulse = window.monitor.tiles[PULSE_RATE.refid]
    qtbot.waitUntil(lambda: bool(NUMBER.match(spo2.value.text())), timeout=8000)
    qtbot.waitUntil(lambda: bool(NUMBER.match(pulse.value.text())), timeout=8000)
    assert demo_room.virtual_patient is not None
    true_spo2 = demo_room.virtual_patient.vitals(time.time()).spo2
    assert abs(float(spo2.value.text()) - true_spo2) <= 3
    assert demo_room.engine.latest(SPO2.refid) is not None


def test_a_stale_value_blanks_and_says_how_old_it_is(qtbot: QtBot) -> None:
    engine = Engine()
    window = MainWindow(_bedside(engine))
    qtbot.addWidget(window)
    now = time.time()
    engine.ingest([Numeric("ox", SPO2.refid, 97.0, "%", now - 30)])
    tile = window.monitor.tiles[SPO2.refid]
    tile.refresh(now)
    assert tile.value.text() == "--"
    assert tile.note.text() == "no data for 30 s"
    engine.ingest([Numeric("ox", SPO2.refid, 97.0, "%", now)])
    tile.refresh(now)
    assert tile.value.text() == "97"


def test_a_value_the_device_marks_invalid_is_never_shown_as_a_number(qtbot: QtBot) -> None:
    engine = Engine()
    window = MainWindow(_bedside(engine))
    qtbot.addWidget(window)
    now = time.time()
    engine.ingest([Numeric("ox", SPO2.refid, 97.0, "%", now - 1),
                   Numeric("ox", SPO2.refid, None, "%", now)])
    tile = window.monitor.tiles[SPO2.refid]
    tile.refresh(now)
    assert tile.value.text() == "--"
    assert "no valid value" in tile.note.text()
