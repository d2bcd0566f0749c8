"""Alaris (Asena) serial framing: CRC-16/CCITT-FALSE, frame building and a resynchronising reader.

A frame is ``!`` + fields joined by ``^`` + ``|`` + four upper-case hex digits + CR.
The CRC covers the bytes between ``!`` and ``|``: polynomial 0x1021, initial value
0xFFFF, no reflection, no final XOR (check value 0x29B1 for ``123456789``). ESC aborts
a frame in progress. The remote-control security code is the same CRC taken over the
pump's serial number, as four hex digits.
"""

from __future__ import annotations

import binascii
from collections.abc import Sequence
from dataclasses import dataclass

from ketaconsole.sdk import DelimitedFrames, ErrorKind, Fault

START = 0x21  # "!"
END = 0x0D  # CR
ESCAPE = 0x1B
FIELD_SEPARATOR = "^"
CHECK_SEPARATOR = 0x7C  # "|"
MAX_FRAME = 512
_HEX = frozenset(b"0123456789ABCDEFabcdef")


def crc16_ccitt_false(data: bytes) -> int:
    """CRC-16/CCITT-FALSE of ``data`` (``binascii.crc_hqx`` is this CRC given 0xFFFF to start)."""
    return binascii.crc_hqx(data, 0xFFFF)


def check_digits(body: bytes) -> bytes:
    """The four hex digits that follow ``|`` for a frame body."""
    return b"%04X" % crc16_ccitt_false(body)


def security_code(serial: str) -> str:
    """The remote-control security code the pump expects for its serial number."""
    return check_digits(serial.encode("latin-1")).decode("ascii")


def encode_frame(fields: Sequence[str]) -> bytes:
    """A complete frame for ``fields`` (command name first)."""
    body = FIELD_SEPARATOR.join(fields).encode("latin-1")
    return b"!" + body + b"|" + check_digits(body) + b"\r"


@dataclass(frozen=True, slots=True)
class Frame:
    """A frame whose check digits matched: its fields, command name first."""

    fields: tuple[str, ...]

    @property
    def command(self) -> str:
        return self.fields[0]

    def field(self, index: int) -> str | None:
        return self.fields[index] if index < len(self.fields) else None


class FrameReader:
    """Splits a byte stream into frames; any chunking, junk and broken frames are fine
    (the SDK's :class:`~ketaconsole.sdk.DelimitedFrames` finds them between ``!`` and
    CR; an ESC aborts one)."""

    def __init__(self) -> None:
        self._frames = DelimitedFrames(ord("!"), END, max_frame=MAX_FRAME, abort=ESCAPE,
                                       abort_name="ESC")

    def feed(self, data: bytes) -> list[Frame | Fault]:
        return [self._decode(item) if isinstance(item, bytes) else item
                for item in self._frames.feed(data)]

    @staticmethod
    def _decode(raw: bytes) -> Frame | Fault:
        body, bar, digits = raw.rpartition(b"|")
        if not bar or len(digits) != 4 or not set(digits) <= _HEX:
            shown = raw[:40].decode("latin-1")
            return Fault(ErrorKind.FRAMING, f"frame without '|' and four check digits: {shown!r}")
        if digits.upper() != check_digits(body):
            return Fault(ErrorKind.CHECKSUM, f"check digits {digits.decode()} do not match "
                                          f"{check_digits(body).decode()}")
        if not body:
            return Fault(ErrorKind.FRAMING, "empty frame")
        return Frame(tuple(body.decode("latin-1").split(FIELD_SEPARATOR)))
