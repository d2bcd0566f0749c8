"""Session record figures: writer throughput, database growth per session-hour, opening 4 h.

The room is synthetic and deterministic (fixed seeds): a monitor with a 125 Hz pleth
wave (25-sample chunks) and 10 numerics at 1 Hz, and a pump reporting rate, volume
infused, VTBI and volume remaining at 1 Hz; the raw bytes of both devices (about
900 B/s from the monitor in 20 reads a second, 80 B/s from the pump, 16 B/s of polls
to it) go to the journal as the transport would hand them over.

- ``store.write.samples_per_s``: numerics plus wave samples per second through the real
  ``Recorder`` (engine listener, journal hook, writer thread) into SQLite, from the first
  observation queued to the flush that commits the last one;
- ``store.write.baseline_executemany.samples_per_s``: the same numerics, wave chunks and
  raw pieces (one row each, no queue, no thread) inserted by plain ``sqlite3``
  ``executemany`` (same pragmas, one transaction), and ``store.write.vs_baseline_ratio``
  = baseline / ours;
- ``store.session_hour.MB``: growth of the SQLite file (after a WAL checkpoint) for one
  session-hour, rows built by the recorder's own row builders in the 250 ms batches the
  writer commits (the live cadence), journal included;
- ``store.open_4h.s``: a fresh connection reading a recorded 4-hour session for review
  (its timeline and every trend), best of three.

- ``store.verify_4h.s``: ``verify`` of that 4-hour session (the timeline's chain and
  every measurement seal), best of three; ``store.verify_4h.read_plain.s``: a plain
  ``sqlite3`` read of the same rows and columns, best of three, and
  ``store.verify_4h.vs_read_ratio`` = verify / plain read.

Targets (BENCHMARKS.md): >= 7000 samples/s, <= 20 MB per session-hour, <= 1 s to open,
<= 1 s to verify.
"""

from __future__ import annotations

import os
import random
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from benchmarks._home import private_home
from ketaconsole.devices.transport import Direction
from ketaconsole.live.engine import Engine
from ketaconsole.observations import Numeric, PumpStatus, WaveChunk
from ketaconsole.store import Database, SessionPlan, SessionService, open_database
from ketaconsole.store.models import (
    Base,
    TimelineEvent,
)
from ketaconsole.store.review import timeline, trends, verify
from ketaconsole.store.rows import journal_rows, numeric_row, pump_rows, wave_rows
from ketaconsole.store.seals import SEAL_KIND, insert_sealed
from ketaconsole.store.timeline import GENESIS_HASH, StoredEvent, chain_event

SEED = 20261127
START = 1_795_000_000.0
WAVE_HZ = 125.0
WAVE_CHUNK = 25
BATCH_S = 0.25
MONITOR_NUMERICS = (
    ("MDC_ECG_HEART_RATE", "/min", 74.0), ("MDC_PULS_OXIM_SAT_O2", "%", 98.0),
    ("MDC_PULS_OXIM_PULS_RATE", "/min", 74.0), ("MDC_RESP_RATE", "/min", 14.0),
    ("MDC_AWAY_CO2_ET", "mm[Hg]", 36.0), ("MDC_TEMP_BODY", "Cel", 36.8),
    ("MDC_PULS_OXIM_PERF_REL", "%", 3.6), ("MDC_PRESS_BLD_NONINV_SYS", "mm[Hg]", 122.0),
    ("MDC_PRESS_BLD_NONINV_DIA", "mm[Hg]", 78.0), ("MDC_PRESS_BLD_NONINV_MEAN", "mm[Hg]", 93.0),
)
PLETH = "MDC_PULS_OXIM_PLETH"


