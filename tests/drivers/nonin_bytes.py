"""Nonin frames and packets built by hand from the 9560 OEM specification, for the tests.

Written from the specification's tables, not from the driver: a frame's checksum is the
sum of bytes 1-4 modulo 256; a status byte always has bit 7 set and has the SYNC bit
(bit 0) on frame 1 of a packet only; HR is 9 bits split over two bytes (HR8-HR7 in the
MSB byte's bits 1-0, HR6-HR0 in the LSB byte); the float byte of frame n carries the
packet's n-th value.
"""

from __future__ import annotations

from collections.abc import Mapping

SYNC = 0x01
ALWAYS = 0x80
SENSOR_DISCONNECTED = 0x40
ARTIFACT = 0x20
OUT_OF_TRACK = 0x10
SENSOR_ALARM = 0x08
RED = 0x04
GREEN = 0x02

# 1-based frame numbers, as the specification's table counts them.
HR_MSB, HR_LSB, SPO2, SREV, STAT2, SPO2_D = 1, 2, 3, 4, 8, 9
E_HR_MSB, E_HR_LSB, E_SPO2 = 14, 15, 16
HR_D_MSB, HR_D_LSB = 20, 21

SPO2_METRIC = "MDC_PULS_OXIM_SAT_O2"
PULSE_METRIC = "MDC_PULS_OXIM_PULS_RATE"
PLETH_METRIC = "MDC_PULS_OXIM_PLETH"


def checksum(head: bytes) -> int:
    return sum(head[:4]) % 256


def frame(data_format: str, status: int, pleth: int, value: int) -> bytes:
    """One format #2 (01 STATUS PLETH FLOAT CHK) or #7 (STATUS MSB LSB FLOAT CHK) frame."""
    if data_format == "2":
        head = bytes([0x01, status, pleth, value])
    else:
        head = bytes([status, pleth >> 8, pleth & 0xFF, value])
    return head + bytes([checksum(head)])


def hr_halves(rate: int) -> tuple[int, int]:
    return rate >> 7, rate & 0x7F


def packet_values(*, hr: int = 72, spo2: int = 97, revision: int = 0x2A, status2: int = 0,
                  hr_std: int | None = None, spo2_std: int | None = None,
                  hr_ext: int | None = None, spo2_ext: int | None = None) -> dict[int, int]:
    """Float bytes by 1-based frame number; HR-D/SpO2-D are ``hr``/``spo2``."""
    values = {SREV: revision, STAT2: status2, SPO2_D: spo2}
    values[HR_D_MSB], values[HR_D_LSB] = hr_halves(hr)
    values[HR_MSB], values[HR_LSB] = hr_halves(hr if hr_std is None else hr_std)
    values[SPO2] = spo2 if spo2_std is None else spo2_std
    values[E_HR_MSB], values[E_HR_LSB] = hr_halves(hr if hr_ext is None else hr_ext)
    values[E_SPO2] = spo2 if spo2_ext is None else spo2_ext
    return values


def pleth_at(number: int, base: int = 1000) -> int:
    """A recognisable pleth value for 1-based frame ``number``."""
    return base + 10 * number


def packet(data_format: str = "7", values: Mapping[int, int] | None = None, *,
           status: Mapping[int, int] | None = None, base: int = 1000,
           sync_on: int = 1) -> bytes:
    """25 frames; ``status`` adds bits to given frames; pleth from :func:`pleth_at`."""
    values = packet_values() if values is None else values
    status = status or {}
    out = b""
    for number in range(1, 26):
        bits = ALWAYS | (SYNC if number == sync_on else 0) | status.get(number, 0)
        pleth = pleth_at(number, base) & (0xFF if data_format == "2" else 0xFFFF)
        out += frame(data_format, bits, pleth, values.get(number, 0))
    return out


def pleth_of(base: int = 1000, data_format: str = "7") -> list[float]:
    mask = 0xFF if data_format == "2" else 0xFFFF
    return [float(pleth_at(n, base) & mask) for n in range(1, 26)]


def format8(hr: int = 72, spo2: int = 97, *, status: int = 0, status2: int = 0) -> bytes:
    """Format #8: 1 R OOT LPRF MPRF ARTF HR8 HR7 | 0 HR6-0 | 0 SP6-0 | 0 R SPA R SNSA R R LB."""
    msb, lsb = hr_halves(hr)
    return bytes([0x80 | status | msb, lsb, spo2, status2])


NEXT_PLETH = 2010
"""The pleth value of :func:`confirm`'s frame (``pleth_at(1, 2000)``)."""


def confirm(data_format: str = "7") -> bytes:
    """Frame 1 of a following packet: its SYNC bit confirms the end of the packet before
    it, which is only then read."""
    return packet(data_format, base=2000)[:5]
