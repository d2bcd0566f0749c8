"""A clinic room through the real window, not the demo: profiles on simulators, a nurse's session.

The room is opened the way ``ketaconsole --room NAME`` opens it; the nurse logs in, checks
the patient in, confirms a plan the simulated pump disagrees with, starts the infusion and
sees the console's pump-vs-plan alarm; the pump panel and the PDF show the ledger's
delivered dose; ending the session readies the room for the next patient.
"""

from __future__ import annotations

import argparse
import dataclasses
import re
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot

from ketaconsole.bedside.room_record import RoomRecord
from ketaconsole.devices.registry import DriverRegistry, built_ins_only
from ketaconsole.export.service import ExportFormat, export_session
from ketaconsole.security import Role
from ketaconsole.security.audit import AuditLog
from ketaconsole.session.workflow import Step
from ketaconsole.sim.virtual_patient import SCENARIOS
from ketaconsole.store import open_database
from ketaconsole.store.review import list_sessions
from tests.core.security_support import NAMES, PINS, staff
from tests.course_support import approved_patient
from tests.room_support import serve_room
from tests.ui.conftest import fill_check_in, unlock, wait_step
from tests.ui.conftest import type_into as _type
from ui.app import open_room, room_start
from ui.main_window import MainWindow
from ui.room_opening import RoomOpening

MRNS = {"Grace Hopper": "MRN-1001", "Alan Turing": "MRN-1002"}
PUMP_NOW = dataclasses.replace(SCENARIOS["normal"], infusion_start_s=0.0)
"""The simulated pump infuses 52.5 mL/h (0.5 mg/kg of 1 mg/mL over 40 min, 70 kg)."""


