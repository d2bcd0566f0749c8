"""Faults: the record cannot be written for a while; the recorder holds, reports and catches up."""

from __future__ import annotations

import os
import shutil
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from ketaconsole.cli import main
from ketaconsole.live.engine import Engine
from ketaconsole.observations import Numeric
from ketaconsole.session.events import Annotation
from ketaconsole.store import (
    Database,
    RecordNotWritten,
    SessionPlan,
    SessionService,
    open_database,
)
from ketaconsole.store.models import NumericValue
from ketaconsole.store.review import timeline, verify
from ketaconsole.store.seals import SEAL_KIND
from ketaconsole.store.timeline import first_break
from tests.core.store_support import TcpCable, fresh_postgres_database, wait_until

SPO2 = "MDC_PULS_OXIM_SAT_O2"
FAST_RETRY = {"first_retry_s": 0.05, "max_retry_s": 0.3}


class Faults:
    """What the recorder reported."""

    def __init__(self) -> None:
        self.faults: list[str] = []
        self.recoveries: list[str] = []


def _numerics(database: Database) -> list[float]:
    with database.sessions() as session:
        return list(session.scalars(select(NumericValue.received_at)
                                    .order_by(NumericValue.received_at)))


def _begin(database: Database, faults: Faults, **options: object) -> SessionService:
    return SessionService.begin(database, SessionPlan("Ann Example"), [], station="room-1",
                                on_fault=faults.faults.append,
                                on_recovered=faults.recoveries.append,
                                **{**FAST_RETRY, **options})


def _outages(database: Database, session_id: int) -> list[tuple[str, int]]:
    """(cause, items lost) of each outage the timeline records, once the store is back."""
    assert verify(database, session_id)[1] is None
    return [(e.payload["cause"], e.payload["lost"])
            for e in timeline(database, session_id) if e.kind == "store_outage"]


def _feed(engine: Engine, start: float, count: int) -> list[float]:
    times = [start + i for i in range(count)]
    engine.ingest([Numeric("ox", SPO2, 97.0, "%", t) for t in times])
    return times


# -- SQLite: another program holds the database locked ------------------------------------

def test_a_locked_sqlite_file_is_held_reported_and_caught_up(tmp_path: Path) -> None:
    database = open_database(f"sqlite:///{tmp_path / 'record.sqlite3'}")
    faults = Faults()
    service = _begin(database, faults)
    engine = Engine()
    service.recorder.attach(engine)
    service.recorder.flush()
    blocker = sqlite3.connect(tmp_path / "record.sqlite3", isolation_level=None, timeout=0)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        sent = _feed(engine, 1000.0, 40)
        wait_until(lambda: len(faults.faults) > 0, what="a fault report")
        message = faults.faults[-1]
        assert message.startswith("The record cannot be written (database is locked")
        assert "holding 4" in message and message.endswith("and retrying.")
        assert not service.recorder.status.writing
        with pytest.raises(RecordNotWritten):
            service.record(Annotation("held"), author="nurse", timeout=0.3)
    finally:
        blocker.rollback()
        blocker.close()
    service.recorder.flush()
    assert _numerics(database) == sent
    kinds = [e.kind for e in timeline(database, service.session_id)]
    assert kinds.count("annotation") == 1  # the held event was written, once
    assert faults.recoveries and service.recorder.status.writing
    assert service.close()
    assert _outages(database, service.session_id) == [
        ("database is locked by another program", 0)]
    database.dispose()


