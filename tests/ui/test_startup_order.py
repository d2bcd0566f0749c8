"""The console paints its live monitor first; its devices and its record follow that paint."""

from __future__ import annotations

import argparse
import threading
from pathlib import Path

from pytestqt.qtbot import QtBot

from ketaconsole.bedside.room import RoomStart
from ketaconsole.bedside.room_record import RoomRecord
from ketaconsole.catalogue import SPO2
from ketaconsole.demo.course import DEMO_MRN
from ketaconsole.devices.registry import DriverRegistry, built_ins_only
from ketaconsole.session.checkin import CheckIn
from tests.ui.conftest import deliver_answers, unlock
from ui.app import room_start
from ui.main_window import OPENING_RECORD, MainWindow
from ui.room_opening import RoomOpening

DEMO = CheckIn("Demo Patient", 42, 70.0, "none known", "none", "none", False, "none", 6.0, 3.0,
               True, "left forearm", True, mrn=DEMO_MRN, pregnancy="no")


def _demo_args(tmp_path: Path) -> argparse.Namespace:
    return argparse.Namespace(demo=True, scenario="normal", speed=60.0, demo_device=[],
                              room=None, db=f"sqlite:///{tmp_path / 'record.sqlite3'}")


def test_the_monitor_is_painted_while_the_record_is_still_opening(qtbot: QtBot,
                                                                   tmp_path: Path) -> None:
    start = room_start(_demo_args(tmp_path))
    room = start.room
    may_open = threading.Event()
    opening_began = threading.Event()

    def held_open() -> RoomRecord:  # the real record, opened only once the test allows it
        opening_began.set()
        assert may_open.wait(30), "the test never let the record open"
        return start.open_record()

    window = MainWindow(room)
    qtbot.addWidget(window)
    opening = RoomOpening(RoomStart(room, start.join_devices, held_open), window,
                          lambda: DriverRegistry.discover(allowed=built_ins_only))
    at_first_paint: list[tuple[bool, bool]] = []
    window.first_painted.connect(
        lambda: at_first_paint.append((room.devices_joined, room.record_opened)))
    window.first_painted.connect(opening.start)
    try:
        window.show()
        qtbot.waitUntil(lambda: bool(at_first_paint), timeout=10000)
        assert at_first_paint == [(False, False)], "painted only after the room was finished"
        assert room.alarm_loop is not None, "the alarm system runs from the first paint"
        assert window.monitor.trend.built, "the trend's plots follow right after the paint"

        qtbot.waitUntil(opening_began.is_set, timeout=10000)
        # the record is opening: the monitor is live, nobody can act at the side panel
        assert room.database is None and not window.is_open
        assert window.monitor.side_stack.currentWidget() is window.opening_panel
        assert window.opening_panel.text() == OPENING_RECORD
        window.monitor.refresh(room.engine.clock())
        assert window.monitor.record_banner.text().startswith("not recording yet: opening")
        assert [d.spec.device_id for d in room.devices] == ["monitor", "oximeter", "pump"]
        assert len(window.monitor.pumps) == 1
        tile = window.monitor.tiles[SPO2.refid]
        qtbot.waitUntil(lambda: tile.value.text().isdigit(), timeout=15000)

        may_open.set()
        qtbot.waitUntil(lambda: window.is_open, timeout=30000)
        assert room.database is not None and room.security is not None
        assert window.lock_panel is not None
        qtbot.waitUntil(window.lock_panel.isVisible, timeout=5000)
        unlock(qtbot, window)
        stored = room.workflow.check_in(DEMO)
        assert stored.kind == "check_in"
        assert room.service is not None and room.model.patient is not None
    finally:
        may_open.set()
        window.close_now()
        room.stop()
        opening.wait_idle()


def test_a_window_closed_while_its_record_opens_lets_the_record_go(qtbot: QtBot,
                                                                     tmp_path: Path) -> None:
    start = room_start(_demo_args(tmp_path))
    room = start.room
    window = MainWindow(room)
    qtbot.addWidget(window)
    opening = RoomOpening(start, window, lambda: DriverRegistry.discover(allowed=built_ins_only))
    window.first_painted.connect(opening.start)
    window.show()
    qtbot.waitUntil(lambda: room.devices_joined, timeout=10000)
    window.close_now()
    room.stop()
    deliver_answers(opening)  # the record the worker opened, handed to the stopped room
    assert room.database is None and not window.is_open
    again = room_start(_demo_args(tmp_path))  # the station's lock was released
    try:
        again.finish(DriverRegistry.discover(allowed=built_ins_only))
        assert again.room.database is not None
    finally:
        again.room.stop()


def test_another_console_on_the_station_is_refused_in_one_sentence(qtbot: QtBot,
                                                                     tmp_path: Path) -> None:
    first = room_start(_demo_args(tmp_path)).finish(
        DriverRegistry.discover(allowed=built_ins_only))
    start = room_start(_demo_args(tmp_path))
    window = MainWindow(start.room)
    qtbot.addWidget(window)
    opening = RoomOpening(start, window, lambda: DriverRegistry.discover(allowed=built_ins_only))
    window.first_painted.connect(opening.start)
    try:
        with qtbot.waitSignal(opening.refused, timeout=30000) as refused:
            window.show()
        assert refused.args is not None
        assert "another console is already running as station" in refused.args[0]
        assert not start.room.record_opened and not window.is_open
    finally:
        window.close_now()
        start.room.stop()
        opening.wait_idle()
        first.stop()


def test_the_window_and_its_room_are_made_without_the_records_modules(tmp_path: Path) -> None:
    """What the first paint needs loads no database, migration, PIN hashing or export code."""
    import os
    import subprocess
    import sys

    heavy = ("sqlalchemy", "alembic", "argon2", "reportlab", "ketaconsole.store.database",
             "ketaconsole.security", "ketaconsole.export", "ketaconsole.sdk", "serial")
    script = (
        "import argparse, sys\n"
        "from PySide6.QtWidgets import QApplication\n"
        "from ketaconsole.cli import build_parser\n"
        "from ui.app import room_start\n"
        "from ui.main_window import MainWindow\n"
        "app = QApplication([])\n"
        "args = build_parser(['--demo']).parse_args(['--demo'])\n"
        "start = room_start(args)\n"
        "window = MainWindow(start.room)\n"
        "window.show()\n"
        "app.processEvents()\n"
        f"print(sorted(m for m in {heavy!r} if m in sys.modules))\n"
        "start.room.stop()\n")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", KETACONSOLE_HOME=str(tmp_path))
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=60, env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == "[]"
