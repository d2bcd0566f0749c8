"""Decoder throughput of every installed driver on a large synthetic capture, on one core.

For each driver with a simulator, the device's side of a simulated conversation (fixed
seed and start, so two runs decode the same bytes) is repeated up to ``CAPTURE_MB`` and
fed to a fresh protocol object in 4096-byte chunks, as ``ketaconsole decode`` does; the
best of ``REPEATS`` runs counts. Time is the process's CPU time, so other load on a
shared machine does not count against a decoder. The floor in the same run scans the
same chunks with ``bytes.find`` for the driver's frame delimiter (``DELIMITERS``: the
least any decoder of that framing must do to find its frames), so:

- ``decode.<slug>.MBps``: the driver's decode throughput;
- ``decode.<slug>.scan.MBps``: the floor on the same bytes;
- ``decode.<slug>.vs_scan_ratio``: driver time / floor time, i.e. how many times the
  floor's cost the driver's decoding takes.

A driver whose settings choose between wire formats the default capture does not show
is also measured in each other format, as ``decode.<slug>-<variant>.*`` (``VARIANTS``):
nonin's data formats #2, #8 and ASCII (the default is #7) and ne1000's safe mode.
Nonin's binary formats have fixed-length frames and no delimiter; their floor scans
for the byte that starts each frame (#2: 0x01; #7 and #8: the status byte 0x80 of a
frame without flags, the most common status).

Target (BENCHMARKS.md): ``decode.<slug>.MBps`` >= 2.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Mapping
from typing import Any

from ketaconsole.devices.registry import DriverRegistry, built_ins_only
from ketaconsole.devices.sim_loop import converse
from ketaconsole.sdk import Driver

CAPTURE_MB = 4.0
SIMULATED_SECONDS = 1800.0
SEED_BYTES = 250_000
CHUNK = 4096
REPEATS = 3
MB = 1_000_000

VARIANTS: dict[str, dict[str, dict[str, Any]]] = {
    "nonin": {"2": {"format": "2"}, "8": {"format": "8"}, "ascii": {"format": "ascii"}},
    "ne1000": {"safe": {"mode": "safe"}},
}
"""Per driver slug: variant name -> the settings (over the defaults) of another format."""

DELIMITERS: dict[str, bytes] = {
    "alaris-asena": b"\r", "bbraun-bcc": b"\x04", "intellivue-mib": b"\xc1",
    "masimo-ascii": b"\r\n", "ne1000": b"\x03", "ne1000-safe": b"\x03",
    "nonin": b"\x80", "nonin-2": b"\x01", "nonin-8": b"\x80", "nonin-ascii": b"\r\n",
}
"""Per measured name (slug or slug-variant): the byte string that ends or starts a frame."""
DEFAULT_DELIMITER = b"\n"
"""For a driver not in ``DELIMITERS`` (a plugin): its frames are taken to be lines."""


def variant_settings(driver: Driver, variant: str | None) -> dict[str, Any]:
    """The driver's resolved settings for a variant (``None``: the defaults)."""
    chosen = {} if variant is None else VARIANTS[driver.info.slug][variant]
    return dict(driver.info.resolve_settings(chosen))


@functools.cache
def synthetic_capture(slug: str, size: int = int(CAPTURE_MB * MB),
                      variant: str | None = None) -> bytes:
    """What the driver's simulated device sends, repeated to at least ``size`` bytes."""
    driver = DriverRegistry.discover(allowed=built_ins_only).get(slug)
    talk = converse(driver, SIMULATED_SECONDS, settings=variant_settings(driver, variant),
                    max_bytes=SEED_BYTES)
    seed = bytes(talk.received)
    if not seed:
        raise ValueError(f"the {slug} simulator sent nothing in {SIMULATED_SECONDS:.0f} s")
    return seed * -(-size // len(seed))


def decode_seconds(driver: Driver, data: bytes,
                   settings: Mapping[str, Any] | None = None) -> float:
    """Time to decode ``data`` with a fresh protocol, in ``CHUNK``-byte reads."""
    chosen = driver.info.resolve_settings({}) if settings is None else settings
    protocol = driver.create_protocol("bench", chosen)
    feed = protocol.feed
    started = time.process_time()
    for offset in range(0, len(data), CHUNK):
        feed(data[offset:offset + CHUNK], 0.0)
    return time.process_time() - started


def scan_seconds(data: bytes, delimiter: bytes) -> float:
    """Time for the floor: find every ``delimiter`` in the same chunks with ``bytes.find``."""
    started = time.process_time()
    for offset in range(0, len(data), CHUNK):
        find = data[offset:offset + CHUNK].find
        at = find(delimiter)
        while at >= 0:
            at = find(delimiter, at + 1)
    return time.process_time() - started


def best(measure: functools.partial[float]) -> float:
    return min(measure() for _ in range(REPEATS))


def run(only: str | None = None) -> dict[str, float]:
    figures: dict[str, float] = {}
    for item in DriverRegistry.discover(allowed=built_ins_only).installed():
        driver = item.driver
        slug = driver.info.slug
        if driver.create_simulator is None:
            continue
        for variant in (None, *VARIANTS.get(slug, {})):
            name = slug if variant is None else f"{slug}-{variant}"
            if only is not None and "." in only and not f"decode.{name}.".startswith(only) \
                    and not only.startswith(f"decode.{name}."):
                continue
            data = synthetic_capture(slug, variant=variant)
            settings = variant_settings(driver, variant)
            megabytes = len(data) / MB
            ours = best(functools.partial(decode_seconds, driver, data, settings))
            floor = best(functools.partial(scan_seconds, data,
                                           DELIMITERS.get(name, DEFAULT_DELIMITER)))
            figures[f"decode.{name}.MBps"] = megabytes / ours
            figures[f"decode.{name}.scan.MBps"] = megabytes / floor
            figures[f"decode.{name}.vs_scan_ratio"] = ours / floor
    return figures
