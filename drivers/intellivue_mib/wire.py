"""IntelliVue data types on the wire: FLOAT-Type, AbsoluteTime, attribute lists, lengths.

All integers are big-endian. FLOAT-Type is 32 bits: a signed 8-bit exponent over a
signed 24-bit mantissa, value = mantissa x 10^exponent; the mantissas NaN (0x7FFFFF),
NRes (0x800000), +INFINITY (0x7FFFFE), -INFINITY (0x800002) and the reserved 0x800001
mean "no value". AbsoluteTime is eight BCD bytes: century, year, month, day, hour,
minute, second, hundredths; 0xFF bytes mean the monitor's clock is not set.
"""

from __future__ import annotations

import functools
import math
import struct
from datetime import datetime
from typing import Any, NamedTuple

from drivers.intellivue_mib.codes import FLOAT_NAN, FLOAT_SPECIALS


class MessageError(ValueError):
    """A message whose fields do not add up (short, lengths that disagree, bad values)."""


_U16 = struct.Struct(">H")
_U32 = struct.Struct(">I")
_U16_PAIR = struct.Struct(">HH")


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

    def _at(self, size: int) -> int:
        pos = self.pos
        if pos + size > self.end:
            raise MessageError(f"message ends {pos + size - self.end} bytes early")
        self.pos = pos + size
        return pos

    def u8(self) -> int:
        return self.data[self._at(1)]

    def u16(self) -> int:
        value: int = _U16.unpack_from(self.data, self._at(2))[0]
        return value

    def u32(self) -> int:
        value: int = _U32.unpack_from(self.data, self._at(4))[0]
        return value

    def unpack(self, layout: struct.Struct) -> tuple[Any, ...]:
        """Several fixed-size fields at once."""
        return layout.unpack_from(self.data, self._at(layout.size))

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

@functools.lru_cache(maxsize=64)
def decode_absolute_time(raw: bytes) -> datetime | None:
    """The monitor's wall-clock time (naive, as the monitor shows it), or ``None``."""
    digits = raw.hex()
    if len(raw) != 8 or not digits[:14].isdigit():
        return None  # unset (0xFF) or not BCD
    hundredths = int(digits[14:]) if digits[14:].isdigit() else 0
    try:
        return datetime(int(digits[:4]), int(digits[4:6]), int(digits[6:8]), int(digits[8:10]),
                        int(digits[10:12]), int(digits[12:14]), hundredths * 10_000)
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

class Attribute(NamedTuple):
    """One attribute value assertion: an id and its raw value bytes."""

    attribute_id: int
    value: bytes


def read_attribute_list(reader: Reader) -> list[Attribute]:
    count, length = reader.unpack(_U16_PAIR)
    data, pos = reader.data, reader._at(length)
    end = pos + length
    attributes = []
    for _ in range(count):
        if pos + 4 > end:
            raise MessageError("attribute list ends inside an attribute header")
        attribute_id, size = _U16_PAIR.unpack_from(data, pos)
        pos += 4 + size
        if pos > end:
            raise MessageError(f"attribute {attribute_id:04X} runs past its list")
        attributes.append(Attribute(attribute_id, data[pos - size:pos]))
    if pos != end:
        raise MessageError(f"attribute list has {end - pos} bytes left over")
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
