"""The Infusion page says what the pump says when it disagrees with the nurse's last step."""

from __future__ import annotations

import time

from pytestqt.qtbot import QtBot

from ketaconsole.alarms import AlarmSystem, default_profile
from ketaconsole.live.engine import Engine
from ketaconsole.observations import PumpState, PumpStatus
from ketaconsole.session.model import SessionModel
from ketaconsole.session.phase import Phase
from ketaconsole.session.workflow import SessionWorkflow, Step
from tests.room_support import acting_as
from tests.ui.conftest import click, through_plan, unlock
from ui.main_window import MainWindow
from ui.session.session_pages import InfusionPage


def test_an_infusion_the_pump_ended_is_not_shown_as_running(qtbot: QtBot) -> None:
    engine = Engine()
    model = SessionModel(engine, AlarmSystem(default_profile()), ["pump"])
    workflow = SessionWorkflow(model, clock=time.time, door=acting_as("nia"))
    page = InfusionPage(workflow, lambda _call, _tag: None)
    qtbot.addWidget(page)
    model.set_phase(Phase.INFUSION)
    engine.ingest([PumpStatus("pump", time.time(), PumpState.INFUSING, rate_ml_h=52.5)])
    page.update_buttons()
    assert page.state.text() == "Running"
    engine.ingest([PumpStatus("pump", time.time(), PumpState.STOPPED, rate_ml_h=0.0)])
    page.update_buttons()
    assert page.state.text().startswith("Pump stopped: the pump is not infusing")
    model.set_phase(Phase.PAUSED)
    engine.ingest([PumpStatus("pump", time.time(), PumpState.INFUSING, rate_ml_h=52.5)])
    page.update_buttons()
    assert page.state.text() == "Paused here, but the pump is infusing: check the pump."


def test_the_window_s_infusion_page_follows_the_pump_as_it_starts(
        qtbot: QtBot, window: MainWindow) -> None:
    """In the console the page is redrawn with the monitor: the demo's pump starts a
    moment after Start is recorded, and the page then says Running by itself."""
    unlock(qtbot, window)
    window.monitor.side.setCurrentWidget(window.monitor.session)
    through_plan(qtbot, window)
    page = window.monitor.session.pages[Step.INFUSION]
    assert isinstance(page, InfusionPage)
    click(qtbot, page.buttons["start"])
    qtbot.waitUntil(lambda: window.room.model.now().pump_state is PumpState.INFUSING,
                    timeout=15000)
    qtbot.waitUntil(lambda: page.state.text() == "Running", timeout=5000)
