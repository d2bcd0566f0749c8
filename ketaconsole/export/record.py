"""The session record as every export reads it: who, the plan, the timeline, the numerics.

One loader reads a session from the store once; each format writes from the same
:class:`SessionRecord`, so the PDF, CSV, FHIR, HL7 and .vital files of a session agree.
A value appears only if a device sent it: invalid values stay ``None`` (NaN in arrays).
Events after the chain head the export was taken at are not part of the record.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from operator import itemgetter
from typing import Any, cast

import numpy as np
import numpy.typing as npt
from sqlalchemy import ClauseElement, func, select
from sqlalchemy.sql.compiler import SQLCompiler

from ketaconsole.dose import DosePlan
from ketaconsole.export.status import RecordStatus, record_status, status_words
from ketaconsole.live.metric_sources import MetricSources, SourceDevice
from ketaconsole.sdk import DeviceKind
from ketaconsole.security.users import author_in_words, names_of_users
from ketaconsole.session.state import SessionState, fold
from ketaconsole.store import Database
from ketaconsole.store.models import NumericValue, Patient, WaveChunkRecord
from ketaconsole.store.review import CHAIN_ONLY_KINDS, chain_links, session_row, timeline
from ketaconsole.store.timeline import StoredEvent
from ketaconsole.store.wave_codec import decode_array

NumericRow = tuple[float, str, str, float | None, str]
"""(receive time, device id, metric refid, value or None, UCUM unit)."""

PLETH = "MDC_PULS_OXIM_PLETH"


@dataclass(frozen=True, slots=True)
class Series:
    """One metric over the session: receive times and values (NaN where invalid)."""

    metric: str
    unit: str
    device_id: str
    times: npt.NDArray[np.float64]
    values: npt.NDArray[np.float64]

    def latest_before(self, at: float, within_s: float | None) -> float | None:
        """The last valid value at or before ``at`` and no older than ``within_s``."""
        index = int(np.searchsorted(self.times, at, side="right")) - 1
        while index >= 0:
            if within_s is not None and at - self.times[index] > within_s:
                return None
            value = self.values[index]
            if not np.isnan(value):
                return float(value)
            index -= 1
        return None


@dataclass(frozen=True, slots=True)
class WaveRun:
    """Consecutive stored samples of one waveform: start time, rate and samples."""

    device_id: str
    metric: str
    unit: str
    sample_rate_hz: float
    received_at: float
    """Receive time of the run's last sample."""
    samples: npt.NDArray[np.float32]

    @property
    def starts_at(self) -> float:
        """Time of the first sample, counted back from the last one's receive time."""
        return self.received_at - len(self.samples) / self.sample_rate_hz


@dataclass(frozen=True)
class NumericTable:
    """Every numeric value of a session as columns, in the order the store keeps them."""

    times: npt.NDArray[np.float64]
    values: npt.NDArray[np.float64]
    """NaN where the device marked the value invalid."""
    devices: tuple[str, ...]
    metrics: tuple[str, ...]
    units: tuple[str, ...]

    @classmethod
    def from_rows(cls, rows: Sequence[tuple[float, str, str, float | None, str]]
                  ) -> NumericTable:
        if not rows:
            return cls(np.zeros(0), np.zeros(0), (), (), ())
        def column(index: int) -> list[Any]:
            return list(map(itemgetter(index), rows))

        # numpy reads None (an invalid value) as NaN in a float array.
        return cls(np.asarray(column(0), dtype=np.float64),
                   np.asarray(column(3), dtype=np.float64),
                   tuple(column(1)), tuple(column(2)), tuple(column(4)))

    def __len__(self) -> int:
        return len(self.times)