def test_overflow_is_recorded_with_its_extent(tmp_path: Path) -> None:
    database = open_database(f"sqlite:///{tmp_path / 'record.sqlite3'}")
    faults = Faults()
    service = _begin(database, faults, max_held=50)
    engine = Engine()
    service.recorder.attach(engine)
    service.recorder.flush()
    blocker = sqlite3.connect(tmp_path / "record.sqlite3", isolation_level=None, timeout=0)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        sent = _feed(engine, 1000.0, 200)
        wait_until(lambda: len(faults.faults) > 0, what="a fault report")
    finally:
        blocker.rollback()
        blocker.close()
    service.recorder.flush()
    assert _numerics(database) == sent[-50:]  # the newest were kept
    loss = [e for e in timeline(database, service.session_id) if e.kind == "record_loss"]
    assert len(loss) == 1
    assert loss[0].payload["count"] == 150 and loss[0].payload["by_kind"] == {"numeric": 150}
    assert (loss[0].payload["from"], loss[0].payload["to"]) == (sent[0], sent[149])
    assert service.recorder.status.lost == 150
    assert service.close()
    assert _outages(database, service.session_id) == [
        ("database is locked by another program", 150)]
    database.dispose()


# -- SQLite: the disk fills up ---------------------------------------------------------------

@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 2 MB file system (tmpfs), mounted for the test."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a small file system to fill needs root")
    where = tmp_path / "disk"
    where.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(where)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"this machine does not allow mounting a file system: {done.stderr.strip()}")
    yield where
    subprocess.run(["umount", "-l", str(where)], check=False)


def test_a_full_disk_is_held_reported_and_caught_up(small_disk: Path) -> None:
    database = open_database(f"sqlite:///{small_disk / 'record.sqlite3'}")
    faults = Faults()
    service = _begin(database, faults)
    engine = Engine()
    service.recorder.attach(engine)
    service.recorder.flush()
    filler = small_disk / "filler"
    with open(filler, "wb") as out:
        try:
            while True:
                out.write(b"\0" * 65536)
                out.flush()
        except OSError:
            pass
    sent = _feed(engine, 1000.0, 3000)
    wait_until(lambda: len(faults.faults) > 0, what="a disk-full report")
    assert faults.faults[-1].startswith("The record cannot be written (disk full")
    filler.unlink()
    service.recorder.flush()
    assert _numerics(database) == sent
    assert service.close()
    ((cause, lost),) = _outages(database, service.session_id)
    assert cause.startswith("disk full") and lost == 0
    database.dispose()


# -- PostgreSQL: the server becomes unreachable ----------------------------------------------

@pytest.fixture
def cabled_postgres() -> Iterator[tuple[str, TcpCable]]:
    for url in fresh_postgres_database():
        parsed = make_url(url)
        cable = TcpCable(parsed.host or "127.0.0.1", parsed.port or 5432)
        try:
            yield parsed.set(host="127.0.0.1", port=cable.port).render_as_string(
                hide_password=False), cable
        finally:
            cable.unplug()


def test_an_unreachable_postgres_server_is_held_reported_and_caught_up(
        cabled_postgres: tuple[str, TcpCable]) -> None:
    url, cable = cabled_postgres
    database = open_database(url)
    faults = Faults()
    service = _begin(database, faults)
    engine = Engine()
    service.recorder.attach(engine)
    first = _feed(engine, 1000.0, 10)
    service.recorder.flush()
    cable.unplug()
    held = _feed(engine, 2000.0, 30)
    wait_until(lambda: len(faults.faults) > 0, what="a fault report")
    assert faults.faults[-1].startswith(
        "The record cannot be written (database server unreachable); holding ")
    cable.plug()
    service.recorder.flush(timeout=20)
    assert _numerics(database) == first + held
    assert service.close()
    with database.sessions() as session:
        assert session.execute(select(func.count()).select_from(NumericValue)).scalar() == 40
    assert _outages(database, service.session_id) == [("database server unreachable", 0)]
    database.dispose()


# -- the commands, when the database cannot be reached ---------------------------------------

def _closed_port() -> int:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = int(probe.getsockname()[1])
    probe.close()
    return port


