"""The engine's live state: latest value per metric, no value never becomes a number,
stale values stop being live, waves go to ring buffers, and ingest is thread-safe."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from ketaconsole.catalogue import CATALOGUE
from ketaconsole.live.engine import Engine
from ketaconsole.observations import (
    Identity,
    LinkState,
    LinkStatus,
    Numeric,
    Observation,
    ProtocolError,
    PumpState,
    PumpStatus,
    WaveChunk,
)

SPO2 = "MDC_PULS_OXIM_SAT_O2"
PULSE = "MDC_PULS_OXIM_PULS_RATE"
NIBP_SYS = "MDC_PRESS_BLD_NONINV_SYS"
PLETH = "MDC_PULS_OXIM_PLETH"


def numeric(refid: str, value: float | None, at: float, device: str = "ox") -> Numeric:
    return Numeric(device, refid, value, CATALOGUE[refid].unit, at)


def test_the_engine_keeps_the_latest_value_of_each_metric() -> None:
    engine = Engine()
    engine.ingest([numeric(SPO2, 97, 10.0), numeric(PULSE, 70, 10.0),
                   numeric(SPO2, 95, 11.0)])
    latest = engine.latest(SPO2)
    assert latest is not None
    assert (latest.value, latest.received_at, latest.device_id) == (95, 11.0, "ox")
    assert engine.live_value(PULSE, now=11.0) == 70
    assert engine.latest("MDC_RESP_RATE") is None
    assert engine.live_value("MDC_RESP_RATE", now=11.0) is None


def test_a_value_the_device_marks_invalid_stays_none_and_replaces_the_old_number() -> None:
    engine = Engine()
    engine.ingest([numeric(SPO2, 97, 10.0), numeric(SPO2, None, 11.0)])
    latest = engine.latest(SPO2)
    assert latest is not None and latest.value is None and latest.received_at == 11.0
    assert engine.live_value(SPO2, now=11.0) is None
    assert engine.error_count("ox") == 0, "an invalid mark from the device is not an error"


@pytest.mark.parametrize("value", [101.0, -1.0, 1e9])
def test_an_implausible_value_is_rejected_and_counted(value: float) -> None:
    engine = Engine()
    engine.ingest([numeric(SPO2, 97, 10.0), numeric(SPO2, value, 11.0)])
    latest = engine.latest(SPO2)
    assert latest is not None and latest.value is None
    assert engine.live_value(SPO2, now=11.0) is None
    assert engine.error_count("ox") == 1


@pytest.mark.parametrize("value", [101.0, float("nan"), float("inf")])
def test_every_listener_is_told_of_the_cleaned_value_not_the_one_sent(value: float) -> None:
    engine = Engine()
    heard: list[Observation] = []
    engine.subscribe(heard.append)
    engine.ingest([numeric(SPO2, value, 11.0)])
    (told,) = heard
    assert isinstance(told, Numeric) and told.value is None and told.received_at == 11.0
    assert engine.error_count("ox") == 1


def test_an_implausible_pump_quantity_is_no_value_and_the_others_stand() -> None:
    engine = Engine()
    heard: list[Observation] = []
    engine.subscribe(heard.append)
    engine.ingest([PumpStatus("pump", 5.0, PumpState.INFUSING, rate_ml_h=5000.0,
                              volume_infused_ml=2.5)])
    (told,) = heard
    assert isinstance(told, PumpStatus)
    assert (told.rate_ml_h, told.volume_infused_ml, told.state) == (None, 2.5,
                                                                    PumpState.INFUSING)
    ledger = engine.pump("pump")
    assert ledger is not None and ledger.rate_ml_h is None and ledger.delivered_ml == 2.5
    assert engine.error_count("pump") == 1


def test_a_value_that_comes_out_of_order_does_not_replace_the_newer_one() -> None:
    engine = Engine()
    engine.ingest([numeric(SPO2, 95, 12.0), numeric(SPO2, 80, 11.0)])
    assert engine.live_value(SPO2, now=12.0) == 95


def test_a_stations_link_has_data_when_any_of_its_channels_reports() -> None:
    engine = Engine()
    engine.ingest([PumpStatus("station/1-2", 7.0, PumpState.INFUSING, rate_ml_h=10.0)])
    assert engine.last_data_at("station/1-2") == 7.0
    assert engine.last_data_at("station") == 7.0
    assert engine.last_data_at("station/1-1") is None


def test_the_edges_of_the_plausible_range_are_accepted() -> None:
    engine = Engine()
    low, high = CATALOGUE[SPO2].plausible
    engine.ingest([numeric(SPO2, low, 1.0)])
    assert engine.live_value(SPO2, now=1.0) == low
    engine.ingest([numeric(SPO2, high, 2.0)])
    assert engine.live_value(SPO2, now=2.0) == high


def test_a_live_value_goes_none_once_older_than_the_catalogues_freshness_window() -> None:
    window = CATALOGUE[SPO2].fresh_for_s
    assert window is not None
    engine = Engine()
    engine.ingest([numeric(SPO2, 96, 100.0)])
    assert engine.live_value(SPO2, now=100.0 + window - 0.01) == 96
    assert engine.live_value(SPO2, now=100.0 + window + 0.01) is None
    latest = engine.latest(SPO2)
    assert latest is not None and latest.value == 96, "the record keeps what was sent"


def test_live_value_uses_the_engines_clock_when_no_time_is_given() -> None:
    now = [100.0]
    engine = Engine(clock=lambda: now[0])
    engine.ingest([numeric(PULSE, 66, 100.0)])
    assert engine.live_value(PULSE) == 66
    now[0] = 100.0 + (CATALOGUE[PULSE].fresh_for_s or 0) + 1
    assert engine.live_value(PULSE) is None


def test_an_episodic_reading_has_no_freshness_window() -> None:
    assert CATALOGUE[NIBP_SYS].fresh_for_s is None
    engine = Engine()
    engine.ingest([numeric(NIBP_SYS, 128, 0.0, device="nibp")])
    assert engine.live_value(NIBP_SYS, now=4 * 3600.0) == 128


def test_wave_chunks_fill_a_ring_buffer_with_gaps_as_nan() -> None:
    engine = Engine(wave_seconds=2.0)
    engine.ingest([WaveChunk("ox", PLETH, (0.1, None, 0.3), 10.0, "1", 5.0)])
    stream = engine.wave(PLETH)
    assert stream is not None
    assert stream.buffer.capacity == 20
    got = stream.buffer.latest()
    assert got[0] == 0.1 and np.isnan(got[1]) and got[2] == 0.3
    assert stream.last_received_at == 5.0


def test_link_identity_and_protocol_errors_are_tracked_per_device() -> None:
    engine = Engine()
    engine.ingest([LinkState("ox", LinkStatus.CONNECTED, 1.0),
                   Identity("ox", 1.0, model="Rad-8", serial="123"),
                   ProtocolError("ox", "framing", "bad line", 2.0),
                   ProtocolError("pump", "checksum", "bad frame", 2.0)])
    assert engine.link_status("ox") is LinkStatus.CONNECTED
    assert engine.link_status("pump") is None
    identity = engine.identity("ox")
    assert identity is not None and identity.serial == "123"
    assert (engine.error_count("ox"), engine.error_count("pump")) == (1, 1)


def test_a_failing_listener_does_not_stop_ingest_or_other_listeners() -> None:
    engine = Engine()
    heard: list[Observation] = []

    def broken(_: Observation) -> None:
        raise RuntimeError("listener bug")

    engine.subscribe(broken)
    engine.subscribe(heard.append)
    engine.ingest([numeric(SPO2, 97, 1.0), numeric(PULSE, 60, 1.0)])
    assert len(heard) == 2
    assert engine.live_value(PULSE, now=1.0) == 60


def test_a_bound_method_listener_can_be_unsubscribed() -> None:
    engine = Engine()
    heard: list[Observation] = []
    engine.subscribe(heard.append)
    engine.ingest([numeric(SPO2, 97, 1.0)])
    engine.unsubscribe(heard.append)  # a new bound-method object, equal to the first
    engine.ingest([numeric(SPO2, 96, 2.0)])
    assert len(heard) == 1


def test_ingest_from_several_threads_loses_nothing() -> None:
    engine = Engine(wave_seconds=1000.0)
    heard = [0]
    lock = threading.Lock()

    def count(_: Observation) -> None:
        with lock:
            heard[0] += 1

    engine.subscribe(count)
    threads_n, rounds = 6, 500
    start = threading.Barrier(threads_n)

    def device(index: int) -> None:
        name = f"dev{index}"
        start.wait()
        for i in range(rounds):
            engine.ingest([
                numeric(SPO2, 90 + index, float(i), device=name),
                WaveChunk("monitor", PLETH, (float(index),) * 4, 100.0, "1", float(i)),
                ProtocolError(name, "framing", "noise", float(i)),
                ProtocolError("shared", "framing", "noise", float(i)),
            ])

    threads = [threading.Thread(target=device, args=(n,)) for n in range(threads_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert heard[0] == threads_n * rounds * 4
    stream = engine.wave(PLETH)
    assert stream is not None
    assert stream.buffer.written == threads_n * rounds * 4
    counts = np.unique(stream.buffer.latest(), return_counts=True)
    assert dict(zip(counts[0].tolist(), counts[1].tolist(), strict=True)) == {
        float(n): rounds * 4 for n in range(threads_n)}
    assert engine.error_count("shared") == threads_n * rounds
    assert all(engine.error_count(f"dev{n}") == rounds for n in range(threads_n))
    latest = engine.latest(SPO2)
    assert latest is not None and latest.value in {90 + n for n in range(threads_n)}


def test_two_devices_sending_one_wave_do_not_interleave_it() -> None:
    from ketaconsole.live.engine import Engine as LiveEngine
    from ketaconsole.observations import WaveChunk as Chunk

    engine = LiveEngine()
    pleth = "MDC_PULS_OXIM_PLETH"
    engine.ingest([Chunk("monitor", pleth, (0.1, 0.2), 125.0, "1", 100.0)])
    engine.ingest([Chunk("oximeter", pleth, (9.0, 9.0), 75.0, "1", 100.5)])
    stream = engine.wave(pleth)
    assert stream is not None and stream.device_id == "monitor"
    assert list(stream.buffer.latest()) == [0.1, 0.2]
    engine.ingest([Chunk("oximeter", pleth, (9.0,), 75.0, "1", 103.0)])  # monitor silent 3 s
    stream = engine.wave(pleth)
    assert stream is not None and stream.device_id == "oximeter"
    assert stream.sample_rate_hz == 75.0 and list(stream.buffer.latest()) == [9.0]
