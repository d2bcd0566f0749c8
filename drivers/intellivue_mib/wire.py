"""IntelliVue data types on the wire: FLOAT-Type, AbsoluteTime, attribute lists, lengths.

All integers are big-endian. FLOAT-Type is 32 bits: a signed 8-bit exponent over a
signed 24-bit mantissa, value = mantissa x 10^exponent; the mantissas NaN (0x7FFFFF),
NRes (0x800000), +INFINITY (0x7FFFFE), -INFINITY (0x800002) and the reserved 0x800001
mean "no value". AbsoluteTime is eight BCD bytes: century, year, month, day, hour,
minute, second, hundredths; 0xFF bytes mean the monitor's clock is not set.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from drivers.intellivue_mib.codes import FLOAT_NAN, FLOAT_SPECIALS


class MessageError(ValueError):
    """A message whose fields do not add up (short, lengths that disagree, bad values)."""


class Reader:
    """Reads big-endian fields from a message, refusing to run past its end."""

    def __init__(self, data: bytes, offset: int = 0, end: int | None = None) -> None:
        self.data = data
        self.pos = offset
        self.end = len(data) if end is None else end

    def remaining(self) -> int:
        return self.end - self.pos

    def take(self, size: int) -> bytes:
        if size < 0 or self.pos + size > self.end:
            raise MessageError(f"message ends {self.pos + size - self.end} bytes early")
        chunk = self.data[self.pos:self.pos + size]
        self.pos += size
        return chunk

    def u8(self) -> int:
        return self.take(1)[0]

    def u16(self) -> int:
        return int.from_bytes(self.take(2), "big")

    def u32(self) -> int:
        return int.from_bytes(self.take(4), "big")

    def sub(self, size: int) -> Reader:
        """A reader over the next ``size`` bytes, which this reader skips."""
        start = self.pos
        self.take(size)
        return Reader(self.data, start, start + size)


def u16(value: int) -> bytes:
    return (value & 0xFFFF).to_bytes(2, "big")


def u32(value: int) -> bytes:
    return (value & 0xFFFFFFFF).to_bytes(4, "big")


# -- FLOAT-Type -------------------------------------------------------------------------

def decode_float(raw: int) -> float | None:
    """A FLOAT-Type's value, or ``None`` for NaN, NRes and the infinities."""
    mantissa = raw & 0xFFFFFF
    if mantissa in FLOAT_SPECIALS:
        return None
    exponent = (raw >> 24) & 0xFF
    if exponent >= 0x80:
        exponent -= 0x100
    if mantissa >= 0x800000:
        mantissa -= 0x1000000
    return mantissa * 10.0 ** exponent if exponent >= 0 else mantissa / 10.0 ** -exponent


def encode_float(value: float | None, decimals: int = 0) -> int:
    """``value`` as a FLOAT-Type with ``decimals`` digits after the point (None -> NaN)."""
    if value is None or math.isnan(value):
        return FLOAT_NAN
    mantissa = round(value * 10 ** decimals)
    exponent = -decimals
    while not -0x7FFFFD <= mantissa <= 0x7FFFFD:
        mantissa = round(mantissa / 10)
        exponent += 1
    return ((exponent & 0xFF) << 24) | (mantissa & 0xFFFFFF)


# -- AbsoluteTime ---------------------------------------------------------------------------

def _bcd(byte: int) -> int:
    high, low = byte >> 4, byte & 0x0F
    if high > 9 or low > 9:
        raise ValueError(f"{byte:02X} is not a BCD digit pair")
    return high * 10 + low


def decode_absolute_time(raw: bytes) -> datetime | None:
    """The monitor's wall-clock time (naive, as the monitor shows it), or ``None``."""
    if len(raw) != 8 or all(b == 0xFF for b in raw[:7]):
        return None
    try:
        century, year, month, day, hour, minute, second = (_bcd(b) for b in raw[:7])
        hundredths = 0 if raw[7] == 0xFF else _bcd(raw[7])
        return datetime(century * 100 + year, month, day, hour, minute, second,
                        hundredths * 10_000)
    except ValueError:
        return None


def _to_bcd(number: int) -> int:
    return (number // 10) << 4 | number % 10


def encode_absolute_time(moment: datetime | None) -> bytes:
    if moment is None:
        return b"\xff" * 8
    return bytes(_to_bcd(n) for n in (
        moment.year // 100, moment.year % 100, moment.month, moment.day, moment.hour,
        moment.minute, moment.second, moment.microsecond // 10_000))


# -- attribute lists ----------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Attribute:
    """One attribute value assertion: an id and its raw value bytes."""

    attribute_id: int
    value: bytes


def read_attribute_list(reader: Reader) -> list[Attribute]:
    count, length = reader.u16(), reader.u16()
    body = reader.sub(length)
    attributes = []
    for _ in range(count):
        attribute_id, size = body.u16(), body.u16()
        attributes.append(Attribute(attribute_id, body.take(size)))
    if body.remaining():
        raise MessageError(f"attribute list has {body.remaining()} bytes left over")
    return attributes


def attribute_list(attributes: list[Attribute]) -> bytes:
    body = b"".join(u16(a.attribute_id) + u16(len(a.value)) + a.value for a in attributes)
    return u16(len(attributes)) + u16(len(body)) + body


def variable_label(text: bytes) -> bytes:
    """A length-prefixed string, padded to an even length as the monitor sends it."""
    padded = text + b"\x00" if len(text) % 2 else text
    return u16(len(padded)) + padded


def read_variable_label(reader: Reader) -> str:
    return reader.take(reader.u16()).rstrip(b"\x00").decode("latin-1").strip()


# -- association length indicators --------------------------------------------------------

def length_indicator(length: int) -> bytes:
    """The session/presentation LI: one byte below 255, else 0xFF and 16 bits."""
    return bytes((length,)) if length < 0xFF else b"\xff" + u16(length)


def asn1_length(length: int) -> bytes:
    if length < 0x80:
        return bytes((length,))
    if length <= 0xFF:
        return bytes((0x81, length))
    return b"\x82" + u16(length)
