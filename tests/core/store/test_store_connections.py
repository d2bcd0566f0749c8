"""A room holds one PostgreSQL connection: its record writer, status publisher, the overview's
commands and its station lock all go through it, and the lock survives the connection."""

from __future__ import annotations

import signal
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

from ketaconsole.devices.sim_host import PtyDeviceHost
from ketaconsole.overview.commands import ask_acknowledge, command_outcome
from ketaconsole.overview.reader import read_status
from ketaconsole.station import StationBusy
from ketaconsole.store import Database, open_database
from ketaconsole.store.database import application_name
from ketaconsole.store.station_lock import lock_station
from tests.core.store.test_store_crash import Recording, numeric_keys
from tests.core.store.test_store_crash import oximeter as oximeter
from tests.core.store_support import fresh_postgres_database, wait_until


@pytest.fixture
def pg_url() -> Iterator[str]:
    yield from fresh_postgres_database()


@pytest.fixture
def server(pg_url: str) -> Iterator[Engine]:
    """A plain connection to the same server, to read ``pg_stat_activity`` as IT would."""
    engine = create_engine(make_url(pg_url).set(drivername="postgresql+psycopg"),
                           isolation_level="AUTOCOMMIT")
    yield engine
    engine.dispose()


def connections(server: Engine, database: str, station: str) -> list[int]:
    """The server processes serving ``station`` on ``database``."""
    with server.connect() as connection:
        return [int(pid) for pid in connection.execute(text(
            "SELECT pid FROM pg_stat_activity WHERE datname = :db AND application_name = :app"),
            {"db": database, "app": application_name(station)}).scalars()]


def test_a_recording_room_holds_one_server_connection_for_all_its_work(
        pg_url: str, server: Engine, oximeter: PtyDeviceHost, tmp_path: Path) -> None:
    station = f"room-{uuid.uuid4().hex[:6]}"
    name = str(make_url(pg_url).database)
    database = open_database(pg_url)
    recording = Recording(oximeter.path, pg_url, tmp_path, station)
    try:
        wait_until(lambda: len(numeric_keys(database, recording.session_id)) >= 9, 30,
                   "the record writer committing the oximeter's values")
        wait_until(lambda: (s := read_status(database, station)) is not None and s.seq >= 3,
                   15, "the status publisher publishing")
        asked = ask_acknowledge(database, station, by="nurse.kim")
        wait_until(lambda: command_outcome(database, asked).done, 10,
                   "the room doing the overview's command")
        seen = []
        for _ in range(12):  # three seconds: a dozen writer batches, three statuses
            seen.append(len(connections(server, name, station)))
            time.sleep(0.25)
        assert seen == [1] * len(seen)
        with pytest.raises(StationBusy):  # the one connection holds the station's lock
            lock_station(database, station)
        assert recording.stop(signal.SIGTERM) == 0
    finally:
        recording.kill()
        database.dispose()
    assert connections(server, name, station) == []


def _terminate(server: Engine, pids: list[int]) -> None:
    with server.connect() as connection:
        for pid in pids:
            connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})


def test_the_station_lock_is_taken_again_by_a_connection_remade_after_an_outage(
        pg_url: str, server: Engine) -> None:
    station = f"bay-{uuid.uuid4().hex[:6]}"
    name = str(make_url(pg_url).database)
    first = open_database(pg_url, station=station)
    lock = lock_station(first, station)
    other: Database | None = None
    try:
        _terminate(server, connections(server, name, station))
        wait_until(lambda: connections(server, name, station) == [], 5, "the connection gone")
        with first.engine.connect() as connection:  # remade, and takes the lock as it is
            connection.execute(text("SELECT 1"))
        assert len(connections(server, name, station)) == 1
        other = open_database(pg_url, station=station)
        with pytest.raises(StationBusy):
            lock_station(other, station)
    finally:
        lock.release()
        first.dispose()
        if other is not None:
            other.dispose()


def test_a_connection_remade_after_another_console_took_the_station_is_refused(
        pg_url: str, server: Engine) -> None:
    station = f"bay-{uuid.uuid4().hex[:6]}"
    name = str(make_url(pg_url).database)
    first = open_database(pg_url, station=station)
    lock = lock_station(first, station)
    second = open_database(pg_url, station=station)
    try:
        _terminate(server, connections(server, name, station))
        wait_until(lambda: connections(server, name, station) == [], 5, "the connection gone")
        taken = lock_station(second, station)  # the station was free for a moment
        with pytest.raises(StationBusy), first.engine.connect():
            pass
        taken.release()
    finally:
        lock.release()
        first.dispose()
        second.dispose()
