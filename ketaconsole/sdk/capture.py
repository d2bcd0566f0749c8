"""Decoding a raw capture the way the live link would have: in chunks, on the line's clock.

A capture file holds only what the device sent, not when. :func:`decode_capture` gives
each chunk the time it would have taken to arrive at the line's speed, feeds it, and
ticks the protocol after it, as the live link does between reads, so whatever a driver
decides on its clock (held-back replies, error summaries) comes out as it would live.
A protocol that was never connected sends nothing from ``tick``: it is listening to a
capture, not talking to a device.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from ketaconsole.observations import Observation
from ketaconsole.sdk.errors import WINDOW_S, StepOutput


class Decoder(Protocol):
    """A protocol object as a capture is decoded through it (a driver's ``DeviceProtocol``)."""

    def feed(self, data: bytes, now: float) -> StepOutput: ...
    def tick(self, now: float) -> StepOutput: ...

CHUNK = 4096


def bytes_per_second(baudrate: int, bytesize: int = 8, parity: str = "N",
                     stopbits: float = 1) -> float:
    """How many bytes a serial line carries a second (start, data, parity and stop bits)."""
    bits = 1 + bytesize + (0 if parity == "N" else 1) + stopbits
    return baudrate / bits


def decode_capture(protocol: Decoder, data: bytes, rate_bytes_per_s: float, *,
                   start: float = 0.0, chunk: int = CHUNK) -> Iterator[Observation]:
    """The observations ``protocol`` makes of ``data`` arriving at ``rate_bytes_per_s``.

    After the last chunk one more tick, a moment later, hands over anything still held
    back.
    """
    now = start
    for offset in range(0, len(data), chunk):
        piece = data[offset:offset + chunk]
        now += len(piece) / rate_bytes_per_s
        yield from protocol.feed(piece, now).observations
        yield from protocol.tick(now).observations
    yield from protocol.tick(now + WINDOW_S).observations
