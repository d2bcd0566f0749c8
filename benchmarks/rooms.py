"""Room scale: N headless rooms recording into one PostgreSQL, what the overview sees, its frames.

Long (a few minutes), so it runs only when asked: ``python -m benchmarks --only rooms``
(or ``--only rooms.n05`` for one size). The server is ``KETACONSOLE_BENCH_PG``, else
``KETACONSOLE_TEST_PG``; each size gets a database of its own, dropped afterwards.

Each room is a real ``ketaconsole record`` process (the same room builder as the window)
on two simulated devices on ptys, an oximeter (Masimo ASCII) and a pump (Alaris Asena,
infusing against a dose plan), served from this process; every room publishes its
status once a second. For N = 5, 10 and 20 (``ROOM_COUNTS``), after every room has
printed its session number, ``MEASURE_S`` seconds of:

- ``rooms.nNN.write_latency.p99_s`` / ``.max_s``: a numeric's age (console receive time
  to now) when it is first visible in the database, sampled at 4 Hz: the writer's batch
  interval (250 ms) and the commit, plus up to 0.25 s of sampling;
- ``rooms.nNN.status_age.p99_s`` / ``.max_s``: every station's status age as
  ``ketaconsole rooms`` reads it (the same reader), sampled at 4 Hz;
- ``rooms.nNN.db_cpu.percent``: CPU of the server processes serving this database, in
  percent of one core (from /proc; the server's shared WAL writer and checkpointer are
  not included); ``rooms.nNN.db_cpu_s_per_room_hour``: the same per room-hour;
- ``rooms.nNN.db_MB_per_room_hour``: database growth over the measurement per room-hour;
- ``rooms.nNN.connections``: server connections to the database at the end (all rooms);
- ``rooms.overview16.*`` and ``rooms.overview48.*``: the overview window's frames at 16
  and 48 rooms against a bare window of the same cards (``benchmarks._overview_frames``);
  they need no server and run in every ``python -m benchmarks``.

``rooms.n100`` (``--only rooms.n100``) is 100 rooms from five ward processes of 20
(``benchmarks._ward``): each room made by the one room builder on in-process simulators
(``sim://``) of the same two devices, with its real record writer, alarm system and
status publisher, each on a server connection of its own; its pump is connected but
not infusing (no dose plan), so it reports at the same rate at rate 0. The same
figures as above, and ``rooms.n100.commands_done``: of one acknowledgement asked of
every room from the overview's side, how many the rooms did within 10 s. The server
needs ``max_connections`` of at least 110 (``.ci/start-postgres`` starts it with 200).

``connections`` counts the rooms' own (``application_name`` ``ketaconsole Room ...``),
not the benchmark's reader.

Targets (issue 19): at 20 rooms status age p99 < 2 s and no record write slower than
1 s; overview frame p99 < 16 ms. Issue 31, at 100 rooms: status age p99 <= 1.5 s,
write latency p99 <= 1 s, at most 100 connections.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import numpy as np
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, make_url

from benchmarks._overview_frames import overview_frames
from ketaconsole.course.eligibility import (
    EligibilityForm,
    EligibilityPolicy,
    decision_support,
    store_assessment,
)
from ketaconsole.course.identity import register_patient
from ketaconsole.devices.registry import DriverRegistry, built_ins_only
from ketaconsole.devices.sim_host import PtyDeviceHost
from ketaconsole.medication.library import default_library
from ketaconsole.overview.reader import read_statuses
from ketaconsole.sim.virtual_patient import SCENARIOS, VirtualPatient
from ketaconsole.store import open_database

ROOM_COUNTS = (5, 10, 20)
WARD_ROOMS = 100
ROOMS_PER_WARD = 20
ROOM_APPLICATION = "ketaconsole Room %"
"""The rooms' connections (``application_name``: ``ketaconsole`` and the station)."""
MEASURE_S = float(os.environ.get("KETACONSOLE_BENCH_ROOMS_S", "60"))
SAMPLE_EVERY_S = 0.25
START_TIMEOUT_S = 180.0
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _server_url() -> str | None:
    return os.environ.get("KETACONSOLE_BENCH_PG") or os.environ.get("KETACONSOLE_TEST_PG")


@contextlib.contextmanager
def _fresh_database(server: str, rooms: int) -> Iterator[str]:
    name = f"kc_bench_rooms_{rooms}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(make_url(server), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        for _ in range(20):
            try:
                with admin.connect() as connection:
                    connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                break
            except Exception:  # a backend still leaving
                time.sleep(0.5)
        admin.dispose()