def _clinic_record(stack: ExitStack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Room 1's record (staff, two approved patients, its two devices served): its URL."""
    monkeypatch.setenv("KETACONSOLE_HOME", str(tmp_path))
    monkeypatch.setenv("KETACONSOLE_STATION", "room-1-console")
    url = f"sqlite:///{tmp_path / 'record.sqlite3'}"
    database = open_database(url)
    staff(database, AuditLog(database))
    database = open_database(url)
    for name, mrn in MRNS.items():  # both patients' courses are approved
        approved_patient(database, name, mrn)
    database.dispose()
    database.dispose()
    serve_room(stack, url, "Room 1", PUMP_NOW,
               [("Oximeter", "masimo-ascii"), ("Pump", "alaris-asena")])
    return url


def test_a_clinic_rooms_devices_join_once_its_record_is_open(
        qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Its devices are set up in its record: the monitor paints first, they join after."""
    registry = DriverRegistry.discover(allowed=built_ins_only)
    with ExitStack() as stack:
        url = _clinic_record(stack, tmp_path, monkeypatch)
        start = room_start(argparse.Namespace(demo=False, room="Room 1", db=url))
        seen: list[str] = []

        def record() -> RoomRecord:
            opened = start.open_record()
            seen.append("record open")
            return opened

        def join(registry: DriverRegistry) -> None:
            seen.append("devices join")
            start.join_devices(registry)

        window = MainWindow(start.room, database_url=url, room_name="Room 1")
        qtbot.addWidget(window)
        opening = RoomOpening(dataclasses.replace(start, open_record=record, join_devices=join),
                              window, lambda: registry)
        window.first_painted.connect(lambda: seen.append("painted"))
        window.first_painted.connect(opening.start)
        try:
            window.show()
            qtbot.waitUntil(lambda: window.is_open, timeout=30000)
            assert seen == ["painted", "record open", "devices join"]
            assert len(start.room.devices) == 2 and len(window.monitor.pumps) == 1
            assert start.room.database is not None and window.lock_panel is not None
        finally:
            window.close_now()
            start.room.stop()
            opening.wait_idle()


@pytest.fixture
def room_window(qtbot: QtBot, tmp_path: Path,
                monkeypatch: pytest.MonkeyPatch) -> Iterator[MainWindow]:
    registry = DriverRegistry.discover(allowed=built_ins_only)
    with ExitStack() as stack:
        url = _clinic_record(stack, tmp_path, monkeypatch)
        args = argparse.Namespace(demo=False, room="Room 1", db=url)
        room = open_room(args, registry)
        window = MainWindow(room, database_url=url, registry=registry, room_name="Room 1")
        qtbot.addWidget(window)
        window.show()
        try:
            yield window
        finally:
            window.close_now()
            room.stop()


def _click(qtbot: QtBot, button: QPushButton) -> None:
    assert button.isEnabled(), f"{button.text()} is disabled"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def _check_in(qtbot: QtBot, window: MainWindow, name: str) -> None:
    page = window.monitor.session.pages[Step.CHECK_IN]
    fill_check_in(qtbot, page, patient_name=name, mrn=MRNS[name], age_years="45",
                  weight_kg="70")
    _click(qtbot, page.sign)  # type: ignore[attr-defined]
    wait_step(qtbot, window, Step.BASELINE)


def test_a_clinic_room_runs_a_session_the_pump_check_holds_and_the_next_patient_is_new(
        qtbot: QtBot, room_window: MainWindow, tmp_path: Path) -> None:
    window, room = room_window, room_window.room
    monitor, panel = room_window.monitor, room_window.monitor.session
    unlock(qtbot, window, NAMES[Role.NURSE], PINS[Role.NURSE])
    monitor.side.setCurrentWidget(panel)
    _check_in(qtbot, window, "Grace Hopper")
    qtbot.waitUntil(lambda: monitor.header.patient.text().startswith("Grace Hopper"),
                    timeout=5000)

    baseline = panel.pages[Step.BASELINE]
    for key, text in (("MDC_PRESS_BLD_NONINV_SYS", "124"), ("MDC_PRESS_BLD_NONINV_DIA", "78"),
                      ("MDC_PULS_OXIM_PULS_RATE", "72"), ("MDC_PULS_OXIM_SAT_O2", "98")):
        _type(qtbot, baseline, key, text)
    _click(qtbot, baseline.confirm)  # type: ignore[attr-defined]
    wait_step(qtbot, window, Step.PLAN)

    plan = panel.pages[Step.PLAN]
    _type(qtbot, plan, "concentration_mg_ml", "0.667")  # 78.7 mL/h against the pump's 52.5
    _click(qtbot, plan.confirm)  # type: ignore[attr-defined]
    wait_step(qtbot, window, Step.INFUSION)
    infusion = panel.pages[Step.INFUSION]
    start = infusion.buttons["start"]  # type: ignore[attr-defined]
    qtbot.waitUntil(start.isEnabled, timeout=5000)  # the panel has heard the plan recorded
    _click(qtbot, start)
    qtbot.waitUntil(lambda: monitor.header.phase.text() == "Infusion", timeout=5000)

    def mismatch_shown() -> bool:
        monitor.refresh(time.time())
        return any("disagrees with the dose plan" in chip.toolTip() + chip.text()
                   for chip in monitor.alarm_bar.chips if chip.isVisible())

    qtbot.waitUntil(mismatch_shown, timeout=30000)

    pump = monitor.pumps[0]
    now = time.time()
    monitor.refresh(now)
    dose = room.model.delivered(now)
    assert dose is not None and dose.delivered_mg > 0
    assert pump.delivered.text() == f"{dose.delivered_mg:.1f} mg delivered"
    channel = room.model.pump_channel
    ledger = room.engine.pump(channel) if channel else None
    assert ledger is not None
    assert dose.delivered_ml == ledger.delivered_ml

    service = room.service
    assert service is not None
    first = service.session_id
    panel.ending.reason.setText("infusion abandoned: pump programmed wrongly")
    live_mg = ledger.delivered_ml * 0.667
    _click(qtbot, panel.ending.button)
    qtbot.waitUntil(lambda: room.service is None, timeout=10000)
    wait_step(qtbot, window, Step.CHECK_IN)
    assert room.database is not None
    (pdf,) = export_session(room.database, first, ExportFormat.PDF, tmp_path).files
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    printed = re.search(r"([0-9.]+) mg = [0-9.]+ mg/kg", text)
    assert printed is not None, "the PDF prints the dose delivered"
    assert float(printed.group(1)) == pytest.approx(live_mg, abs=0.15)

    _check_in(qtbot, window, "Alan Turing")
    assert room.service is not None and room.service.session_id != first
    sessions = {s.id: s.patient for s in list_sessions(room.database)}
    assert sessions == {first: "Grace Hopper", room.service.session_id: "Alan Turing"}
