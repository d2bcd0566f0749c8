"""Sealed measurements: each batch of device rows the writer commits, hashed into the chain.

The writer inserts a batch's numerics, wave chunks and journal chunks and, in the same
transaction, chains a ``measurement_seal`` event after them. The seal holds, per table,
the batch's first and last row id and its row count, a SHA-256 over the rows' digests
(each row's digest is SHA-256 over a canonical form of every stored column, blobs
included) and the first four hex digits of each row digest, which only serve to name
the altered row. Because the seal is an event, the timeline's chain covers it: a value,
time, blob, deleted or inserted row changes what :func:`first_altered_measurement`
recomputes, and it names the first such measurement in the clinic's words.
"""

from __future__ import annotations

import bisect
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session

from ketaconsole.catalogue import CATALOGUE
from ketaconsole.store.database import Database
from ketaconsole.store.models import JournalChunk, NumericValue, WaveChunkRecord
from ketaconsole.store.timeline import StoredEvent, format_time

SEAL_KIND = "measurement_seal"
LOCATOR_DIGITS = 4
"""Hex digits of each row digest kept in the seal, to name which row of a batch changed."""


@dataclass(frozen=True, slots=True)
class SealedTable:
    """One sealed table: its key in the seal, its columns in canonical order, its blobs."""

    key: str
    table: Table
    columns: tuple[str, ...]
    floats: frozenset[str]
    blobs: tuple[str, ...]


NUMERICS = SealedTable("n", NumericValue.__table__,  # type: ignore[arg-type]
                 ("id", "device_id", "metric", "value", "unit", "received_at", "device_time"),
                 frozenset({"value", "received_at", "device_time"}), ())
WAVES = SealedTable("w", WaveChunkRecord.__table__,  # type: ignore[arg-type]
              ("id", "device_id", "metric", "unit", "sample_rate_hz", "first_received_at",
               "received_at", "sample_count", "encoding", "data"),
              frozenset({"sample_rate_hz", "first_received_at", "received_at"}), ("data",))
JOURNAL = SealedTable("j", JournalChunk.__table__,  # type: ignore[arg-type]
                ("id", "device_id", "direction", "first_at", "last_at", "byte_count",
                 "pieces", "data"),
                frozenset({"first_at", "last_at"}), ("pieces", "data"))
KINDS = (NUMERICS, WAVES, JOURNAL)


def _stored_form(kind: SealedTable, row: dict[str, Any]) -> None:
    """Floats as every database reads them back, set in the row before it is inserted.

    An int time reads back as a float, and SQLite gives -0.0 back as 0.0 (adding 0.0
    turns -0.0 into 0.0 and leaves every other float as it is).
    """
    for name in kind.floats:
        value = row.get(name)
        if value is not None:
            row[name] = float(value) + 0.0


def canonical_row(kind: SealedTable, values: Sequence[Any]) -> bytes:
    """One stored row, unambiguously: ``repr`` of its plain columns, then each blob.

    ``values`` are in ``kind.columns`` order, the blobs last; a ``repr`` of a tuple is
    self-delimiting and each blob is preceded by its length.
    """
    if not kind.blobs:
        return repr(tuple(values)).encode("utf-8")
    split = len(values) - len(kind.blobs)
    parts = [repr(tuple(values[:split])).encode("utf-8")]
    for blob in values[split:]:
        data = blob if type(blob) is bytes else bytes(blob)
        parts += [len(data).to_bytes(8, "little"), data]
    return b"".join(parts)


def _locators(rows: Iterable[bytes]) -> str:
    return "".join(hashlib.sha256(row).hexdigest()[:LOCATOR_DIGITS] for row in rows)


