"""The clinic overview on the test PostgreSQL: rooms publish, the overview shows and acts."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from ketaconsole.alarms import AlarmEventKind, Priority
from ketaconsole.bedside.room import Room
from ketaconsole.bedside.security import BedsideSecurity
from ketaconsole.devices.device_spec import DeviceSpec
from ketaconsole.devices.registry import DriverRegistry, built_ins_only
from ketaconsole.devices.sim_host import PtyDeviceHost
from ketaconsole.overview.board import ClinicBoard
from ketaconsole.overview.reader import StatusFeed
from ketaconsole.security import AuditLog, Role
from ketaconsole.session.patient import Patient
from ketaconsole.sim.virtual_patient import SCENARIOS, Excursion, VirtualPatient
from ketaconsole.store import open_database
from ketaconsole.store.review import timeline
from tests.core.security_support import NAMES, PINS, staff
from tests.core.store.test_store_crash import Recording
from tests.core.store_support import fresh_postgres_database
from tests.room_support import bare_room
from ui.overview.overview_window import OverviewWindow
from ui.overview.room_card import RoomCardView

DESATURATED = dataclasses.replace(
    SCENARIOS["normal"], excursions=(Excursion("spo2", 0.0, -14.0, ramp_s=1, hold_s=3600),))


@pytest.fixture
def clinic_url() -> Iterator[str]:
    """A fresh clinic database on the test PostgreSQL, with a nurse, a technician, an admin."""
    for url in fresh_postgres_database():
        database = open_database(url)
        staff(database, AuditLog(database))
        database.dispose()
        yield url


class Oximeters:
    """Simulated oximeters on ptys, one per room, all following one virtual patient."""

    def __init__(self, stack: ExitStack, patient: VirtualPatient) -> None:
        self.stack = stack
        self.patient = patient
        self.driver = DriverRegistry.discover(allowed=built_ins_only).get("masimo-ascii")

    def port(self) -> str:
        assert self.driver.create_simulator is not None
        host = self.stack.enter_context(PtyDeviceHost(self.driver.create_simulator(
            self.patient, self.driver.info.resolve_settings({}))))
        return host.path


@pytest.fixture
def rooms() -> Iterator[tuple[Oximeters, list[Room]]]:
    started: list[Room] = []
    with ExitStack() as stack:
        try:
            yield Oximeters(stack, VirtualPatient(DESATURATED, start=time.time())), started
        finally:
            for room in started:
                room.stop()


def _start_room(url: str, oximeters: Oximeters, started: list[Room], station: str,
                patient: str = "Ann Example") -> Room:
    spec = DeviceSpec("oximeter", "masimo-ascii", oximeters.port(), label="Oximeter")
    room = bare_room(url, specs=[spec], station=station, place=f"room {station}")
    started.append(room)
    room.open_session(Patient(patient, None, 70.0))
    return room


@pytest.fixture
def overview(qtbot: QtBot, clinic_url: str) -> Iterator[OverviewWindow]:
    database = open_database(clinic_url)
    security = BedsideSecurity(database, place="overview")
    board = ClinicBoard()
    feed = StatusFeed(database, lambda status: board.receive(status, time.time())).start()
    window = OverviewWindow(board, database, security.lock, feed_problem=lambda: feed.problem)
    qtbot.addWidget(window)
    window.resize(1920, 1080)
    window.show()
    try:
        yield window
    finally:
        window.stop()
        feed.stop()
        database.dispose()


def _card(window: OverviewWindow, station: str) -> RoomCardView | None:
    return next((c for c in window.cards if c.station == station), None)


def _log_in(window: OverviewWindow, qtbot: QtBot, role: Role) -> None:
    login = window.login
    login.user_choice.setCurrentIndex(login.user_choice.findData(NAMES[role]))
    login.pin.setText(PINS[role])
    qtbot.mouseClick(login.unlock_button, Qt.MouseButton.LeftButton)


@pytest.mark.parametrize("count", [2, 5])
def test_rooms_on_postgresql_publish_and_the_overview_shows_each_live(
        qtbot: QtBot, clinic_url: str, rooms: tuple[Oximeters, list[Room]],
        overview: OverviewWindow, count: int) -> None:
    oximeters, started = rooms
    stations = [f"Room {n}" for n in range(1, count + 1)]
    for n, station in enumerate(stations):
        _start_room(clinic_url, oximeters, started, station, patient=f"Pat{n} Example")

    def all_live() -> bool:
        shown = {c.station: c for c in overview.cards}
        return sorted(shown) == stations and all(
            shown[s].spo2.value.text().isdigit() and shown[s].age.text() == "live"
            for s in stations)

    qtbot.waitUntil(all_live, timeout=20_000)
    first = _card(overview, "Room 1")
    assert first is not None and first.who.text() == "P.E. \u00b7 Pre-infusion"
    qtbot.waitUntil(lambda: first.alarm.text().startswith("*** SpO"), timeout=20_000)
    assert overview.strip[0].isVisible() and "Room" in overview.strip[0].text()


def test_a_room_killed_with_sigkill_becomes_a_technical_alarm_within_5_s(
        qtbot: QtBot, clinic_url: str, rooms: tuple[Oximeters, list[Room]],
        overview: OverviewWindow, tmp_path: Path) -> None:
    oximeters, started = rooms
    _start_room(clinic_url, oximeters, started, "Room 1")
    killed = Recording(oximeters.port(), clinic_url, tmp_path, "Room 2", patient="Bo Smith")
    try:
        qtbot.waitUntil(lambda: (c := _card(overview, "Room 2")) is not None
                        and c.age.text() == "live" and c.spo2.value.text().isdigit(),
                        timeout=20_000)
        killed.kill()
        at = time.monotonic()
        qtbot.waitUntil(lambda: "Room 2: no news for" in _card(overview, "Room 2").alarm.text(),
                        timeout=7_000)
        took = time.monotonic() - at
    finally:
        killed.kill()
    assert took <= 5.3, f"the silent room was alarmed after {took:.1f} s"
    room2 = _card(overview, "Room 2")
    assert room2 is not None and room2.alarm.text().startswith("** TECH")
    assert room2.spo2.value.text() == "--"
    room1 = _card(overview, "Room 1")
    assert room1 is not None and "no news" not in room1.alarm.text()
    tone = overview.board.audio(time.time()).tone  # the silence sounds (or Room 1's SpO2)
    assert tone is not None and tone.rank >= Priority.MEDIUM.rank


def test_an_acknowledgement_from_the_overview_is_on_the_rooms_timeline_under_the_nurse(
        qtbot: QtBot, clinic_url: str, rooms: tuple[Oximeters, list[Room]],
        overview: OverviewWindow) -> None:
    oximeters, started = rooms
    room = _start_room(clinic_url, oximeters, started, "Room 4")
    qtbot.waitUntil(lambda: (c := _card(overview, "Room 4")) is not None
                    and c.alarm.text().startswith("***"), timeout=20_000)
    overview.acknowledge_all()
    assert "Log in to acknowledge" in overview.message.text()
    assert not any(a.acknowledged for a in room.alarms.active_alarms(time.time()))
    assert overview.login.user_choice.findData(NAMES[Role.TECHNICIAN]) == -1  # not offered
    _log_in(overview, qtbot, Role.NURSE)
    assert overview.lock.current_user() is not None
    qtbot.keyClick(overview, Qt.Key.Key_F2)
    qtbot.waitUntil(lambda: all(a.acknowledged for a in room.alarms.active_alarms(time.time())),
                    timeout=5_000)
    qtbot.waitUntil(lambda: "acknowledged" in _card(overview, "Room 4").alarm.text(), timeout=5_000)
    session_id = room.model.session_id
    assert session_id is not None and room.database is not None
    database = room.database

    def acknowledged() -> set[str]:
        return {e.author for e in timeline(database, session_id) if e.kind == "alarm"
                and e.payload.get("kind") == AlarmEventKind.ACKNOWLEDGED.value}

    qtbot.waitUntil(lambda: bool(acknowledged()), timeout=5_000)
    assert acknowledged() == {NAMES[Role.NURSE]}


def test_clicking_a_card_opens_the_rooms_live_detail_read_only(
        qtbot: QtBot, clinic_url: str, rooms: tuple[Oximeters, list[Room]],
        overview: OverviewWindow) -> None:
    oximeters, started = rooms
    _start_room(clinic_url, oximeters, started, "Room 6")
    qtbot.waitUntil(lambda: (c := _card(overview, "Room 6")) is not None
                    and c.spo2.value.text().isdigit() and c.alarm.text().startswith("*"),
                    timeout=20_000)
    card = _card(overview, "Room 6")
    assert card is not None
    qtbot.mouseClick(card, Qt.MouseButton.LeftButton)
    detail = overview.details["Room 6"]
    qtbot.addWidget(detail)
    assert detail.isVisible() and "read-only" in detail.windowTitle()
    text = detail.body.text()
    assert "Patient: A.E." in text and "SpO\u2082:" in text and "oximeter connected" in text
    assert "(sounding)" in text  # the room's alarms, with their state
