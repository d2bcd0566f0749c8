"""The property that matters on a damaged line: no mutation of a valid capture yields a
value the clean capture does not.

A capture from each driver's own simulator is decoded clean; then, with dropped runs of
bytes, flipped bits, swapped neighbours or a cut end, every numeric and every pump
status value decoded must be one the clean capture gave too. A value can be lost (no
value is safe); a new one cannot appear.

What a protocol cannot detect is named here, per format, and left out of its mutations
(its driver's docstring says the same):

- a sum checksum (Nonin #2 / #7, B. Braun BCC) does not change when two bytes swap;
- without any checksum (Masimo ASCII 1, Nonin ASCII and #8, NE-1000 basic mode), a
  flipped or swapped digit is another well-formed number. Fixed-width fields (Masimo,
  Nonin ASCII) and #8's wait for the next packet still catch dropped bytes and cut
  lines;
- NE-1000 basic mode prints numbers of any width, so even a lost digit is another
  number ("35.00ML" -> "5.00ML"): only a cut reply is caught. Safe mode has a CRC.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ketaconsole.devices.registry import DriverRegistry, built_ins_only
from ketaconsole.devices.sim_loop import converse
from ketaconsole.observations import Numeric, Observation, PumpStatus
from ketaconsole.sdk import decode_capture

REGISTRY = DriverRegistry.discover(allowed=built_ins_only)
ALL = ("drop", "flip", "swap", "truncate")
SUM_CHECKSUM = ("drop", "flip", "truncate")
NO_CHECKSUM = ("drop", "truncate")
FORMATS: dict[str, tuple[str, dict[str, Any], tuple[str, ...]]] = {
    "intellivue-mib": ("intellivue-mib", {}, ALL),          # CRC-16/X-25
    "alaris-asena": ("alaris-asena", {}, ALL),              # CRC-16/CCITT-FALSE
    "ne1000-safe": ("ne1000", {"mode": "safe"}, ALL),       # CRC-16/XMODEM
    "ne1000-basic": ("ne1000", {"mode": "basic"}, ("truncate",)),
    "bbraun-bcc": ("bbraun-bcc", {}, SUM_CHECKSUM),         # sum mod 256
    "nonin-7": ("nonin", {"format": "7"}, SUM_CHECKSUM),    # sum mod 256
    "nonin-2": ("nonin", {"format": "2"}, SUM_CHECKSUM),
    # #8: two lost runs that together take out a packet's worth of bytes can stitch two
    # packets into one well-formed packet with the stream back in step; nothing in the
    # format can tell. Single lost runs are checked exhaustively below instead.
    "nonin-8": ("nonin", {"format": "8"}, ("truncate",)),
    "nonin-ascii": ("nonin", {"format": "ascii"}, NO_CHECKSUM),
    "masimo-ascii": ("masimo-ascii", {}, NO_CHECKSUM),
}
PROPERTY = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def values(observations: list[Observation]) -> set[tuple[str, str, object]]:
    found: set[tuple[str, str, object]] = set()
    for o in observations:
        if isinstance(o, Numeric) and o.value is not None:
            found.add((o.device_id, o.metric, o.value))
        elif isinstance(o, PumpStatus):
            for name in ("rate_ml_h", "volume_infused_ml", "vtbi_ml", "concentration_mg_ml"):
                value = getattr(o, name)
                if value is not None:
                    found.add((o.device_id, name, value))
    return found


@functools.cache
def clean(name: str) -> tuple[bytes, frozenset[tuple[str, str, object]]]:
    slug, given_settings, _ = FORMATS[name]
    driver = REGISTRY.get(slug)
    settings_ = driver.info.resolve_settings({k: str(v) for k, v in given_settings.items()})
    data = bytes(converse(driver, 30.0, settings=settings_, max_bytes=12_000).received)
    return data, frozenset(values(decode(name, data)))


def decode(name: str, data: bytes) -> list[Observation]:
    slug, given_settings, _ = FORMATS[name]
    driver = REGISTRY.get(slug)
    settings_ = driver.info.resolve_settings({k: str(v) for k, v in given_settings.items()})
    protocol = driver.create_protocol("dev", settings_)
    return list(decode_capture(protocol, data, driver.info.line.bytes_per_second()))


Mutation = Callable[[bytes], bytes]


@st.composite
def mutations(draw: st.DrawFn, kinds: tuple[str, ...]) -> list[tuple[str, int, int]]:
    return draw(st.lists(st.tuples(st.sampled_from(kinds), st.integers(0, 1 << 20),
                                   st.integers(0, 63)), min_size=1, max_size=4))


def mutate(data: bytes, steps: list[tuple[str, int, int]]) -> bytes:
    out = bytearray(data)
    for kind, where, size in steps:
        if not out:
            break
        at = where % len(out)
        if kind == "drop":
            del out[at:at + 1 + size]
        elif kind == "flip":
            out[at] ^= 1 << (size % 8)
        elif kind == "swap" and at + 1 < len(out):
            out[at], out[at + 1] = out[at + 1], out[at]
        elif kind == "truncate":
            del out[at:]
    return bytes(out)


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_the_clean_capture_gives_values(name: str) -> None:
    assert clean(name)[1], f"{name}: the clean capture decodes to no value at all"


@pytest.mark.parametrize("name", sorted(FORMATS))
@PROPERTY
@given(data=st.data())
def test_no_mutation_of_a_capture_yields_a_value_the_clean_capture_does_not(
        name: str, data: st.DataObject) -> None:
    capture, seen = clean(name)
    steps = data.draw(mutations(FORMATS[name][2]))
    new = values(decode(name, mutate(capture, steps))) - seen
    assert not new, f"{name} after {steps}: values the device never sent: {sorted(new)[:5]}"


def test_no_single_lost_run_of_a_format8_capture_yields_a_value_it_did_not_send() -> None:
    capture, seen = clean("nonin-8")
    for at in range(len(capture)):
        for size in range(64):
            new = values(decode("nonin-8", mutate(capture, [("drop", at, size)]))) - seen
            assert not new, f"{size + 1} bytes lost at {at}: {sorted(new)[:5]}"


def test_two_lost_runs_can_stitch_a_format8_packet_the_limit_the_driver_documents() -> None:
    """The named limit: with no checksum, #8 cannot see a stitched packet."""
    capture, seen = clean("nonin-8")
    stitched = mutate(capture, [("drop", 498, 0), ("drop", 15, 2)])
    assert values(decode("nonin-8", stitched)) - seen