def _devices(stack: ExitStack, rooms: int) -> list[tuple[str, str]]:
    registry = DriverRegistry.discover(allowed=built_ins_only)
    patient = VirtualPatient(SCENARIOS["normal"], start=time.time())
    ports = []
    for _ in range(rooms):
        pair = []
        for slug in ("masimo-ascii", "alaris-asena"):
            driver = registry.get(slug)
            assert driver.create_simulator is not None
            host = stack.enter_context(PtyDeviceHost(driver.create_simulator(
                patient, driver.info.resolve_settings({}))))
            pair.append(host.path)
        ports.append((pair[0], pair[1]))
    return ports


BENCH_COURSE = EligibilityForm(
    present=frozenset(), screening_bp=((128, 82), (126, 80)),
    consent_document="IV ketamine course consent", consent_version="bench-1",
    infusion_min_minutes=40.0, infusion_max_minutes=60.0, max_total_mg=60.0)
"""Each room's patient has an approved course, as ``record`` requires."""


def _approve_patients(url: str, count: int) -> None:
    """Register each room's patient (MRN BENCH-NN) with an approved course."""
    database = open_database(url)
    try:
        policy = EligibilityPolicy()
        for index in range(1, count + 1):
            person = register_patient(database, f"Bench Patient{index}",
                                      mrn=f"BENCH-{index:02d}")
            store_assessment(database, person.patient_id, BENCH_COURSE,
                             decision_support(BENCH_COURSE, policy, default_library()),
                             prescriber="Bench",
                             policy=policy)
    finally:
        database.dispose()


def _start_rooms(url: str, ports: list[tuple[str, str]],
                 home: Path) -> list[subprocess.Popen[bytes]]:
    minutes = (START_TIMEOUT_S + MEASURE_S + 60) / 60
    _approve_patients(url, len(ports))
    processes = []
    for index, (oximeter, pump) in enumerate(ports, start=1):
        env = {**os.environ, "KETACONSOLE_HOME": str(home),
               "KETACONSOLE_STATION": f"Room {index:02d}"}
        processes.append(subprocess.Popen(
            [sys.executable, "-m", "ketaconsole", "record",
             "--device", f"masimo-ascii={oximeter}", "--device", f"alaris-asena={pump}",
             "--mrn", f"BENCH-{index:02d}", "--weight", "70", "--height", "175",
             "--dose", "0.5",
             "--over", "40", "--concentration", "1", "--minutes", f"{minutes:.2f}",
             "--db", url],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env))
    deadline = time.monotonic() + START_TIMEOUT_S
    for process in processes:
        assert process.stdout is not None
        ready, _, _ = select.select([process.stdout], [], [],
                                    max(0.0, deadline - time.monotonic()))
        if not ready or not process.stdout.readline().strip():
            _stop(processes)
            raise RuntimeError("a room did not start recording in time")
    return processes


def _stop(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _backend_ticks(connection: Connection, name: str) -> dict[int, int]:
    pids = connection.execute(text(
        "SELECT pid FROM pg_stat_activity WHERE datname = :name AND application_name LIKE :r"),
        {"name": name, "r": ROOM_APPLICATION}).scalars().all()
    ticks = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks[int(pid)] = int(fields[11]) + int(fields[12])  # utime + stime
    return ticks


def _p99(values: list[float]) -> float:
    return float(np.percentile(np.asarray(values), 99)) if values else 0.0


def _measure(url: str, rooms: int) -> dict[str, float]:
    name = make_url(url).database or ""
    database = open_database(url)  # the overview's reader, on its own connection
    engine = create_engine(make_url(url), connect_args={"application_name": "benchmark"})
    latencies: list[float] = []
    ages: list[float] = []
    newest: dict[int, float] = {}
    first_ticks: dict[int, int] = {}
    last_ticks: dict[int, int] = {}
    try:
        with engine.connect() as connection:
            size_before = connection.execute(text("SELECT pg_database_size(:n)"),
                                             {"n": name}).scalar_one()
            connection.commit()
            started = time.monotonic()
            while time.monotonic() - started < MEASURE_S:
                tick = time.monotonic()
                now = time.time()
                for status in read_statuses(database):
                    ages.append(max(0.0, now - status.published_at))
                rows = connection.execute(text(
                    "SELECT session_id, max(received_at) FROM numerics GROUP BY session_id")).all()
                for session_id, received_at in rows:
                    if received_at is not None and received_at > newest.get(session_id, 0.0):
                        if session_id in newest:
                            latencies.append(max(0.0, now - received_at))
                        newest[session_id] = received_at
                for pid, ticks in _backend_ticks(connection, name).items():
                    first_ticks.setdefault(pid, ticks)
                    last_ticks[pid] = ticks
                connection.commit()
                time.sleep(max(0.0, SAMPLE_EVERY_S - (time.monotonic() - tick)))
            elapsed = time.monotonic() - started
            size_after = connection.execute(text("SELECT pg_database_size(:n)"),
                                            {"n": name}).scalar_one()
            connections = connection.execute(text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = :n "
                "AND application_name LIKE :rooms"),
                {"n": name, "rooms": ROOM_APPLICATION}).scalar_one()
            connection.commit()
    finally:
        database.dispose()
        engine.dispose()
    cpu_s = sum(last_ticks[p] - first_ticks[p] for p in last_ticks) / CLOCK_TICKS
    room_hours = rooms * elapsed / 3600
    key = f"rooms.n{rooms:02d}"
    return {
        f"{key}.write_latency.p99_s": _p99(latencies),
        f"{key}.write_latency.max_s": max(latencies, default=0.0),
        f"{key}.status_age.p99_s": _p99(ages),
        f"{key}.status_age.max_s": max(ages, default=0.0),
        f"{key}.db_cpu.percent": 100 * cpu_s / elapsed,
        f"{key}.db_cpu_s_per_room_hour": cpu_s / room_hours,
        f"{key}.db_MB_per_room_hour": (size_after - size_before) / 1e6 / room_hours,
        f"{key}.connections": float(connections),
    }


