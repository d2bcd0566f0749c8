"""The writer thread: batched observations, clinical events committed before return, waves."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import event, func, select

from ketaconsole.live.engine import Engine
from ketaconsole.observations import (
    AlarmSource,
    DeviceAlarm,
    Identity,
    LinkState,
    LinkStatus,
    Numeric,
    PumpState,
    PumpStatus,
    WaveChunk,
)
from ketaconsole.session.events import Annotation, Exported
from ketaconsole.store import (
    Database,
    RecordNotWritten,
    SessionPlan,
    SessionService,
    append_event,
    open_database,
)
from ketaconsole.store.models import NumericValue, TimelineEvent, WaveChunkRecord
from ketaconsole.store.review import timeline, trends, waves
from ketaconsole.store.timeline import first_break
from ketaconsole.store.wave_codec import decode_samples, encode_samples
from tests.core.store_support import wait_until

SPO2 = "MDC_PULS_OXIM_SAT_O2"
PLETH = "MDC_PULS_OXIM_PLETH"


@pytest.fixture
def service(database: Database) -> Iterator[SessionService]:
    svc = SessionService.begin(database, SessionPlan("Ann Example", 70.0), [],
                               station="room-1")
    yield svc
    svc.recorder.close()


def _count(database: Database, model: type, session_id: int) -> int:
    with database.sessions() as session:
        return int(session.execute(select(func.count()).select_from(model)
                                   .where(model.session_id == session_id)).scalar_one())


def test_observations_are_batched_into_few_commits(service: SessionService,
                                                   database: Database) -> None:
    commits: list[int] = []
    event.listen(database.engine, "commit", lambda _conn: commits.append(1))
    engine = Engine()
    service.recorder.attach(engine)
    for i in range(3000):
        engine.ingest([Numeric("ox", SPO2, 90 + i % 10, "%", 1000.0 + i)])
    service.recorder.flush()
    assert _count(database, NumericValue, service.session_id) == 3000
    assert 1 <= len(commits) < 30  # thousands of values, a handful of transactions


def test_observations_reach_the_database_without_anyone_asking(
        service: SessionService, database: Database) -> None:
    engine = Engine()
    service.recorder.attach(engine)
    engine.ingest([Numeric("ox", SPO2, 97.0, "%", 1000.0)])
    wait_until(lambda: _count(database, NumericValue, service.session_id) == 1,
               what="the batched numeric being committed")


def test_a_clinical_event_is_committed_before_record_returns(
        service: SessionService, record_url: str) -> None:
    engine = Engine()
    service.recorder.attach(engine)
    engine.ingest([Numeric("ox", SPO2, 96.0, "%", 1000.0)])
    stored = service.record(Annotation("feels floaty"), author="nurse.kim")
    # A separate connection, opened only now, sees the event and everything before it.
    other = open_database(record_url)
    try:
        with other.sessions() as session:
            row = session.execute(select(TimelineEvent).where(
                TimelineEvent.session_id == service.session_id,
                TimelineEvent.seq == stored.seq)).scalar_one()
            numerics = session.execute(select(func.count()).select_from(NumericValue)).scalar()
        assert (row.kind, row.payload, row.hash) == ("annotation", stored.payload,
                                                     stored.hash)
        assert numerics == 1
    finally:
        other.dispose()


def test_events_from_many_threads_form_one_unbroken_chain(
        service: SessionService, database: Database) -> None:
    def nurse(name: str) -> None:
        for n in range(10):
            service.record(Annotation(f"note {n} {name}"), author=name)

    threads = [threading.Thread(target=nurse, args=(f"nurse{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stored = timeline(database, service.session_id)
    assert [e.seq for e in stored] == list(range(1, len(stored) + 1))
    assert len([e for e in stored if e.kind == "annotation"]) == 40
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(stored))


def test_device_events_go_on_the_timeline(service: SessionService,
                                          database: Database) -> None:
    engine = Engine()
    service.recorder.attach(engine)
    engine.ingest([
        LinkState("ox", LinkStatus.CONNECTED, 1000.0),
        Identity("ox", 1000.1, model="Rad-8", serial="71453"),
        Identity("ox", 1001.1, model="Rad-8", serial="71453"),  # the same device again
        DeviceAlarm("ox", "low-spo2", "SpO2 low", AlarmSource.PHYSIOLOGICAL, True, 1002.0),
        PumpStatus("pump", 1003.0, state=PumpState.INFUSING, rate_ml_h=52.5,
                   volume_infused_ml=1.25),
        PumpStatus("pump", 1004.0, state=PumpState.INFUSING, rate_ml_h=52.5),
        PumpStatus("pump", 1005.0, state=PumpState.PAUSED, rate_ml_h=0.0),
    ])
    service.recorder.flush()
    kinds = [(e.kind, e.at) for e in timeline(database, service.session_id, seals=False)][1:]
    assert kinds == [("link", 1000.0), ("device_identity", 1000.1), ("device_alarm", 1002.0),
                     ("pump_state", 1003.0), ("pump_state", 1005.0)]
    pump = trends(database, service.session_id)
    assert pump["MDC_FLOW_FLUID_PUMP"].values.tolist() == [52.5, 52.5, 0.0]
    assert pump["MDC_VOL_FLUID_DELIV_TOTAL"].values.tolist() == [1.25]  # only when reported


def test_invalid_and_implausible_values_are_stored_as_no_value(
        service: SessionService, database: Database) -> None:
    engine = Engine()
    service.recorder.attach(engine)
    engine.ingest([Numeric("ox", SPO2, None, "%", 1000.0),
                   Numeric("ox", SPO2, 140.0, "%", 1001.0),
                   Numeric("ox", SPO2, 97.0, "%", 1002.0)])
    service.recorder.flush()
    with database.sessions() as session:
        values = session.scalars(select(NumericValue.value)
                                 .order_by(NumericValue.received_at)).all()
    assert values == [None, None, 97.0]


def test_wave_samples_round_trip_with_their_gaps(service: SessionService,
                                                 database: Database) -> None:
    engine = Engine()
    service.recorder.attach(engine)
    first = tuple(float(i) * 0.25 for i in range(125))
    second = (1.5, None, None, -2.75, 3.0)
    engine.ingest([WaveChunk("ox", PLETH, first, 125.0, "1", 1000.0),
                   WaveChunk("ox", PLETH, second, 125.0, "1", 1001.0)])
    service.recorder.flush()
    stored = waves(database, service.session_id, PLETH)
    assert [s for w in stored for s in w.samples] == list(first + second)
    assert stored[0].sample_rate_hz == 125.0 and stored[0].first_received_at == 1000.0
    assert stored[-1].received_at == 1001.0
    assert _count(database, WaveChunkRecord, service.session_id) == len(stored)


def test_wave_codec_is_compact_and_exact_for_float32() -> None:
    samples = tuple(float(v) for v in range(-500, 500))
    data = encode_samples(samples)
    assert decode_samples(data) == samples
    assert len(data) < len(samples) * 4


def test_an_event_appended_by_another_writer_joins_the_same_chain(
        service: SessionService, database: Database) -> None:
    faults: list[str] = []
    service.recorder.on_fault = faults.append
    service.record(Annotation("note 1"), author="nurse")
    exported = append_event(database, service.session_id, Exported("pdf"),
                            author="dr.lee")
    after = service.record(Annotation("note 2"), author="nurse")
    assert after.seq == exported.seq + 1 and after.prev_hash == exported.hash
    shown = timeline(database, service.session_id, seals=False)
    assert [e.kind for e in shown] == ["session_start", "annotation", "export", "annotation"]
    assert first_break(timeline(database, service.session_id)) is None
    assert faults == []  # another writer's event is not a fault


def test_a_closed_recorder_refuses_events_at_once(service: SessionService) -> None:
    assert service.close()
    with pytest.raises(RecordNotWritten, match="not running"):
        service.record(Annotation("too late"), author="nurse", timeout=30)
