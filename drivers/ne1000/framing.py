"""NE-1000 packet framing: basic mode (text + CR, STX..ETX replies) and safe mode (CRC-16).

Basic mode: a command is ``[address]COMMAND[args]`` then CR; the pump answers
STX, response data, ETX. Safe mode wraps both directions the same way: STX, a length
byte (the bytes that follow, counting itself), the data, the CRC-16/XMODEM of the
data (polynomial 0x1021, initial 0, high byte first) and ETX.

The readers take any chunking, skip junk before a start byte, and report every
framing or checksum fault as an event; a faulty packet never yields its data. The
console reads safe packets with the SDK's :class:`~ketaconsole.sdk.BinaryFrames`
(length-prefixed, resynchronised one byte on after a bad packet).
"""

from __future__ import annotations

import binascii
import re
from dataclasses import dataclass

from ketaconsole.sdk import BinaryFrames, ErrorKind, Fault

STX = 0x02
ETX = 0x03
CR = 0x0D

MAX_DATA = 60
"""No NE-1000 packet carries more data than this; a longer one is a framing fault."""


def crc16_xmodem(data: bytes) -> int:
    """CRC-16/XMODEM (the manual's "16 bit CCITT CRC"): check value 0x31C3.

    ``binascii.crc_hqx`` is this CRC (polynomial 0x1021, not reflected) from the given
    start value, so a start of 0 gives XMODEM.
    """
    return binascii.crc_hqx(data, 0)


def safe_packet(text: str) -> bytes:
    """One safe-mode packet around ``text`` (commands and replies are framed alike)."""
    data = text.encode("ascii")
    return (bytes((STX, len(data) + 4)) + data + crc16_xmodem(data).to_bytes(2, "big")
            + bytes((ETX,)))


def basic_command(text: str) -> bytes:
    return text.encode("ascii") + b"\r"


def basic_reply(text: str) -> bytes:
    return bytes((STX,)) + text.encode("ascii") + bytes((ETX,))


@dataclass(frozen=True, slots=True)
class Packet:
    """The text of one well-formed packet, and whether it came in safe framing."""

    text: str
    safe: bool


Event = Packet | Fault


_NOT_TEXT = re.compile(rb"[^\x20-\x7e]")
_BASIC_REPLIES = re.compile(rb"(?:\x02[\x20-\x7e]*\x03)+")
"""Back-to-back well-formed basic replies: each STX, text (so no STX or ETX), ETX."""


def _printable(data: bytes) -> bool:
    return _NOT_TEXT.search(data) is None


def _shown(data: bytes | bytearray) -> str:
    return bytes(data[:24]).hex(" ")


class _SafeSplitter:
    """Shared by both readers: one safe packet at the front of a buffer, or why not."""

    @staticmethod
    def take(buffer: bytearray) -> Event | None:
        """Consume one safe packet (or its fault) from a buffer starting with STX."""
        if len(buffer) < 2:
            return None
        length = buffer[1]
        if not 4 <= length <= MAX_DATA + 4:
            del buffer[:1]
            return Fault(ErrorKind.FRAMING, f"safe packet length byte {length} is impossible")
        if len(buffer) < length + 1:
            return None
        if buffer[length] != ETX:
            del buffer[:1]
            return Fault(ErrorKind.FRAMING, f"safe packet of length {length} does not end in ETX")
        data = bytes(buffer[2:length - 2])
        received = int.from_bytes(buffer[length - 2:length], "big")
        del buffer[:length + 1]
        expected = crc16_xmodem(data)
        if received != expected:
            return Fault(ErrorKind.CHECKSUM, f"CRC {received:04X} where the data gives "
                                     f"{expected:04X} ({_shown(data)})")
        if not _printable(data):
            return Fault(ErrorKind.FRAMING, f"safe packet data is not text ({_shown(data)})")
        return Packet(data.decode("ascii"), True)


def _safe_check(frame: bytes) -> bool:
    """A safe packet's ETX and CRC (frame: STX, length, data, CRC high and low, ETX)."""
    return (frame[-1] == ETX
            and crc16_xmodem(frame[2:-3]) == int.from_bytes(frame[-3:-1], "big"))


def _safe_text(frame: bytes) -> Event:
    data = frame[2:-3]
    if not _printable(data):
        return Fault(ErrorKind.FRAMING, f"safe packet data is not text ({_shown(data)})")
    return Packet(data.decode("ascii"), True)


