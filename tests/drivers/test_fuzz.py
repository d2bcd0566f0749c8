"""Hypothesis fuzzing of every registered decoder: whatever arrives, nothing unsafe leaves.

Two kinds of input per driver: arbitrary bytes, and a real capture from the driver's own
simulator with bytes flipped, dropped, inserted, repeated, digits changed and cut at
arbitrary places (much closer to a noisy cable, so it reaches the decoder's deeper
states and its range checks). Either way, in any
chunking: no exception escapes, every observation is one of the observation types, and
every numeric value is no value or inside its metric's plausible range.
"""

from __future__ import annotations

import functools
import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ketaconsole.catalogue import CATALOGUE
from ketaconsole.devices.registry import DriverRegistry, built_ins_only
from ketaconsole.devices.sim_loop import converse
from ketaconsole.observations import (
    DeviceAlarm,
    Identity,
    LinkState,
    Numeric,
    Observation,
    ProtocolError,
    PumpStatus,
    WaveChunk,
)
from ketaconsole.sdk import Driver

DRIVERS = [item.driver for item in DriverRegistry.discover(allowed=built_ins_only).installed()]
SLUGS = [d.info.slug for d in DRIVERS]
OBSERVATION_TYPES = (Numeric, WaveChunk, PumpStatus, DeviceAlarm, Identity, LinkState,
                     ProtocolError)
FUZZ = settings(max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

every_driver = pytest.mark.parametrize("driver", DRIVERS, ids=SLUGS)


@functools.cache
def capture(slug: str) -> bytes:
    """About twenty simulated seconds of what the device sends (empty without a simulator)."""
    driver = next(d for d in DRIVERS if d.info.slug == slug)
    if driver.create_simulator is None:
        return b""
    return bytes(converse(driver, 20.0, max_bytes=16_000).received)


def chunked(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts} | {0, len(data)})
    return [data[a:b] for a, b in itertools.pairwise(points)]


def check_safe(observations: list[Observation]) -> None:
    for o in observations:
        assert isinstance(o, OBSERVATION_TYPES), f"{type(o).__name__} is not an observation"
        if isinstance(o, Numeric):
            assert o.metric in CATALOGUE, f"{o.metric} is not in the metric catalogue"
            assert o.value is None or CATALOGUE[o.metric].is_plausible(o.value), o
        elif isinstance(o, WaveChunk):
            assert o.metric in CATALOGUE, f"{o.metric} is not in the metric catalogue"
            wave = CATALOGUE[o.metric]
            assert all(s is None or wave.is_plausible(s) for s in o.samples), o
        elif isinstance(o, PumpStatus):
            for value in (o.rate_ml_h, o.volume_infused_ml, o.vtbi_ml, o.volume_remaining_ml):
                assert value is None or value >= 0, o


def run(driver: Driver, chunks: list[bytes]) -> list[Observation]:
    protocol = driver.create_protocol("fuzz", driver.info.resolve_settings({}))
    now = 1000.0
    found: list[Observation] = []
    protocol.connect(now)
    for chunk in chunks:
        now += 0.05
        found.extend(protocol.feed(chunk, now).observations)
        found.extend(protocol.tick(now).observations)
    return found


@every_driver
@FUZZ
@given(data=st.binary(max_size=4000), cuts=st.lists(st.integers(min_value=0), max_size=40))
def test_arbitrary_bytes_in_arbitrary_chunks_are_safe(driver: Driver, data: bytes,
                                                      cuts: list[int]) -> None:
    check_safe(run(driver, chunked(data, cuts)))


_EDIT = st.tuples(st.sampled_from(("flip", "drop", "insert", "repeat", "digit")),
                  st.integers(min_value=0, max_value=10**6),
                  st.integers(min_value=0, max_value=255))
_DIGITS = frozenset(b"0123456789")


@every_driver
@FUZZ
@given(edits=st.lists(_EDIT, max_size=25), start=st.integers(min_value=0),
       length=st.integers(min_value=0, max_value=6000),
       cuts=st.lists(st.integers(min_value=0), max_size=40))
def test_a_damaged_real_capture_in_arbitrary_chunks_is_safe(
        driver: Driver, edits: list[tuple[str, int, int]], start: int, length: int,
        cuts: list[int]) -> None:
    clean = capture(driver.info.slug)
    if clean:
        offset = start % len(clean)
        clean = clean[offset:offset + length]
    data = bytearray(clean)
    for kind, where, byte in edits:
        at = where % (len(data) + 1)
        if kind == "digit":  # change one digit: the form stays right, the value does not
            digits = [i for i, b in enumerate(data) if b in _DIGITS]
            if digits:
                data[digits[where % len(digits)]] = 0x30 + byte % 10
        elif kind == "insert":
            data[at:at] = bytes([byte])
        elif at < len(data):
            if kind == "flip":
                data[at] ^= 1 << (byte % 8)
            elif kind == "drop":
                del data[at]
            else:
                data[at:at] = data[at:at + 1 + byte % 8]
    check_safe(run(driver, chunked(bytes(data), cuts)))


@every_driver
def test_the_undamaged_capture_is_not_empty_for_a_simulated_driver(driver: Driver) -> None:
    if driver.create_simulator is None:
        pytest.skip(f"{driver.info.slug} ships no simulator (optional for plugins)")
    assert len(capture(driver.info.slug)) > 0