@dataclass(frozen=True)
class SessionRecord:
    """Everything an export writes about one session, read at one chain head."""

    session_id: int
    patient_name: str
    patient_identifier: str | None
    date_of_birth: str | None
    weight_kg: float | None
    station: str
    phase: str
    started_at: float
    ended_at: float | None
    dose_plan: DosePlan | None
    """The plan last confirmed (the fold's)."""
    dose_plan_problem: str | None
    state: SessionState
    """The session's state: the one fold of its events."""
    devices: list[dict[str, Any]]
    events: list[StoredEvent]
    """The timeline as people read it (the measurement seals left out)."""
    stored: list[NumericRow]
    """Every numeric value, in the order they were stored."""
    links: list[tuple[int, str]] = field(default_factory=list)
    """(sequence number, hash) of every chain entry up to the head, seals included."""
    chain: list[StoredEvent] = field(default_factory=list)
    """The whole chain with every entry's content, read only when asked (``verify``)."""
    last_row: int = 0
    """Id of the last numeric row the record holds (0: none); the stamp names it."""
    people: dict[str, str] = field(default_factory=dict)
    """Each author's log-in name with their display name (what the exports print)."""
    _database: Database | None = field(default=None, repr=False, compare=False)

    def who(self, author: str) -> str:
        """The author of an entry in words: a display name, never a log-in name."""
        return author_in_words(author, self.people)

    @cached_property
    def numerics(self) -> list[NumericRow]:
        """Every numeric value in receive-time order."""
        return sorted(self.stored, key=itemgetter(0))

    @cached_property
    def table(self) -> NumericTable:
        """The stored values as columns."""
        return NumericTable.from_rows(self.stored)

    @property
    def interim(self) -> bool:
        """True while the session is open and not signed off: an interim record."""
        return self.status is RecordStatus.INTERIM

    @property
    def status(self) -> RecordStatus:
        """Interim, unsigned or final (final once signed off)."""
        return record_status(self.state)

    @property
    def unchecked(self) -> bool:
        """The session has no check-in checklist; every export says so."""
        return self.state.unchecked

    def status_words(self) -> str:
        """'final record', 'UNSIGNED record (...); UNCHECKED: ...' and the like."""
        return status_words(self.status, self.unchecked)

    @property
    def head(self) -> tuple[int, str] | None:
        """(sequence number, hash) of the chain entry the export was taken at."""
        if self.links:
            return self.links[-1]
        return (self.events[-1].seq, self.events[-1].hash) if self.events else None

    @property
    def end_time(self) -> float:
        """The session's end, or for an interim record its latest recorded moment."""
        if self.ended_at is not None:
            return self.ended_at
        latest = [self.started_at]
        if self.events:
            latest.append(self.events[-1].at)
        if self.stored:
            latest.append(self.numerics_until)
        return max(latest)

    @property
    def numerics_until(self) -> float:
        """Receive time of the last numeric value held (the start when there are none)."""
        if not self.stored:
            return self.started_at
        return max(self.stored, key=itemgetter(0))[0]

    def events_of(self, *kinds: str) -> list[StoredEvent]:
        return [e for e in self.events if e.kind in kinds]

    @cached_property
    def sources(self) -> MetricSources:
        """The session's devices and which was primary for which metric, as the room had
        them (a record from before devices said so: the room's order)."""
        return MetricSources([SourceDevice(str(d["device_id"]), "", _kind(d.get("kind")),
                                           frozenset(d.get("primary_for") or ()))
                              for d in self.devices if d.get("device_id")])

    @cached_property
    def series(self) -> dict[str, Series]:
        """Per metric, its values in time order, from the metric's primary device (the
        one the room showed and alarmed on; else the first device that sent it)."""
        table = self.table
        if not len(table):
            return {}
        metric_codes: dict[str, int] = {}
        device_codes: dict[str, int] = {}
        metrics = np.fromiter((metric_codes.setdefault(m, len(metric_codes))
                               for m in table.metrics), dtype=np.int32, count=len(table))
        devices = np.fromiter((device_codes.setdefault(d, len(device_codes))
                               for d in table.devices), dtype=np.int32, count=len(table))
        names = {code: name for name, code in device_codes.items()}
        order = np.lexsort((table.times, metrics))
        starts = np.flatnonzero(np.r_[True, np.diff(metrics[order]) != 0])
        ends = np.r_[starts[1:], len(order)]
        result: dict[str, Series] = {}
        for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
            rows = order[start:end]
            metric = table.metrics[int(rows[0])]
            codes, firsts = np.unique(devices[rows], return_index=True)
            senders = [names[int(code)] for code in codes[np.argsort(firsts)]]
            primary = self.sources.ordered(metric, senders)[0]
            rows = rows[devices[rows] == device_codes[primary]]
            first = int(rows[0])
            result[metric] = Series(metric, table.units[first], primary,
                                    table.times[rows], table.values[rows])
        return result

    def waves(self, metric: str = PLETH) -> list[WaveRun]:
        """The stored runs of one waveform, read from the database on demand."""
        if self._database is None:
            return []
        query = (select(WaveChunkRecord.device_id, WaveChunkRecord.unit,
                        WaveChunkRecord.sample_rate_hz, WaveChunkRecord.received_at,
                        WaveChunkRecord.encoding, WaveChunkRecord.data)
                 .where(WaveChunkRecord.session_id == self.session_id,
                        WaveChunkRecord.metric == metric)
                 .order_by(WaveChunkRecord.first_received_at, WaveChunkRecord.id))
        with self._database.sessions() as session:
            return [WaveRun(device_id, metric, unit, rate, last, decode_array(data, encoding))
                    for device_id, unit, rate, last, encoding, data in session.execute(query)]

    def device_ids(self) -> list[str]:
        """Every device of the session: those in its set-up, then any that sent values."""
        seen = [str(d.get("device_id")) for d in self.devices if d.get("device_id")]
        for device_id in sorted({row[1] for row in self.stored}):
            if device_id not in seen:
                seen.append(device_id)
        return seen

    def device_slug(self, device_id: str) -> str | None:
        for device in self.devices:
            if device.get("device_id") == device_id:
                slug = device.get("slug")
                return str(slug) if slug else None
        return None


