"""In the window, through a clinic room on simulators: a pump infusing before the plan is
confirmed, and a syringe of another strength than the plan's, are alarms the nurse sees."""

from __future__ import annotations

import argparse
import dataclasses
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from ketaconsole.alarms import Priority
from ketaconsole.devices.registry import DriverRegistry, built_ins_only
from ketaconsole.security import Role
from ketaconsole.security.audit import AuditLog
from ketaconsole.session.workflow import Step
from ketaconsole.sim.virtual_patient import SCENARIOS, Scenario
from ketaconsole.store import open_database
from tests.core.security_support import NAMES, PINS, staff
from tests.course_support import approved_patient
from tests.room_support import serve_room
from tests.ui.conftest import (
    click,
    confirm_baseline_at_page,
    fill_check_in,
    type_into,
    unlock,
    wait_step,
)
from ui.app import open_room
from ui.main_window import MainWindow

MRN = "MRN-2001"
INFUSING_NOW = dataclasses.replace(SCENARIOS["normal"], infusion_start_s=0.0)
LOADED_NOT_STARTED = dataclasses.replace(SCENARIOS["normal"], infusion_start_s=3600.0)


def _window(qtbot: QtBot, stack: ExitStack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
            story: Scenario, pump: str) -> MainWindow:
    monkeypatch.setenv("KETACONSOLE_HOME", str(tmp_path))
    monkeypatch.setenv("KETACONSOLE_STATION", "room-2-console")
    url = f"sqlite:///{tmp_path / 'record.sqlite3'}"
    database = open_database(url)
    try:
        staff(database, AuditLog(database))
        approved_patient(database, "Grace Hopper", MRN)
    finally:
        database.dispose()
    serve_room(stack, url, "Room 2", story, [("Pump", pump)])
    registry = DriverRegistry.discover(allowed=built_ins_only)
    room = open_room(argparse.Namespace(demo=False, room="Room 2", db=url), registry)
    stack.callback(room.stop)
    window = MainWindow(room, database_url=url, registry=registry, room_name="Room 2")
    qtbot.addWidget(window)
    stack.callback(window.close_now)
    window.show()
    unlock(qtbot, window, NAMES[Role.NURSE], PINS[Role.NURSE])
    window.monitor.side.setCurrentWidget(window.monitor.session)
    page = window.monitor.session.pages[Step.CHECK_IN]
    fill_check_in(qtbot, page, patient_name="Grace Hopper", mrn=MRN, age_years="45",
                  weight_kg="70")
    click(qtbot, page.sign)  # type: ignore[attr-defined]
    wait_step(qtbot, window, Step.BASELINE)
    return window


def _shown(window: MainWindow, words: str) -> bool:
    window.monitor.refresh(time.time())
    return any(words in chip.toolTip() + chip.text()
               for chip in window.monitor.alarm_bar.chips if chip.isVisible())


@pytest.fixture
def stack() -> Iterator[ExitStack]:
    with ExitStack() as opened:
        yield opened


def test_a_pump_infusing_before_the_plan_is_an_alarm_in_the_window(
        qtbot: QtBot, stack: ExitStack, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    window = _window(qtbot, stack, tmp_path, monkeypatch, INFUSING_NOW, "alaris-asena")
    qtbot.waitUntil(lambda: _shown(window, "no dose plan is confirmed"), timeout=30000)
    (alarm,) = [a for a in window.room.alarms.active_alarms(time.time())
                if a.alarm_id.startswith("pump-unplanned:")]
    assert alarm.priority is Priority.MEDIUM


def test_a_syringe_of_another_strength_is_a_high_alarm_before_the_start_in_the_window(
        qtbot: QtBot, stack: ExitStack, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    window = _window(qtbot, stack, tmp_path, monkeypatch, LOADED_NOT_STARTED, "bbraun-bcc")
    confirm_baseline_at_page(qtbot, window)
    plan = window.monitor.session.pages[Step.PLAN]
    type_into(qtbot, plan, "concentration_mg_ml", "10")  # the station's syringe is 1 mg/mL
    click(qtbot, plan.confirm)  # type: ignore[attr-defined]
    wait_step(qtbot, window, Step.INFUSION)
    qtbot.waitUntil(lambda: _shown(window, "where the plan is 10 mg/mL"), timeout=30000)
    (alarm,) = [a for a in window.room.alarms.active_alarms(time.time())
                if a.alarm_id.startswith("pump-programme:")]
    assert alarm.priority is Priority.HIGH
    assert window.room.model.infusion_clock.started_at is None, "before any infusion"
