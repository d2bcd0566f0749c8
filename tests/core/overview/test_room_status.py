"""Rooms publish their live status for the overview; an acknowledgement from it reaches the room."""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from ketaconsole.alarms import AlarmEventKind, Priority
from ketaconsole.bedside.room import Room
from ketaconsole.devices.device_spec import DeviceSpec
from ketaconsole.devices.registry import DriverRegistry, built_ins_only
from ketaconsole.devices.sim_host import PtyDeviceHost
from ketaconsole.overview.commands import ask_acknowledge, command_outcome
from ketaconsole.overview.publisher import CHANNEL, NOTIFY_LIMIT_BYTES, RoomPublisher
from ketaconsole.overview.reader import read_status, read_statuses
from ketaconsole.overview.status import MOST_ALARMS, AlarmNow, RoomStatus, initials
from ketaconsole.session.patient import Patient
from ketaconsole.sim.virtual_patient import SCENARIOS, Excursion, VirtualPatient
from ketaconsole.store import open_database
from ketaconsole.store.models import RoomStatusRow
from ketaconsole.store.review import timeline
from tests.core.store_support import (  # noqa: F401  (fixtures)
    TcpCable,
    fresh_postgres_database,
    record_url,
    wait_until,
)
from tests.room_support import bare_room

SPO2 = "MDC_PULS_OXIM_SAT_O2"
DESATURATED = dataclasses.replace(
    SCENARIOS["normal"], excursions=(Excursion("spo2", 0.0, -14.0, ramp_s=1, hold_s=3600),))
"""SpO2 about 84 % from the start: the room's SpO2 alarm starts within seconds."""


@pytest.fixture
def oximeter_port() -> Iterator[str]:
    registry = DriverRegistry.discover(allowed=built_ins_only)
    driver = registry.get("masimo-ascii")
    assert driver.create_simulator is not None
    patient = VirtualPatient(DESATURATED, start=time.time())
    with ExitStack() as stack:
        host = stack.enter_context(PtyDeviceHost(driver.create_simulator(
            patient, driver.info.resolve_settings({}))))
        yield host.path


def _room(url: str, port: str, station: str) -> Room:
    spec = DeviceSpec("oximeter", "masimo-ascii", port, label="Oximeter")
    room = bare_room(url, specs=[spec], station=station, place=f"room {station}")
    room.open_session(Patient("Ann Example", None, 70.0))
    return room


def test_initials_name_the_patient_only_by_initials() -> None:
    assert initials("Ann  example") == "A.E."
    assert initials("  ") == "" and initials(None) == ""


def test_a_room_publishes_once_a_second_into_one_row_of_its_station(
        record_url: str, oximeter_port: str) -> None:  # noqa: F811
    room = _room(record_url, oximeter_port, "bay-3")
    database = open_database(record_url)
    try:
        wait_until(lambda: (s := read_status(database, "bay-3")) is not None
                   and s.vital(SPO2) is not None and s.alarms != (), 15,
                   "a status with SpO2 and its alarm")
        first = read_status(database, "bay-3")
        assert first is not None
        wait_until(lambda: (s := read_status(database, "bay-3")) is not None
                   and s.seq >= first.seq + 2, 10, "two more statuses")
        later = read_status(database, "bay-3")
        assert later is not None
        # about once a second by the statuses' own times: not on every reading, nor seldom
        each_s = (later.published_at - first.published_at) / (later.seq - first.seq)
        assert 0.5 <= each_s <= 2.0, each_s
        assert later.initials == "A.E." and later.phase == "Pre-infusion"
        assert later.session_id == room.model.session_id
        assert later.vitals[SPO2].value is not None and later.vitals[SPO2].value < 90
        assert later.vitals[SPO2].age_s < 3
        assert later.links == {"oximeter": "connected"}
        spo2_alarm = [a for a in later.alarms if "spo2" in a.alarm_id.lower()]
        assert spo2_alarm and not spo2_alarm[0].technical and not spo2_alarm[0].acknowledged
        with database.engine.connect() as connection:
            rows = connection.execute(select(func.count()).select_from(RoomStatusRow)).scalar()
        assert rows == 1 and [s.station for s in read_statuses(database)] == ["bay-3"]
    finally:
        room.stop()
    closed = read_status(database, "bay-3")
    database.dispose()
    assert closed is not None and closed.closed