@pytest.mark.parametrize("command", [["sessions"], ["verify", "1"], ["replay", "1"]])
def test_a_dead_database_server_is_one_clear_line(command: list[str],
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    url = f"postgresql+psycopg://nurse:secret@127.0.0.1:{_closed_port()}/ketaconsole"
    assert main([*command, "--db", url]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith("ketaconsole: the database server at 127.0.0.1:")
    assert "cannot be reached" in err[0] and "secret" not in err[0]


def test_an_unwritable_sqlite_location_is_one_clear_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the record's folder should be")
    assert main(["sessions", "--db", f"sqlite:///{blocker / 'record.sqlite3'}"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "cannot be opened" in err[0]


# -- a commit that reached the database although the client saw it fail ----------------------

class LostAcknowledgement:
    """Makes the next ``times`` commits raise after the database has committed them."""

    def __init__(self, database: Database, times: int = 1) -> None:
        self.left = times
        event.listen(database.sessions, "after_commit", self)

    def __call__(self, _session: object) -> None:
        if self.left > 0:
            self.left -= 1
            raise OperationalError("COMMIT", {}, ConnectionError(
                "server closed the connection unexpectedly"))


def test_a_commit_whose_answer_was_lost_is_not_written_twice(database: Database) -> None:
    faults = Faults()
    service = _begin(database, faults)
    engine = Engine()
    service.recorder.attach(engine)
    service.recorder.flush()
    LostAcknowledgement(database)
    sent = _feed(engine, 1000.0, 25)
    note = service.record(Annotation("calm"), author="nurse", timeout=20)
    later = service.record(Annotation("still calm"), author="nurse")
    service.recorder.flush()
    assert faults.faults  # the failure was reported while it was unknown
    assert _numerics(database) == sent  # each value once
    events = timeline(database, service.session_id)
    assert [e.payload.get("text") for e in events if e.kind == "annotation"] == [
        "calm", "still calm"]
    # Between the notes only the record's own entries may come (a seal, the outage the lost
    # answer caused, once it is over); nothing is written twice.
    between = [e.kind for e in events[note.seq:later.seq - 1]]
    assert note.seq < later.seq
    assert set(between) <= {SEAL_KIND, "store_outage"} and len(between) == len(set(between))
    assert events[note.seq - 1] == note and events[later.seq - 1] == later
    assert first_break(events) is None
    assert service.close()


def test_samples_whose_commit_answer_was_lost_are_not_written_twice(
        database: Database) -> None:
    faults = Faults()
    service = _begin(database, faults)
    engine = Engine()
    service.recorder.attach(engine)
    service.recorder.flush()
    LostAcknowledgement(database)
    sent = _feed(engine, 1000.0, 25)
    wait_until(lambda: bool(faults.faults), what="the lost answer being reported")
    more = _feed(engine, 2000.0, 5)
    service.recorder.flush()
    assert _numerics(database) == sent + more
    assert service.close()


# -- a read-only file system, and consoles setting up a new database together ----------------

@pytest.fixture
def read_only_disk(tmp_path: Path) -> Iterator[Path]:
    """A real file system mounted read-only for the test (tmpfs)."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a read-only file system needs root")
    where = tmp_path / "read-only"
    where.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(where)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"this machine does not allow mounting a file system: {done.stderr.strip()}")
    yield where
    subprocess.run(["umount", "-l", str(where)], check=False)


def test_a_read_only_file_system_is_named_as_such(
        read_only_disk: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sessions", "--db", f"sqlite:///{read_only_disk / 'record.sqlite3'}"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "is on a read-only file system" in err[0] and "cannot be opened" not in err[0]


def test_consoles_setting_up_a_new_postgres_database_together_all_start(
        tmp_path: Path) -> None:
    env = {**os.environ, "KETACONSOLE_HOME": str(tmp_path)}
    for url in fresh_postgres_database():
        consoles = [subprocess.Popen(
            [sys.executable, "-m", "ketaconsole", "sessions", "--db", url], env=env, cwd=tmp_path,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(3)]
        answers = [console.communicate(timeout=120) for console in consoles]
        assert [c.returncode for c in consoles] == [0, 0, 0], answers
        assert all(out.strip() == "no sessions recorded yet" for out, _ in answers), answers
