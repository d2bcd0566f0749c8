"""The Infusion page says what the pump says when it disagrees with the nurse's last step."""

from __future__ import annotations

import time

from pytestqt.qtbot import QtBot

from ketaconsole.alarms import AlarmSystem, default_profile
from ketaconsole.live.engine import Engine
from ketaconsole.observations import PumpState, PumpStatus
from ketaconsole.session.model import SessionModel
from ketaconsole.session.phase import Phase
from ketaconsole.session.workflow import SessionWorkflow
from tests.room_support import acting_as
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
