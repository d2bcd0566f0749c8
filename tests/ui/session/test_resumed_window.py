"""A console that stopped mid-infusion is, after the same patient's check-in, where it was.

The record is the session: the new window folds the unfinished session's events, so its
Session page is at the Infusion step with Stop ready, the header says Infusion with the
infusion's own start, and the pump is checked against the plan the nurse confirmed.
"""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from ketaconsole.demo.room import demo_room
from ketaconsole.devices.registry import DriverRegistry, built_ins_only
from ketaconsole.session.phase import Phase
from ketaconsole.session.workflow import Step
from ketaconsole.sim.virtual_patient import SCENARIOS
from tests.ui.conftest import click, fill_check_in, through_plan, unlock, wait_step
from ui.main_window import MainWindow
from ui.session.session_pages import CheckInPage, InfusionPage


def _window(qtbot: QtBot, url: str) -> MainWindow:
    room = demo_room(SCENARIOS["normal"], speed=60.0, database_url=url,
                     registry=DriverRegistry.discover(allowed=built_ins_only))
    window = MainWindow(room)
    qtbot.addWidget(window)
    window.show()
    unlock(qtbot, window)
    window.monitor.side.setCurrentWidget(window.monitor.session)
    return window


def test_a_window_stopped_mid_infusion_resumes_at_the_infusion_with_its_plan(
        qtbot: QtBot, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'record.sqlite3'}"
    first = _window(qtbot, url)
    try:
        through_plan(qtbot, first)
        infusion = first.monitor.session.pages[Step.INFUSION]
        assert isinstance(infusion, InfusionPage)
        with qtbot.waitSignal(first.monitor.session.worker.recorded, timeout=10000):
            click(qtbot, infusion.buttons["start"])
        room = first.room
        qtbot.waitUntil(lambda: room.model.now().infusion_started_at is not None,
                        timeout=15000)
        plan, started = room.model.plan, room.model.now().infusion_started_at
        assert plan is not None and room.service is not None
        session_id = room.service.session_id
    finally:
        first.close_now()  # the console goes away with the session still open
        first.room.stop()
    assert first.room.workflow.step is Step.INFUSION

    second = _window(qtbot, url)
    try:
        page = second.monitor.session.pages[Step.CHECK_IN]
        assert isinstance(page, CheckInPage)
        fill_check_in(qtbot, page)
        click(qtbot, page.sign)
        wait_step(qtbot, second, Step.INFUSION)  # not Baseline: the record says Infusion
        room = second.room
        assert room.service is not None and room.service.session_id == session_id
        assert room.model.plan == plan
        now = room.model.now()
        assert now.phase is Phase.INFUSION and now.infusion_started_at == started
        infusion = second.monitor.session.pages[Step.INFUSION]
        assert isinstance(infusion, InfusionPage)
        qtbot.waitUntil(lambda: infusion.buttons["stop"].isEnabled(), timeout=5000)
        assert not infusion.buttons["start"].isEnabled()
        click(qtbot, infusion.buttons["stop"])
        wait_step(qtbot, second, Step.RECOVERY)
    finally:
        second.close_now()
        second.room.stop()
