"""Alaris (Asena) serial framing: CRC-16/CCITT-FALSE, frame building and a resynchronising reader.

A frame is ``!`` + fields joined by ``^`` + ``|`` + four upper-case hex digits + CR.
The CRC covers the bytes between ``!`` and ``|``: polynomial 0x1021, initial value
0xFFFF, no reflection, no final XOR (check value 0x29B1 for ``123456789``). ESC aborts
a frame in progress. The remote-control security code is the same CRC taken over the
pump's serial number, as four hex digits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

START = 0x21  # "!"
END = 0x0D  # CR
ESCAPE = 0x1B
FIELD_SEPARATOR = "^"
CHECK_SEPARATOR = 0x7C  # "|"
MAX_FRAME = 512
_HEX = frozenset(b"0123456789ABCDEFabcdef")


def crc16_ccitt_false(data: bytes) -> int:
    """CRC-16/CCITT-FALSE of ``data``."""
    register = 0xFFFF
    for byte in data:
        register ^= byte << 8
        for _ in range(8):
            register = ((register << 1) ^ 0x1021) if register & 0x8000 else register << 1
            register &= 0xFFFF
    return register


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


@dataclass(frozen=True, slots=True)
class FrameFault:
    """Input that did not make a frame: ``kind`` is checksum, framing or sync."""

    kind: str
    detail: str


class FrameReader:
    """Splits a byte stream into frames; any chunking, junk and broken frames are fine."""

    def __init__(self) -> None:
        self._body = bytearray()
        self._inside = False
        self._junk = 0

    def feed(self, data: bytes) -> list[Frame | FrameFault]:
        found: list[Frame | FrameFault] = []
        for byte in data:
            if byte == START:
                if self._junk:
                    found.append(FrameFault("sync", f"{self._junk} bytes before a frame start"))
                    self._junk = 0
                if self._inside and self._body:
                    found.append(FrameFault("framing", "frame restarted before its end"))
                self._inside = True
                self._body.clear()
            elif not self._inside:
                if byte not in (0x0A, 0x00):  # a stray LF or NUL after CR is line noise
                    self._junk += 1
            elif byte == ESCAPE:
                found.append(FrameFault("framing", "frame aborted by ESC"))
                self._inside = False
                self._body.clear()
            elif byte == END:
                self._inside = False
                found.append(self._decode(bytes(self._body)))
                self._body.clear()
            elif len(self._body) >= MAX_FRAME:
                found.append(FrameFault("framing", f"no frame end within {MAX_FRAME} bytes"))
                self._inside = False
                self._body.clear()
                self._junk = 0
            else:
                self._body.append(byte)
        return found

    @staticmethod
    def _decode(raw: bytes) -> Frame | FrameFault:
        body, bar, digits = raw.rpartition(b"|")
        if not bar or len(digits) != 4 or not set(digits) <= _HEX:
            shown = raw[:40].decode("latin-1")
            return FrameFault("framing", f"frame without '|' and four check digits: {shown!r}")
        if digits.upper() != check_digits(body):
            return FrameFault("checksum", f"check digits {digits.decode()} do not match "
                                          f"{check_digits(body).decode()}")
        if not body:
            return FrameFault("framing", "empty frame")
        return Frame(tuple(body.decode("latin-1").split(FIELD_SEPARATOR)))
