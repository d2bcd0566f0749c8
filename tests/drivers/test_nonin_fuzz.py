"""Property tests: damage on the line never makes the Nonin decoder invent a value.

A capture of the simulated oximeter is decoded once as sent and once with one byte
changed. A single changed byte always breaks its frame's checksum in formats #2 and #7,
so every value decoded from the damaged capture must be one the clean capture also
gave. Format #8 and the ASCII lines have no checksum; for them the property is the
general one: no exception, and no value outside its metric's plausible range.
"""

from __future__ import annotations

import functools
from collections import defaultdict

from hypothesis import given, settings
from hypothesis import strategies as st

from drivers.nonin import DRIVER
from ketaconsole.catalogue import CATALOGUE
from ketaconsole.devices.sim_loop import converse
from ketaconsole.observations import Numeric, Observation, ProtocolError, WaveChunk

FUZZ = settings(max_examples=200, deadline=None, derandomize=True)


@functools.cache
def capture(data_format: str) -> bytes:
    options = DRIVER.info.resolve_settings({"format": data_format})
    return bytes(converse(DRIVER, 12.0, settings=options, speed=20.0).received)


def decode(data_format: str, data: bytes, chunk: int) -> list[Observation]:
    protocol = DRIVER.create_protocol("fuzz", DRIVER.info.resolve_settings(
        {"format": data_format}))
    found: list[Observation] = []
    for at in range(0, len(data), chunk):
        found.extend(protocol.feed(data[at:at + chunk], 1000.0).observations)
    return found


def values(found: list[Observation]) -> dict[str, set[float]]:
    by_metric: dict[str, set[float]] = defaultdict(set)
    for o in found:
        if isinstance(o, Numeric) and o.value is not None:
            by_metric[o.metric].add(o.value)
        elif isinstance(o, WaveChunk):
            by_metric[o.metric].update(s for s in o.samples if s is not None)
    return by_metric


@FUZZ
@given(data_format=st.sampled_from(["2", "7"]), where=st.floats(0, 1, exclude_max=True),
       flip=st.integers(1, 255), chunk=st.sampled_from([1, 5, 64, 4096]))
def test_one_damaged_byte_never_yields_a_value_the_oximeter_did_not_send(
        data_format: str, where: float, flip: int, chunk: int) -> None:
    clean = capture(data_format)
    at = int(where * len(clean))
    damaged = clean[:at] + bytes([clean[at] ^ flip]) + clean[at + 1:]
    sent = values(decode(data_format, clean, 4096))
    found = decode(data_format, damaged, chunk)
    for metric, seen in values(found).items():
        assert seen <= sent[metric], (metric, seen - sent[metric])
    assert sum(isinstance(o, ProtocolError) for o in found) <= 2


@FUZZ
@given(data_format=st.sampled_from(["2", "7", "8", "ascii"]),
       edits=st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.integers(0, 255),
                                st.sampled_from(["set", "drop", "insert"])), max_size=12),
       chunk=st.integers(1, 300))
def test_a_noisy_line_never_yields_an_implausible_value(
        data_format: str, edits: list[tuple[float, int, str]], chunk: int) -> None:
    data = bytearray(capture(data_format))
    for where, byte, kind in edits:
        at = int(where * len(data))
        if kind == "set":
            data[at] = byte
        elif kind == "drop":
            del data[at]
        else:
            data.insert(at, byte)
    for o in decode(data_format, bytes(data), chunk):
        if isinstance(o, Numeric) and o.value is not None:
            assert CATALOGUE[o.metric].is_plausible(o.value), o