def insert_sealed(session: Session, session_id: int, numerics: list[dict[str, Any]],
                  waves: list[dict[str, Any]],
                  journal: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Insert one batch of rows and return the seal's payload (``None``: nothing to seal).

    The seal's ``sha256`` is over the batch's canonical rows (numerics, then wave
    chunks, then journal chunks, each in id order); ``rows`` holds the first digits of
    each row's own SHA-256, to name a changed row.
    """
    payload: dict[str, Any] = {}
    canonical: list[bytes] = []
    for kind, rows in ((NUMERICS, numerics), (WAVES, waves), (JOURNAL, journal)):
        if not rows:
            continue
        for row in rows:
            _stored_form(kind, row)
        statement = insert(kind.table).returning(kind.table.c.id, sort_by_parameter_order=True)
        ids = session.execute(statement, rows).scalars().all()
        stored = sorted(zip(ids, rows, strict=True), key=lambda pair: pair[0])
        for row_id, row in stored:
            canonical.append(canonical_row(kind, [row_id, *(row[c] for c in kind.columns[1:])]))
        payload[kind.key] = [stored[0][0], stored[-1][0], len(stored)]
    if not canonical:
        return None
    payload["rows"] = _locators(canonical)
    payload["sha256"] = hashlib.sha256(b"".join(canonical)).hexdigest()
    return payload


# -- checking ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MeasurementBreak:
    """The first sealed measurement that is not as it was committed."""

    seal_seq: int
    sealed_at: float
    sentence: str

    def describe(self) -> str:
        return self.sentence


def _what(kind: SealedTable, values: Sequence[Any]) -> str:
    """A row in the clinic's words: "SpO2 from monitor at 14:32:05.250"."""
    row = dict(zip(kind.columns, values, strict=True))
    if kind is JOURNAL:
        return (f"raw bytes {'sent to' if row['direction'] == 'tx' else 'from'} "
                f"{row['device_id']} at {format_time(float(row['first_at']))}")
    metric = CATALOGUE.get(str(row["metric"]))
    label = metric.short if metric is not None else str(row["metric"])
    what = f"{label} waveform" if kind is WAVES else label
    at = row["first_received_at"] if kind is WAVES else row["received_at"]
    return f"{what} from {row['device_id']} at {format_time(float(at))}"


def _fetch(database: Database, kind: SealedTable, session_id: int) -> list[tuple[Any, ...]]:
    """Every row of the session in id order, as plain tuples (fast for a 4-hour session)."""
    # Through the (session, ...) index, so a record of many sessions is not scanned whole.
    query = (select(*(kind.table.c[c] for c in kind.columns))
             .where(kind.table.c.session_id == session_id).order_by(kind.table.c.id))
    with database.engine.connect() as connection:
        result = connection.execute(query)
        rows = [r if type(r) is tuple else tuple(r)
                for r in (result.cursor.fetchall() if result.cursor else [])]
        result.close()
    return rows


def seals_of(events: Iterable[StoredEvent]) -> list[StoredEvent]:
    return [e for e in events if e.kind == SEAL_KIND]


def first_altered_measurement(database: Database, session_id: int,
                              seals: Sequence[StoredEvent]) -> MeasurementBreak | None:
    """Recompute every seal of the session; the first measurement that differs, if any.

    A session recorded before measurements were sealed has no seals and nothing to check.
    """
    if not seals:
        return None
    stored = {kind.key: _fetch(database, kind, session_id) for kind in KINDS}
    ids = {key: [row[0] for row in rows] for key, rows in stored.items()}
    canonical = {kind.key: _canonical_rows(kind, stored[kind.key]) for kind in KINDS}
    covered = {kind.key: 0 for kind in KINDS}
    """Per table, index of the first row not yet accounted for by a seal."""
    for seal in seals:
        problem = _check_seal(seal, stored, ids, canonical, covered)
        if problem is not None:
            return MeasurementBreak(seal.seq, seal.at, problem)
    for kind in KINDS:
        rows = stored[kind.key]
        if covered[kind.key] < len(rows):
            return _unsealed(seals[-1], kind, rows[covered[kind.key]])
    return None


def _canonical_rows(kind: SealedTable, rows: list[tuple[Any, ...]]) -> list[bytes]:
    if kind.blobs:
        return [canonical_row(kind, row) for row in rows]
    return [repr(row).encode("utf-8") for row in rows]


UNSEALED = "was added to the record outside any sealed batch"
"""How a measurement no seal covers is described (a recording session's newest batch,
read between its chain and its rows, looks the same until read again)."""


def _unsealed(seal: StoredEvent, kind: SealedTable, row: Sequence[Any]) -> MeasurementBreak:
    return MeasurementBreak(seal.seq, seal.at, f"{_what(kind, row)} {UNSEALED}")


def _check_seal(seal: StoredEvent, stored: dict[str, list[tuple[Any, ...]]],
                ids: dict[str, list[int]], canonical: dict[str, list[bytes]],
                covered: dict[str, int]) -> str | None:
    payload = seal.payload
    parts: list[bytes] = []
    spans: list[tuple[SealedTable, int, int]] = []
    expected = 0
    for kind in KINDS:
        extent = payload.get(kind.key)
        if extent is None:
            continue
        first, last, count = extent
        row_ids = ids[kind.key]
        start = bisect.bisect_left(row_ids, first)
        end = bisect.bisect_right(row_ids, last, start)
        if covered[kind.key] < start:
            return _unsealed(seal, kind, stored[kind.key][covered[kind.key]]).sentence
        covered[kind.key] = max(covered[kind.key], end)
        expected += count
        spans.append((kind, start, end))
        parts += canonical[kind.key][start:end]
    if hashlib.sha256(b"".join(parts)).hexdigest() == payload.get("sha256"):
        return None
    batch = [(kind, stored[kind.key][i]) for kind, start, end in spans
             for i in range(start, end)]
    return _locate(seal, batch, parts, str(payload.get("rows", "")), expected)


def _locate(seal: StoredEvent, batch: list[tuple[SealedTable, tuple[Any, ...]]],
            canonical: list[bytes], locators: str, expected: int) -> str:
    """Which row of a batch whose seal no longer matches changed, was removed or added."""
    width = LOCATOR_DIGITS
    sealed = [locators[i:i + width] for i in range(0, len(locators), width)]
    found = [hashlib.sha256(row).hexdigest()[:width] for row in canonical]
    for index, (kind, row) in enumerate(batch):
        if index >= len(sealed) or found[index] != sealed[index]:
            if len(batch) > expected and found[index + 1:] == sealed[index:]:
                return f"{_what(kind, row)} was added to a sealed batch"
            if len(batch) < expected and found[index:] == sealed[index + 1:]:
                return (f"a measurement sealed at {format_time(seal.at)}, stored before "
                        f"{_what(kind, row)}, was deleted")
            return f"{_what(kind, row)} was altered"
    if len(batch) < expected:
        where = f"after {_what(*batch[-1])}" if batch else f"at {format_time(seal.at)}"
        return f"a measurement sealed {where} was deleted"
    return f"the measurements sealed at {format_time(seal.at)} were altered"
