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

from ketaconsole.sdk import ByteStuffing, DelimitedFrames, ErrorKind, Fault

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
_BED = re.compile(rb"^([\x2F-\x39\x41-\x7A]{1,15})/1/1>")
STUFFING = ByteStuffing({b"d": b"ex", b"D": b"EX", b"e": b"ee", b"E": b"EE"})
"""BCC character stuffing (the SDK's :class:`~ketaconsole.sdk.ByteStuffing`)."""


def checksum(data: bytes) -> int:
    """Sum of the bytes modulo 256."""
    return sum(data) % 256


def stuff(data: bytes) -> bytes:
    """Apply BCC character stuffing."""
    return STUFFING.stuff(data)


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
    """Splits a byte stream into BCC frames; any chunking, junk and broken frames are fine.

    The SDK's :class:`~ketaconsole.sdk.DelimitedFrames` finds each SOH ... EOT (ACK and
    NAK between frames are not junk) and, with stuffing on, unstuffs it with
    :data:`STUFFING`; this reader checks the length, the end byte and the checksum.
    """

    def __init__(self, *, stuffing: bool = False) -> None:
        self.stuffing = stuffing
        self._frames = DelimitedFrames(SOH, EOT, max_frame=MAX_FRAME,
                                       line_noise=bytes((ACK, NAK)),
                                       stuffing=STUFFING if stuffing else None)

    @property
    def inside_frame(self) -> bool:
        """A frame has begun (its SOH came) and has not ended yet."""
        return self._frames.inside

    def feed(self, data: bytes) -> list[BccFrame | Fault]:
        return [item if isinstance(item, Fault)
                else self._decode(bytes((SOH,)) + item + bytes((EOT,)))
                for item in self._frames.feed(data)]

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