class _Room:
    """One second of the synthetic room at a time: observations and raw bytes."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.phase = 0

    def second(self, t0: float) -> tuple[list[Any], list[tuple[str, Direction, float, bytes]]]:
        rng = self.rng
        observations: list[Any] = []
        raw: list[tuple[str, Direction, float, bytes]] = []
        for k in range(int(WAVE_HZ) // WAVE_CHUNK):
            at = t0 + (k + 1) * WAVE_CHUNK / WAVE_HZ
            samples = []
            for _ in range(WAVE_CHUNK):
                self.phase += 1
                samples.append(round(50 + 40 * ((self.phase % 94) / 94) + rng.gauss(0, 1), 1))
            observations.append(WaveChunk("monitor", PLETH, tuple(samples), WAVE_HZ, "1", at))
        for metric, unit, base in MONITOR_NUMERICS:
            observations.append(Numeric("monitor", metric, round(base + rng.gauss(0, 1), 1),
                                        unit, t0 + 0.5))
        observations.append(PumpStatus("pump", t0 + 0.7, rate_ml_h=52.5,
                                       volume_infused_ml=round((t0 - START) * 52.5 / 3600, 2),
                                       vtbi_ml=35.0, volume_remaining_ml=10.0))
        for k in range(20):
            raw.append(("monitor", Direction.RECEIVED, t0 + k * 0.05,
                        rng.randbytes(30) + b"\x7e" * 15))
        raw.append(("pump", Direction.SENT, t0 + 0.6, b"!STATUS 0001\r\n\x00\x00"))
        raw.append(("pump", Direction.RECEIVED, t0 + 0.7,
                    f"RATE=52.5 VI={(t0 - START) * 52.5 / 3600:07.2f} VTBI=35.0 ST=RUN "
                    f"T={rng.randrange(10**8):08d} CRC=XXXX\r\n".encode()))
        return observations, raw


def _samples(observations: list[Any]) -> int:
    count = 0
    for obs in observations:
        if isinstance(obs, WaveChunk):
            count += len(obs.samples)
        elif isinstance(obs, PumpStatus):
            count += 4
        else:
            count += 1
    return count


def _new_session(url: str) -> tuple[Database, SessionService]:
    database = open_database(url)
    service = SessionService.begin(database, SessionPlan("Benchmark patient", 70.0), [],
                                   station="benchmark", clock=lambda: START)
    service.recorder.flush()
    return database, service


def writer_throughput(folder: Path, seconds: int = 600) -> dict[str, float]:
    room = _Room(SEED)
    work = [room.second(START + s) for s in range(seconds)]
    total = sum(_samples(obs) for obs, _ in work)
    database, service = _new_session(f"sqlite:///{folder / 'write.sqlite3'}")
    engine = Engine()
    service.recorder.attach(engine)
    began = time.perf_counter()
    for observations, raw in work:
        engine.ingest(observations)
        for device, direction, at, data in raw:
            service.recorder.journal(device, direction, at, data)
    service.recorder.flush(timeout=600)
    elapsed = time.perf_counter() - began
    service.close()
    database.dispose()
    baseline = _baseline_executemany(folder / "baseline.sqlite3", work)
    ours = total / elapsed
    return {"store.write.samples_per_s": ours,
            "store.write.baseline_executemany.samples_per_s": baseline,
            "store.write.vs_baseline_ratio": baseline / ours}


def _baseline_executemany(path: Path, work: list[Any]) -> float:
    """The same numerics, wave chunks and raw pieces inserted by plain sqlite3, one transaction."""
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=FULL")
    connection.execute("CREATE TABLE n (session_id INTEGER, device_id TEXT, metric TEXT, "
                       "value REAL, unit TEXT, received_at REAL, device_time REAL)")
    connection.execute("CREATE INDEX n_i ON n (session_id, metric, received_at)")
    connection.execute("CREATE TABLE w (session_id INTEGER, metric TEXT, received_at REAL, "
                       "n INTEGER, data BLOB)")
    connection.execute("CREATE INDEX w_i ON w (session_id, metric, received_at)")
    connection.execute("CREATE TABLE j (session_id INTEGER, device_id TEXT, direction TEXT, "
                       "at REAL, data BLOB)")
    total = sum(_samples(obs) for obs, _ in work)
    began = time.perf_counter()
    numerics: list[dict[str, Any]] = []
    waves: list[dict[str, Any]] = []
    pieces: list[tuple[int, str, str, float, bytes]] = []
    for observations, raw in work:
        pieces.extend((1, device, direction.value, at, data)
                      for device, direction, at, data in raw)
        for obs in observations:
            if isinstance(obs, WaveChunk):
                waves.extend(wave_rows(1, [obs]))
            elif isinstance(obs, PumpStatus):
                numerics.extend(pump_rows(1, obs))
            else:
                numerics.append(numeric_row(1, obs))
    connection.execute("BEGIN")
    connection.executemany("INSERT INTO n VALUES (:session_id, :device_id, :metric, :value, "
                           ":unit, :received_at, :device_time)", numerics)
    connection.executemany("INSERT INTO w VALUES (:session_id, :metric, :received_at, "
                           ":sample_count, :data)", waves)
    connection.executemany("INSERT INTO j VALUES (?, ?, ?, ?, ?)", pieces)
    connection.execute("COMMIT")
    elapsed = time.perf_counter() - began
    connection.close()
    return total / elapsed


def _batches(hours: float, seed: int) -> Iterator[tuple[float, list[Any], list[Any]]]:
    """The room in the 250 ms batches the writer commits: (time, observations, raw)."""
    room = _Room(seed)
    for s in range(int(hours * 3600)):
        t0 = START + s
        observations, raw = room.second(t0)
        for q in range(int(1 / BATCH_S)):
            lo, hi = t0 + q * BATCH_S, t0 + (q + 1) * BATCH_S
            yield (lo, [o for o in observations if lo < o.received_at <= hi],
                   [r for r in raw if lo <= r[2] < hi])


def record_synthetic(database: Database, session_id: int, hours: float, seed: int) -> None:
    """Write ``hours`` of the room as the writer does: 250 ms batches, each with its seal.

    The rows are built by the recorder's own row builders and every batch is sealed
    into the session's chain, as live; transactions span 10 minutes to save time.
    """
    tail = timeline(database, session_id)
    seq, prev = (tail[-1].seq, tail[-1].hash) if tail else (0, GENESIS_HASH)
    session = database.sessions()
    session.begin()
    for n, (at, observations, raw) in enumerate(_batches(hours, seed), start=1):
        numerics: list[dict[str, Any]] = []
        for obs in observations:
            if isinstance(obs, Numeric):
                numerics.append(numeric_row(session_id, obs))
            elif isinstance(obs, PumpStatus):
                numerics.extend(pump_rows(session_id, obs))
        waves = wave_rows(session_id, [o for o in observations if isinstance(o, WaveChunk)])
        journal = journal_rows(session_id, [(d, r.value, t, data) for d, r, t, data in raw])
        seal = insert_sealed(session, session_id, numerics, waves, journal)
        if seal is not None:
            seq += 1
            event = chain_event(session_id, seq, at + BATCH_S, SEAL_KIND, "console", seal,
                                None, prev)
            prev = event.hash
            session.execute(insert(Base.metadata.tables[TimelineEvent.__tablename__]),
                            [_event_row(event)])
        if n % 2400 == 0:
            session.commit()
            session.begin()
    session.commit()
    session.close()


def _event_row(event: StoredEvent) -> dict[str, Any]:
    return {"session_id": event.session_id, "seq": event.seq, "at": event.at,
            "kind": event.kind, "author": event.author, "payload": event.payload,
            "corrects": event.corrects, "prev_hash": event.prev_hash, "hash": event.hash}


def _record_events(database: Database, session_id: int, hours: float) -> None:
    """A busy timeline: a BP reading every 5 min, a note every 10, link changes."""
    rng = random.Random(SEED)
    so_far = timeline(database, session_id)
    rows: list[dict[str, Any]] = []
    prev = so_far[-1].hash if so_far else GENESIS_HASH
    at = START
    seq = len(so_far)
    while at < START + hours * 3600:
        at += rng.uniform(30, 300)
        seq += 1
        kind = rng.choice(["annotation", "nibp", "link", "scale", "device_alarm"])
        event = chain_event(session_id, seq, at, kind, "nurse.kim",
                            {"text": "synthetic entry", "value": rng.randrange(200)}, None, prev)
        prev = event.hash
        rows.append(_event_row(event))
    with database.sessions() as session, session.begin():
        session.execute(insert(Base.metadata.tables[TimelineEvent.__tablename__]), rows)


def _size(path: Path) -> int:
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))


def session_hour(folder: Path) -> dict[str, float]:
    path = folder / "hour.sqlite3"
    database, service = _new_session(f"sqlite:///{path}")
    service.recorder.close()
    empty = _size(path)
    record_synthetic(database, service.session_id, 1.0, SEED)
    database.dispose()
    return {"store.session_hour.MB": (_size(path) - empty) / 1e6}


def open_4h(folder: Path) -> dict[str, float]:
    path = folder / "four_hours.sqlite3"
    database, service = _new_session(f"sqlite:///{path}")
    service.recorder.close()
    session_id = service.session_id
    record_synthetic(database, session_id, 4.0, SEED + 4)
    _record_events(database, session_id, 4.0)
    database.dispose()
    best = float("inf")
    for _ in range(3):
        began = time.perf_counter()
        fresh = open_database(f"sqlite:///{path}")
        events = timeline(fresh, session_id, seals=False)  # as the review screen reads it
        series = trends(fresh, session_id)
        best = min(best, time.perf_counter() - began)
        fresh.dispose()
        assert events and len(series) == len(MONITOR_NUMERICS) + 4
    return {"store.open_4h.s": best, **verify_4h(path, session_id)}


VERIFIED_COLUMNS = {
    "timeline_events": "session_id, seq, at, kind, author, payload, corrects, prev_hash, hash",
    "numerics": "id, device_id, metric, value, unit, received_at, device_time",
    "wave_chunks": "id, device_id, metric, unit, sample_rate_hz, first_received_at, "
                   "received_at, sample_count, encoding, data",
    "journal_chunks": "id, device_id, direction, first_at, last_at, byte_count, pieces, data",
}
"""What ``verify`` reads of a session: every column of its chain and of its sealed rows."""


def verify_4h(path: Path, session_id: int) -> dict[str, float]:
    """``verify`` of the recorded 4-hour session: its chain and every measurement seal.

    Beside it, a plain ``sqlite3`` read of the same rows (every column ``verify`` hashes,
    one fetch per table, nothing checked): the floor any verify must pay here.
    """
    best = float("inf")
    for _ in range(3):
        began = time.perf_counter()
        fresh = open_database(f"sqlite:///{path}")
        _, problem = verify(fresh, session_id)
        best = min(best, time.perf_counter() - began)
        fresh.dispose()
        assert problem is None, problem.describe()
    read = float("inf")
    for _ in range(3):
        began = time.perf_counter()
        connection = sqlite3.connect(path)
        rows = sum(len(connection.execute(
            f"SELECT {columns} FROM {table} WHERE session_id = ?",
            (session_id,)).fetchall()) for table, columns in VERIFIED_COLUMNS.items())
        connection.close()
        read = min(read, time.perf_counter() - began)
        assert rows
    return {"store.verify_4h.s": best, "store.verify_4h.read_plain.s": read,
            "store.verify_4h.vs_read_ratio": best / read}


def run() -> dict[str, float]:
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="kc-store-bench-") as tmp, \
            private_home(Path(tmp)):
        folder = Path(tmp)
        figures.update(writer_throughput(folder))
        figures.update(session_hour(folder))
        figures.update(open_4h(folder))
    return figures


if __name__ == "__main__":
    os.environ.setdefault("KETACONSOLE_STATION", "benchmark")
    print(run())
