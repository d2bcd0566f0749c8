"""Captures of the Devices and Records screens at bedside size, for a person to look at.

The PNGs go to the folder named by ``KETACONSOLE_SCREENSHOTS`` (or the test's own
temporary folder); each is checked to be a real, non-blank picture of the right size.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from ketaconsole.bedside.security import BedsideSecurity
from ketaconsole.devices.device_profiles import DeviceSetup, save_profile
from ketaconsole.devices.registry import DriverRegistry, built_ins_only
from ketaconsole.devices.sim_host import PtyDeviceHost
from ketaconsole.observations import LinkStatus
from ketaconsole.sim.virtual_patient import SCENARIOS, VirtualPatient
from ketaconsole.store import open_database
from tests.core.export_support import record_session
from ui.devices.devices_screen import DevicesScreen
from ui.records.records_screen import RecordsScreen

SIZE = (1366, 820)


@pytest.fixture
def captures(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("KETACONSOLE_SCREENSHOTS", tmp_path / "screens"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _capture(qtbot: QtBot, widget: QWidget, path: Path) -> None:
    qtbot.wait(200)  # let queued signals and layout changes land before the picture
    assert widget.grab().save(str(path), "PNG")
    image = QImage(str(path))
    assert (image.width(), image.height()) == SIZE
    colours = {image.pixel(x, y) for x in range(5, SIZE[0], 40) for y in range(5, SIZE[1], 40)}
    assert len(colours) > 3, "the capture is a blank picture"


def test_devices_screen_is_captured(qtbot: QtBot, tmp_path: Path, captures: Path) -> None:
    registry = DriverRegistry.discover(allowed=built_ins_only)
    database = open_database(f"sqlite:///{tmp_path / 'record.sqlite3'}")
    save_profile(database, DeviceSetup("Monitor", "Room 1", "masimo-ascii", "/dev/ttyUSB0"),
                 by="tech.ana")
    screen = DevicesScreen(registry, database, BedsideSecurity(database).console,
                           room="Room 1")
    qtbot.addWidget(screen)
    screen.resize(*SIZE)
    screen.show()
    driver = registry.get("masimo-ascii")
    assert driver.create_simulator is not None
    patient = VirtualPatient(SCENARIOS["normal"], start=time.time())
    try:
        screen.choose_driver("intellivue-mib")
        qtbot.waitUntil(lambda: not screen.calls.busy, timeout=5000)
        _capture(qtbot, screen, captures / "devices-setup.png")
        with PtyDeviceHost(driver.create_simulator(patient, {"model": "rad8"})) as host:
            screen.choose_driver("masimo-ascii")
            screen.port.setText(host.path)
            screen.start_test()
            qtbot.waitUntil(lambda: screen.test.link_status is LinkStatus.CONNECTED
                            and len(screen.test.rows()) >= 3, timeout=10000)
            _capture(qtbot, screen, captures / "devices-test.png")
            with qtbot.waitSignal(screen.test.stopped, timeout=10000):
                screen.test.stop()
        screen.tabs.setCurrentIndex(2)
        qtbot.waitUntil(lambda: screen.profile_page.profile_list.count() == 1, timeout=5000)
        _capture(qtbot, screen, captures / "devices-profiles.png")
    finally:
        screen.shutdown()
        database.dispose()


def test_records_screen_is_captured(qtbot: QtBot, tmp_path: Path, captures: Path) -> None:
    url = f"sqlite:///{tmp_path / 'record.sqlite3'}"
    database = open_database(url)
    session_id = record_session(database).session_id
    record_session(database, patient="Robin Other")
    screen = RecordsScreen(database, export_folder=tmp_path, author=lambda: "clerk")
    qtbot.addWidget(screen)
    screen.resize(*SIZE)
    screen.show()
    try:
        qtbot.waitUntil(lambda: len(screen.shown_numbers()) == 2, timeout=10000)
        screen.open_session(session_id)
        qtbot.waitUntil(lambda: screen.review.opened is not None, timeout=10000)
        screen.review.verify()
        qtbot.waitUntil(lambda: "Chain" in screen.review.verdict.text(), timeout=10000)
        _capture(qtbot, screen, captures / "records-timeline.png")
        screen.review.tabs.setCurrentIndex(1)
        _capture(qtbot, screen, captures / "records-trends.png")
    finally:
        screen.shutdown()
        database.dispose()