def test_postgresql_notifies_every_status_on_the_rooms_channel(
        pg_url: str, oximeter_port: str) -> None:
    import psycopg

    conninfo = make_url(pg_url).set(drivername="postgresql").render_as_string(
        hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as listener:
        listener.execute(f"LISTEN {CHANNEL}")
        room = _room(pg_url, oximeter_port, "bay-5")
        try:
            heard = [RoomStatus.from_record(json.loads(n.payload))
                     for n in listener.notifies(timeout=3.5)]
        finally:
            room.stop()
    assert [s.station for s in heard] == ["bay-5"] * len(heard)
    assert len(heard) >= 2 and heard[-1].seq > heard[0].seq


def test_a_full_status_fits_one_notification() -> None:
    alarm = AlarmNow("spo2-low-" + "x" * 40, Priority.HIGH, False, "SpO2 84 % below 90 % " * 4,
                     1.0, False, True)
    status = RoomStatus("a-station-with-a-long-name" * 3, "room 12", 10**9, 1.7e9,
                        alarms=(alarm,) * MOST_ALARMS, more_alarms=3, bp_due="BP due now",
                        record_problem="not recording yet: " + "y" * 200)
    payload = json.dumps(status.as_record(), separators=(",", ":"))
    assert len(payload.encode()) < NOTIFY_LIMIT_BYTES
    assert RoomStatus.from_record(json.loads(payload)) == status


def test_an_acknowledgement_from_the_overview_is_on_the_rooms_timeline_under_that_person(
        record_url: str, oximeter_port: str) -> None:  # noqa: F811
    room = _room(record_url, oximeter_port, "bay-7")
    database = open_database(record_url)
    try:
        wait_until(lambda: any(not a.acknowledged for a in room.alarms.active_alarms(
            time.time()) if "spo2" in a.alarm_id.lower()), 15, "the SpO2 alarm")
        command = ask_acknowledge(database, "bay-7", by="nurse.kim")
        wait_until(lambda: command_outcome(database, command).done, 5, "the room to act")
        assert command_outcome(database, command).outcome.startswith("acknowledged")
        wait_until(lambda: all(a.acknowledged for a in read_status(database, "bay-7").alarms
                               if "spo2" in a.alarm_id), 3, "the acknowledgement published")
        session_id = room.model.session_id
        assert session_id is not None
    finally:
        room.stop()
    events = timeline(database, session_id)
    database.dispose()
    acknowledged = [e for e in events if e.kind == "alarm"
                    and e.payload.get("kind") == AlarmEventKind.ACKNOWLEDGED.value]
    assert acknowledged and {e.author for e in acknowledged} == {"nurse.kim"}


def test_an_acknowledgement_asked_before_the_room_ran_is_not_done_late(
        tmp_path: Path, oximeter_port: str) -> None:
    url = f"sqlite:///{tmp_path / 'record.sqlite3'}"
    database = open_database(url)
    stale = ask_acknowledge(database, "bay-8", by="nurse.kim", now=time.time() - 120)
    room = _room(url, oximeter_port, "bay-8")
    try:
        wait_until(lambda: command_outcome(database, stale).done, 5, "the room to look")
        assert (command_outcome(database, stale).outcome or "").startswith("not done: asked")
        assert not any(a.acknowledged for a in room.alarms.active_alarms(time.time()))
    finally:
        room.stop()
        database.dispose()


@pytest.fixture
def pg_url() -> Iterator[str]:
    yield from fresh_postgres_database()


@pytest.fixture
def cabled_pg(pg_url: str) -> Iterator[tuple[str, TcpCable]]:
    """The test database, reached through a cable that can be pulled."""
    parsed = make_url(pg_url)
    cable = TcpCable(parsed.host or "127.0.0.1", parsed.port or 5432)
    try:
        yield parsed.set(host="127.0.0.1", port=cable.port).render_as_string(
            hide_password=False), cable
    finally:
        cable.unplug()


def test_a_lost_database_only_stops_publishing_and_publishing_resumes(
        pg_url: str, cabled_pg: tuple[str, TcpCable], oximeter_port: str) -> None:
    url, cable = cabled_pg
    database = open_database(pg_url)
    room = _room(url, oximeter_port, "bay-9")
    publisher = room.status_publisher
    assert isinstance(publisher, RoomPublisher)
    try:
        wait_until(lambda: read_status(database, "bay-9") is not None, 10, "a status")
        cable.unplug()
        wait_until(lambda: publisher.problem is not None, 10, "the publisher to notice")
        stuck = read_status(database, "bay-9")
        assert stuck is not None
        before = room.engine.latest(SPO2)
        rounds: list[float] = []

        def counting_clock() -> float:  # read once as each publishing round begins
            rounds.append(time.time())
            return rounds[-1]

        publisher.clock = counting_clock
        wait_until(lambda: room.engine.latest(SPO2) != before, 10,
                   "a new SpO2 reading")  # the room still monitors
        # a second round begun: the first, begun after the cable was pulled, is over
        wait_until(lambda: len(rounds) >= 2, 10, "a publishing round without the database")
        assert publisher.problem is not None
        assert read_status(database, "bay-9") == stuck
        cable.plug()
        wait_until(lambda: (s := read_status(database, "bay-9")) is not None
                   and s.seq > stuck.seq, 15, "publishing again")
        assert publisher.problem is None
    finally:
        room.stop()
        database.dispose()
