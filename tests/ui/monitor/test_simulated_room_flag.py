"""A clinic room with any device on a simulator's port (sim://) says SIMULATED DEVICES
under the patient's name, like the demo: a simulator's numbers never pass for a
patient's."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from ketaconsole.devices.device_spec import DeviceSpec
from tests.room_support import bare_room
from ui.monitor.monitor_screen import MonitorScreen


def _header_flags(qtbot: QtBot, specs: list[DeviceSpec]) -> str:
    room = bare_room(specs=specs)
    try:
        screen = MonitorScreen(room, session_pages=False)
        qtbot.addWidget(screen)
        return screen.header.simulated.text()
    finally:
        room.stop()


def test_a_clinic_room_with_a_simulator_port_is_flagged_simulated(qtbot: QtBot) -> None:
    flags = _header_flags(qtbot, [DeviceSpec("ox", "masimo-ascii", "sim://masimo-ascii")])
    assert "SIMULATED DEVICES" in flags


def test_a_clinic_room_on_real_ports_is_not_flagged(qtbot: QtBot) -> None:
    assert _header_flags(qtbot, [DeviceSpec("ox", "masimo-ascii", "/dev/ttyUSB7")]) == ""
