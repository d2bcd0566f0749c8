"""A room holds one PostgreSQL connection: its record writer, status publisher, the overview's
commands and its station lock all go through it, and the lock survives the connection."""

from __future__ import annotations

import signal
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
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


@dataclass(frozen=True)
class LockedStation:
    database: Database
    station: str
    name: str
    """The database's name on the server."""


@pytest.fixture
def locked(pg_url: str) -> Iterator[LockedStation]:
    """A console's record with its station's lock taken."""
    station = f"bay-{uuid.uuid4().hex[:6]}"
    database = open_database(pg_url, station=station)
    lock = lock_station(database, station)
    try:
        yield LockedStation(database, station, str(make_url(pg_url).database))
    finally:
        lock.release()
        database.dispose()


def _server_drops_the_connection(server: Engine, locked: LockedStation) -> None:
    """As in an outage: the server ends the console's connection (and drops its locks)."""
    with server.connect() as connection:
        for pid in connections(server, locked.name, locked.station):
            connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    wait_until(lambda: connections(server, locked.name, locked.station) == [], 5,
               "the connection gone")


def test_the_station_lock_is_taken_again_by_a_connection_remade_after_an_outage(
        pg_url: str, server: Engine, locked: LockedStation) -> None:
    _server_drops_the_connection(server, locked)
    with locked.database.engine.connect() as connection:  # remade, taking the lock as it is
        connection.execute(text("SELECT 1"))
    assert len(connections(server, locked.name, locked.station)) == 1
    other = open_database(pg_url, station=locked.station)
    try:
        with pytest.raises(StationBusy):
            lock_station(other, locked.station)
    finally:
        other.dispose()


def test_a_connection_remade_after_another_console_took_the_station_is_refused(
        pg_url: str, server: Engine, locked: LockedStation) -> None:
    second = open_database(pg_url, station=locked.station)
    try:
        _server_drops_the_connection(server, locked)
        taken = lock_station(second, locked.station)  # the station was free for a moment
        with pytest.raises(StationBusy), locked.database.engine.connect():
            pass
        taken.release()
    finally:
        second.dispose()
