"""B. Braun BCC framing: SOH, length, STX, ``bed/1/1>`` message, ETX or ETB, checksum, EOT.

A frame is SOH, five digits giving the whole frame's length, STX, the bed id and
``/1/1>``, the message, ETX (last frame of a message) or ETB (more frames follow),
five digits of checksum, EOT. The checksum is the sum of every byte from SOH to
ETX/ETB inclusive, modulo 256. With character stuffing on, ``d`` ``D`` ``e`` ``E`` travel
as ``ex`` ``EX`` ``ee`` ``EE``; length and checksum are those of the unstuffed frame. The
receiver acknowledges each frame with ACK. The sum checksum cannot see two bytes
swapped within a frame (the sum stays the same); the length field and the checksum
catch lost, added and flipped bytes. Source: mindleaving/patient-monitor-datalogger
(BBraun/Helpers), reverse-engineered against a SpaceStation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ketaconsole.sdk import ErrorKind, Fault

SOH = 0x01
STX = 0x02
ETX = 0x03
EOT = 0x04
ACK = 0x06
NAK = 0x15
ETB = 0x17
RS = 0x1E
ADDRESS_TAIL = b"/1/1>"
MAX_FRAME = 99999
_MIN_FRAME = 1 + 5 + 1 + 1 + len(ADDRESS_TAIL) + 1 + 5 + 1
_FRAME_STOP = re.compile(rb"[\x01\x04]")
_BED = re.compile(rb"^([\x2F-\x39\x41-\x7A]{1,15})/1/1>")
_STUFFED = {ord("d"): b"ex", ord("D"): b"EX", ord("e"): b"ee", ord("E"): b"EE"}
_UNSTUFFED = {ord("x"): ord("d"), ord("X"): ord("D"), ord("e"): ord("e"), ord("E"): ord("E")}


def checksum(data: bytes) -> int:
    """Sum of the bytes modulo 256."""
    return sum(data) % 256


def stuff(data: bytes) -> bytes:
    """Apply BCC character stuffing."""
    return b"".join(_STUFFED.get(byte, bytes((byte,))) for byte in data)


def encode_frame(bed_id: str, message: bytes, *, last: bool = True,
                 stuffing: bool = False) -> bytes:
    """One frame carrying ``message`` for ``bed_id`` (ETX when ``last``, else ETB)."""
    address = bed_id.encode("ascii") + ADDRESS_TAIL
    length = 1 + 5 + 1 + len(address) + len(message) + 1 + 5 + 1
    body = (bytes((SOH,)) + b"%05d" % length + bytes((STX,)) + address + message
            + bytes((ETX if last else ETB,)))
    frame = body + b"%05d" % checksum(body) + bytes((EOT,))
    return stuff(frame) if stuffing else frame


@dataclass(frozen=True, slots=True)
class BccFrame:
    """A frame whose length and checksum matched."""

    bed_id: str
    message: bytes
    last: bool


class FrameReader:
    """Splits a byte stream into BCC frames; any chunking, junk and broken frames are fine."""

    def __init__(self, *, stuffing: bool = False) -> None:
        self.stuffing = stuffing
        self._frame = bytearray()
        self._buffer = bytearray()
        self._inside = False
        self._escaped = False
        self._junk = 0

    @property
    def inside_frame(self) -> bool:
        """A frame has begun (its SOH came) and has not ended yet."""
        return self._inside

    def feed(self, data: bytes) -> list[BccFrame | Fault]:
        if not self.stuffing:
            return self._feed_plain(data)
        found: list[BccFrame | Fault] = []
        for byte in data:
            if byte == SOH:
                if self._junk:
                    found.append(Fault(ErrorKind.SYNC, f"{self._junk} bytes before a frame start"))
                    self._junk = 0
                if self._inside:
                    found.append(Fault(ErrorKind.FRAMING, "frame restarted before its end"))
                self._start(byte)
            elif not self._inside:
                if byte not in (ACK, NAK):
                    self._junk += 1
            elif byte == EOT and not self._escaped:
                self._frame.append(byte)
                found.append(self._decode(bytes(self._frame)))
                self._inside = False
            elif self._escaped:
                self._escaped = False
                plain = _UNSTUFFED.get(byte)
                if plain is None:
                    found.append(Fault(ErrorKind.FRAMING, f"stuffed byte {byte:#04x} is not x, X, "
                                                       "e or E"))
                    self._inside = False
                else:
                    self._append(plain, found)
            elif self.stuffing and byte in (ord("e"), ord("E")):
                self._escaped = True
            else:
                self._append(byte, found)
        return found

    def _feed_plain(self, data: bytes) -> list[BccFrame | Fault]:
        """The same reading without stuffing, a frame at a time rather than a byte."""
        found: list[BccFrame | Fault] = []
        buf = self._buffer
        buf += data
        size = len(buf)
        start = 0 if self._inside else -1
        pos = 1 if self._inside else 0  # a frame carried over keeps its SOH at 0
        while pos < size:
            if start < 0:
                found_at = buf.find(b"\x01", pos)
                end = size if found_at < 0 else found_at
                if end > pos:
                    noise = bytes(buf[pos:end])
                    self._junk += len(noise) - noise.count(b"\x06") - noise.count(b"\x15")
                if found_at < 0:
                    pos = size
                    break
                if self._junk:
                    found.append(Fault(ErrorKind.SYNC, f"{self._junk} bytes before a frame start"))
                    self._junk = 0
                start, pos = found_at, found_at + 1
                continue
            match = _FRAME_STOP.search(buf, pos)
            if match is None:
                if size - start > MAX_FRAME:
                    found.append(Fault(ErrorKind.FRAMING, f"no frame end within {MAX_FRAME} bytes"))
                    start = -1
                pos = size
                break
            stop = match.start()
            if buf[stop] == SOH:
                found.append(Fault(ErrorKind.FRAMING, "frame restarted before its end"))
                start, pos = stop, stop + 1
                continue
            found.append(self._decode(bytes(buf[start:stop + 1])))
            start, pos = -1, stop + 1
        self._inside = start >= 0
        if self._inside:
            del buf[:start]
        else:
            buf.clear()
        return found

    def _start(self, byte: int) -> None:
        self._frame = bytearray((byte,))
        self._inside = True
        self._escaped = False

    def _append(self, byte: int, found: list[BccFrame | Fault]) -> None:
        if len(self._frame) >= MAX_FRAME:
            found.append(Fault(ErrorKind.FRAMING, f"no frame end within {MAX_FRAME} bytes"))
            self._inside = False
            return
        self._frame.append(byte)

    @staticmethod
    def _decode(frame: bytes) -> BccFrame | Fault:
        if len(frame) < _MIN_FRAME or frame[6] != STX or not frame[1:6].isdigit():
            return Fault(ErrorKind.FRAMING, "frame too short or without its length and STX")
        if int(frame[1:6]) != len(frame):
            return Fault(ErrorKind.FRAMING, f"frame is {len(frame)} bytes but says "
                                         f"{int(frame[1:6])}")
        end = frame[-7]
        if end not in (ETX, ETB):
            return Fault(ErrorKind.FRAMING, "frame without ETX or ETB before its checksum")
        digits = frame[-6:-1]
        if not digits.isdigit():
            return Fault(ErrorKind.FRAMING, "checksum is not five digits")
        expected = checksum(frame[:-6])
        if int(digits) != expected:
            return Fault(ErrorKind.CHECKSUM, f"checksum {int(digits)} does not match {expected}")
        text = frame[7:-7]
        match = _BED.match(text)
        if match is None:
            return Fault(ErrorKind.FRAMING, "frame without a bed id and /1/1>")
        return BccFrame(match[1].decode("ascii"), text[match.end():], end == ETX)