def _one_size(server: str, rooms: int) -> dict[str, float]:
    with _fresh_database(server, rooms) as url, ExitStack() as stack, \
            tempfile.TemporaryDirectory(prefix="kc-bench-rooms-") as home:
        open_database(url).dispose()  # migrated once, before the rooms race to it
        ports = _devices(stack, rooms)
        print(f"rooms: starting {rooms} headless rooms", file=sys.stderr, flush=True)
        processes = _start_rooms(url, ports, Path(home))
        try:
            return _measure(url, rooms)
        finally:
            _stop(processes)
            stack.close()


def _start_wards(url: str, rooms: int, home: Path) -> list[subprocess.Popen[bytes]]:
    env = {**os.environ, "KETACONSOLE_HOME": str(home)}
    wards = [subprocess.Popen([sys.executable, "-m", "benchmarks._ward", url, str(first),
                               str(min(ROOMS_PER_WARD, rooms - first + 1))],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
             for first in range(1, rooms + 1, ROOMS_PER_WARD)]
    deadline = time.monotonic() + START_TIMEOUT_S
    for ward in wards:
        assert ward.stdout is not None
        ready, _, _ = select.select([ward.stdout], [], [],
                                    max(0.0, deadline - time.monotonic()))
        if not ready or ward.stdout.readline().strip() != b"ready":
            _stop(wards)
            raise RuntimeError("a ward's rooms did not start recording in time")
    return wards


def _commands_done(url: str, rooms: int) -> float:
    """Ask every room for an acknowledgement, as the overview's F2 does; how many were done."""
    from benchmarks._ward import station
    from ketaconsole.overview.commands import ask_acknowledge, command_outcome

    database = open_database(url)
    try:
        asked = [ask_acknowledge(database, station(n), by="bench.nurse")
                 for n in range(1, rooms + 1)]
        deadline = time.monotonic() + 10
        done = 0
        while time.monotonic() < deadline:
            done = sum(command_outcome(database, command).done for command in asked)
            if done == rooms:
                break
            time.sleep(0.5)
    finally:
        database.dispose()
    return float(done)


def _ward_size(server: str, rooms: int) -> dict[str, float]:
    with _fresh_database(server, rooms) as url, \
            tempfile.TemporaryDirectory(prefix="kc-bench-wards-") as home:
        open_database(url).dispose()  # migrated once, before the rooms race to it
        print(f"rooms: starting {rooms} simulated rooms in wards of {ROOMS_PER_WARD}",
              file=sys.stderr, flush=True)
        wards = _start_wards(url, rooms, Path(home))
        try:
            figures = _measure(url, rooms)
            figures[f"rooms.n{rooms:02d}.commands_done"] = _commands_done(url, rooms)
        finally:
            _stop(wards)
        return figures


def run(only: str | None = None) -> dict[str, float]:
    """The overview's frames always; the rooms on a server only when asked for by
    ``--only rooms`` (or ``--only rooms.n20``)."""
    figures: dict[str, float] = {}
    if only is None or "rooms.overview".startswith(only) or only.startswith("rooms.overview"):
        figures.update(overview_frames())
    if only is None or not only.startswith("rooms") or only.startswith("rooms.overview"):
        print("rooms: the rooms on a server skipped (long); run them with --only rooms",
              file=sys.stderr)
        return figures
    server = _server_url()
    if server is None:
        print("rooms: skipped; set KETACONSOLE_BENCH_PG to a PostgreSQL server URL",
              file=sys.stderr)
        return figures
    if only.startswith(f"rooms.n{WARD_ROOMS}"):
        figures.update(_ward_size(server, WARD_ROOMS))
        return figures
    for rooms in ROOM_COUNTS:
        key = f"rooms.n{rooms:02d}"
        if "." in only and not (key.startswith(only) or only.startswith(key)):
            continue
        figures.update(_one_size(server, rooms))
    return figures
