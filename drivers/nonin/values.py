"""Nonin value bytes both ways: pulse rate in two 7-bit halves, SpO2, and the missing-data codes.

A pulse rate is 9 bits: bits 8-7 in the low two bits of the MSB byte, bits 6-0 in the
LSB byte (bit 7 of each byte is clear). SpO2 is the low 7 bits of its byte. 511 and
127 mean "the oximeter cannot compute a value": that is ``None``, never a number, and so
are SpO2 0 and a pulse of 0 without a valid SpO2 (:func:`readings`).
"""

from __future__ import annotations

from drivers.nonin.codes import MISSING_HR, MISSING_SPO2
from ketaconsole.sdk import Numeric, Observation, metric, no_reading_zeros, plausible_or_none

SPO2 = "MDC_PULS_OXIM_SAT_O2"
PULSE_RATE = "MDC_PULS_OXIM_PULS_RATE"


def pulse_rate(msb: int, lsb: int) -> int | None:
    """The pulse rate the two bytes carry, or ``None`` for the missing-data code."""
    raw = ((msb & 0x03) << 7) | (lsb & 0x7F)
    return None if raw == MISSING_HR else raw


def saturation(byte: int) -> int | None:
    """The SpO2 the byte carries, or ``None`` for the missing-data code."""
    raw = byte & 0x7F
    return None if raw == MISSING_SPO2 else raw


def pulse_rate_bytes(rate: int | None) -> tuple[int, int]:
    """(MSB, LSB) for a pulse rate; ``None`` sends the missing-data code."""
    raw = MISSING_HR if rate is None else max(0, min(int(rate), MISSING_HR - 1))
    return (raw >> 7) & 0x03, raw & 0x7F


def saturation_byte(spo2: int | None) -> int:
    """The byte for an SpO2; ``None`` sends the missing-data code."""
    return MISSING_SPO2 if spo2 is None else max(0, min(int(spo2), 100))


def reading(device_id: str, refid: str, value: int | None, now: float) -> list[Observation]:
    """A numeric for a decoded value; a value outside the metric's range becomes ``None``
    with a value error beside it."""
    known = metric(refid)
    found: list[Observation] = []
    shown: float | None = None if value is None else float(value)
    shown = plausible_or_none(shown, known, device_id, now, found)
    found.append(Numeric(device_id, refid, shown, known.unit, now))
    return found


def readings(device_id: str, spo2: int | None, pulse: int | None, now: float, *,
             has_spo2: bool = True, has_pulse: bool = True) -> list[Observation]:
    """SpO2 and pulse-rate numerics, with SpO2 0 and a pulse of 0 without a valid SpO2
    reported as no reading (the SDK's :func:`~ketaconsole.sdk.no_reading_zeros`)."""
    spo2_shown, pulse_shown = no_reading_zeros(spo2 if has_spo2 else None, pulse)
    found: list[Observation] = []
    if has_spo2:
        found += reading(device_id, SPO2, None if spo2_shown is None else spo2, now)
    if has_pulse:
        found += reading(device_id, PULSE_RATE, None if pulse_shown is None else pulse, now)
    return found