class ReplyReader:
    """Console side: splits what the pump sends into reply packets and faults."""

    def __init__(self, *, safe: bool) -> None:
        self.safe = safe
        self._buffer = bytearray()
        self._resyncing = False
        self._packets = BinaryFrames(sync=bytes((STX,)), length_at=1, length_adds=1,
                                     min_frame=5, max_frame=MAX_DATA + 5, check=_safe_check)

    def clear(self) -> None:
        self._buffer.clear()
        self._packets.clear()

    def feed(self, data: bytes) -> list[Event]:
        if self.safe:  # the SDK's length-prefixed framer, with resync after damage
            return [item if isinstance(item, Fault) else _safe_text(item)
                    for item in self._packets.feed(data)]
        self._buffer += data
        events: list[Event] = []
        while self._buffer:
            if not self.safe:
                self._take_whole_basic(events)
                if not self._buffer:
                    break
            start = self._buffer.find(STX)
            if start != 0:
                junk = self._buffer if start < 0 else self._buffer[:start]
                if not self._resyncing:
                    events.append(Fault(ErrorKind.SYNC, f"{len(junk)} bytes before a packet start "
                                                f"({_shown(junk)})"))
                if start < 0:
                    self._buffer.clear()
                    break
                del self._buffer[:start]
            event = _SafeSplitter.take(self._buffer) if self.safe else self._take_basic()
            if event is None:
                break
            self._resyncing = isinstance(event, Fault) and event.kind == "framing"
            events.append(event)
        return events

    def _take_whole_basic(self, events: list[Event]) -> None:
        """Consume the run of well-formed basic replies at the front of the buffer.

        Each is what :meth:`_take_basic` makes of it (its ETX comes before any new STX
        and its data is text), found in one regular-expression match instead. Inside
        the run one reply's ETX is followed by the next one's STX, and nowhere else.
        """
        run = _BASIC_REPLIES.match(self._buffer)
        if run is None:
            return
        end = run.end()
        texts = self._buffer[1:end - 1].decode("ascii").split("\x03\x02")
        del self._buffer[:end]
        events.extend([Packet(text, False) for text in texts])
        self._resyncing = False

    def _take_basic(self) -> Event | None:
        buffer = self._buffer
        end = buffer.find(ETX)
        restart = buffer.find(STX, 1)
        if restart >= 0 and (end < 0 or restart < end):
            cut = bytes(buffer[:restart])
            del buffer[:restart]
            return Fault(
                ErrorKind.FRAMING, f"reply cut short by a new packet start ({_shown(cut)})")
        if end < 0:
            if len(buffer) > MAX_DATA + 2:
                cut = bytes(buffer)
                buffer.clear()
                return Fault(ErrorKind.FRAMING, f"no ETX within {MAX_DATA} bytes ({_shown(cut)})")
            return None
        data = bytes(buffer[1:end])
        del buffer[:end + 1]
        if not _printable(data):
            return Fault(ErrorKind.FRAMING, f"reply data is not text ({_shown(data)})")
        return Packet(data.decode("ascii"), False)


class CommandReader:
    """Pump side: splits what the console sends into command packets and faults.

    A packet starting with STX is a safe-mode packet; anything else is a basic-mode
    command running to CR, from which spaces and control characters are stripped and
    which is read in upper case, as the pump does for commands typed at a terminal.
    """

    def __init__(self) -> None:
        self._buffer = bytearray()

    @property
    def pending(self) -> bool:
        """True while part of a command has arrived and the rest has not."""
        return bool(self._buffer)

    def clear(self) -> None:
        self._buffer.clear()

    def feed(self, data: bytes) -> list[Event]:
        self._buffer += data
        events: list[Event] = []
        while self._buffer:
            if self._buffer[0] == STX:
                event = _SafeSplitter.take(self._buffer)
                if event is None:
                    break
                events.append(event)
                continue
            end = self._buffer.find(CR)
            start = self._buffer.find(STX)
            if start >= 0 and (end < 0 or start < end):
                del self._buffer[:start]  # a safe packet follows unfinished typing
                continue
            if end < 0:
                if len(self._buffer) > MAX_DATA:
                    self._buffer.clear()
                    events.append(Fault(ErrorKind.FRAMING, f"no CR within {MAX_DATA} bytes"))
                break
            raw = bytes(self._buffer[:end])
            del self._buffer[:end + 1]
            text = "".join(chr(b) for b in raw if 0x20 < b < 0x7F).upper()
            events.append(Packet(text, False))
        return events
