"""Every driver runs in the demo: the other oximeter and pumps drive the same screen."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from ketaconsole.catalogue import NIBP_DIA, NIBP_SYS, SPO2
from ketaconsole.demo.course import DEMO_MRN
from ketaconsole.demo.room import demo_plan, demo_room
from ketaconsole.devices.registry import DriverRegistry, built_ins_only
from ketaconsole.session.checkin import CheckIn
from ketaconsole.sim.virtual_patient import SCENARIOS
from tests.ui.conftest import unlock
from ui.main_window import MainWindow

DEMO = CheckIn("Demo Patient", 42, 70.0, "none known", "none", "none", False, "none", 6.0, 3.0,
               True, "left forearm", True, mrn=DEMO_MRN, pregnancy="no")


@pytest.mark.parametrize("devices", [("nonin", "bbraun-bcc"), ("ne1000",)])
def test_the_demo_runs_on_the_other_drivers(qtbot: QtBot, tmp_path: Path,
                                            devices: tuple[str, ...]) -> None:
    bedside = demo_room(SCENARIOS["normal"], speed=60.0, devices=devices,
                        database_url=f"sqlite:///{tmp_path / 'record.sqlite3'}",
                        registry=DriverRegistry.discover(allowed=built_ins_only))
    window = MainWindow(bedside)
    qtbot.addWidget(window)
    try:
        slugs = {d.driver.info.slug for d in bedside.devices}
        assert set(devices) <= slugs
        window.show()
        tile = window.monitor.tiles[SPO2.refid]
        qtbot.waitUntil(lambda: tile.value.text().isdigit(), timeout=15000)
        pump = window.monitor.pumps[0]
        qtbot.waitUntil(lambda: pump.state.text() != "waiting for the pump", timeout=20000)
        assert pump.state.text() != "infusing", "the demo's pump waits for the nurse"
        unlock(qtbot, window)  # the demo's nurse takes the steps
        flow = bedside.workflow
        flow.check_in(DEMO)
        flow.confirm_baseline({NIBP_SYS.refid: 124.0, NIBP_DIA.refid: 78.0})
        flow.confirm_plan(demo_plan(SCENARIOS["normal"]))
        flow.infusion_action("start")
        qtbot.waitUntil(lambda: pump.state.text() == "infusing", timeout=20000)
        qtbot.waitUntil(lambda: pump.rate.text() == "52.5", timeout=10000)
    finally:
        window.close()
        bedside.stop()
