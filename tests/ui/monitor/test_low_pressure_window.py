"""A real room's window shows the console's low-blood-pressure alarm from a simulated monitor.

The IntelliVue simulator follows the ``hypotension`` story on a pty, already in the
fall; the room is made by the one room builder with that monitor as its device and
read by the real driver. The alarm is the console's own (``bp-low``), not the monitor's.
A low mean alone marks the pressure tile as a low systolic does.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from ketaconsole.alarms import Priority
from ketaconsole.bedside.room import Room
from ketaconsole.catalogue import NIBP_DIA, NIBP_MEAN, NIBP_SYS
from ketaconsole.devices.device_spec import DeviceSpec
from ketaconsole.devices.registry import DriverRegistry, built_ins_only
from ketaconsole.devices.sim_host import PtyDeviceHost
from ketaconsole.live.engine import Engine
from ketaconsole.observations import Numeric
from ketaconsole.sim.virtual_patient import SCENARIOS, VirtualPatient
from tests.room_support import bare_room
from ui.main_window import MainWindow
from ui.monitor.monitor_screen import MonitorScreen

READING = re.compile(r"^(\d+)/(\d+)$")
T0 = 1_800_000_000.0


@pytest.fixture
def hypotensive_room() -> Iterator[Room]:
    """A room whose monitor measures a patient two minutes into the story's fall."""
    story = SCENARIOS["hypotension"]
    fall = story.excursions[0]
    patient = VirtualPatient(story, start=time.time() - (fall.start_s + fall.ramp_s + 120))
    driver = DriverRegistry.discover(allowed=built_ins_only).get("intellivue-mib")
    assert driver.create_simulator is not None
    with PtyDeviceHost(driver.create_simulator(patient, driver.info.resolve_settings({}))
                       ) as monitor:
        room = bare_room(specs=[DeviceSpec("monitor", "intellivue-mib", monitor.path,
                                           label="Patient monitor")])
        try:
            yield room
        finally:
            room.stop()


def test_a_monitors_hypotension_is_a_red_low_pressure_alarm_in_the_bar_and_on_the_tile(
        qtbot: QtBot, hypotensive_room: Room) -> None:
    window = MainWindow(hypotensive_room)
    qtbot.addWidget(window)
    window.show()
    bar, tile = window.monitor.alarm_bar, window.monitor.blood_pressure

    def shown() -> list[str]:
        return [chip.text() for chip in bar.chips if not chip.isHidden()]

    qtbot.waitUntil(lambda: any("NIBP" in text and "below" in text for text in shown()),
                    timeout=20000)
    (chip,) = [text for text in shown() if "NIBP" in text]
    assert chip.startswith("***") and "(from Patient monitor)" in chip
    (alarm,) = [a for a in hypotensive_room.alarms.active_alarms(time.time())
                if a.alarm_id == "bp-low"]
    assert alarm.priority is Priority.HIGH and alarm.label == "Blood pressure low"
    qtbot.waitUntil(lambda: tile.title.text() == "*** NIBP", timeout=5000)
    reading = READING.match(tile.value.text())
    assert reading is not None and int(reading.group(1)) < 80  # about 66/42


def test_a_low_mean_with_a_normal_systolic_marks_the_pressure_tile(qtbot: QtBot) -> None:
    engine = Engine(clock=lambda: T0)
    screen = MonitorScreen(bare_room(engine=engine))
    qtbot.addWidget(screen)
    engine.ingest([Numeric("monitor", NIBP_SYS.refid, 96.0, "mm[Hg]", T0),
                   Numeric("monitor", NIBP_DIA.refid, 48.0, "mm[Hg]", T0),
                   Numeric("monitor", NIBP_MEAN.refid, 62.0, "mm[Hg]", T0)])
    screen.alarms.evaluate(T0)
    screen.refresh(T0)
    assert screen.blood_pressure.title.text() == "** NIBP"
    assert "NIBP mean 62 mmHg, below 65 mmHg" in screen.alarm_bar.chips[0].text()