def _kind(text: object) -> DeviceKind | None:
    try:
        return DeviceKind(text) if isinstance(text, str) else None
    except ValueError:
        return None


def _fetch_plain(database: Database, query: ClauseElement) -> list[NumericRow]:
    """Rows as the database driver gives them: plain tuples, without per-row wrapping.

    A 4-hour session has some 150,000 values; building a result row object for each
    costs more than reading them.
    """
    compiled = cast(SQLCompiler, query.compile(dialect=database.engine.dialect))
    params: Any = (tuple(compiled.params[name] for name in compiled.positiontup or ())
                   if compiled.positional else compiled.params)
    with database.engine.connect() as connection:
        cursor = connection.connection.cursor()
        try:
            cursor.execute(str(compiled), params)
            rows: list[NumericRow] = list(cursor.fetchall())
        finally:
            cursor.close()
    return rows


def load_record(database: Database, session_id: int, *, through_seq: int | None = None,
                through_row: int | None = None, whole_chain: bool = False) -> SessionRecord:
    """Read one session (raises the store's ``UnknownSessionError`` for a wrong number).

    ``through_seq`` cuts the timeline at that event and ``through_row`` the numerics at
    that row id, to re-read a record exactly as it was when an earlier export was made.
    ``whole_chain`` also reads every chain entry's content (the measurement seals), to
    check the chain; an export needs only their sequence numbers and hashes.
    """
    row = session_row(database, session_id)
    with database.sessions() as session:
        patient = session.get(Patient, row.patient_id)
    # In storage order: a plain scan of the table, which is the fastest read of a whole
    # session ("+ 0" keeps the planner off the trend index and the sort it would need).
    query = (select(NumericValue.received_at, NumericValue.device_id, NumericValue.metric,
                    NumericValue.value, NumericValue.unit)
             .where(NumericValue.session_id + 0 == session_id)
             .order_by(NumericValue.id))
    if through_row is None:
        with database.sessions() as session:
            through_row = int(session.execute(
                select(func.coalesce(func.max(NumericValue.id), 0))
                .where(NumericValue.session_id == session_id)).scalar_one())
    # Cut at the last row id read first: a value committed meanwhile is not half in.
    query = query.where(NumericValue.id <= through_row)
    stored = _fetch_plain(database, query)
    links = chain_links(database, session_id, through_seq=through_seq)
    # Cut at the head read first: an event committed meanwhile is not half in the record.
    last_seq = links[-1][0] if links else 0
    chain = ([e for e in timeline(database, session_id) if e.seq <= last_seq]
             if whole_chain else [])
    events = ([e for e in chain if e.kind not in CHAIN_ONLY_KINDS] if whole_chain else
              [e for e in timeline(database, session_id, seals=False) if e.seq <= last_seq])
    weight = row.weight_kg if row.weight_kg is not None else (
        patient.weight_kg if patient is not None else None)
    state = fold(events)
    plan_problem = state.plan_problem or (None if state.plan else "No dose plan recorded")
    return SessionRecord(
        session_id=session_id,
        patient_name=patient.name if patient is not None else "(unknown patient)",
        patient_identifier=patient.external_id if patient is not None else None,
        date_of_birth=patient.date_of_birth if patient is not None else None,
        weight_kg=weight, station=row.station, phase=state.phase.value,
        started_at=row.started_at, ended_at=row.ended_at,
        dose_plan=state.plan, dose_plan_problem=plan_problem, state=state,
        devices=[d for d in row.devices if isinstance(d, dict)],
        events=events, stored=stored, links=links, chain=chain, last_row=through_row,
        people=names_of_users(database), _database=database)
