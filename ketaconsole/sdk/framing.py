"""One receive buffer for framed protocols: sync scanning and delimited frames.

Most device protocols frame a message between a start byte and an end byte (Alaris
``!`` ... CR, NE-1000 STX ... ETX). :class:`DelimitedFrames` keeps the bytes received
and not yet framed, skips what comes before a start byte (reported once, as a sync
fault, when a frame follows), hands over each frame's body whole, and reports a frame
that is cut short (an abort byte, a new start byte before the end) or runs past its
longest length. Any chunking of the input gives the same frames. Checking the body's
checksum and reading it is the driver's part. :class:`LineFrames` does the same for
text lines and knows when each line's bytes came; :class:`BinaryFrames` finds binary
frames of a fixed length or with a length field and resynchronises after damage;
:class:`ByteStuffing` stuffs and unstuffs escaped bytes, and :class:`DelimitedFrames`
takes one to unstuff each body.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from ketaconsole.sdk.faults import ErrorKind, Fault


class DelimitedFrames:
    """Frame bodies between ``start`` and ``end`` bytes in a stream of any chunking."""

    def __init__(self, start: int, end: int, *, max_frame: int, abort: int | None = None,
                 abort_name: str = "", line_noise: bytes = b"\n\0",
                 stuffing: ByteStuffing | None = None) -> None:
        """``abort`` ends a frame without a body (``abort_name`` names it in the fault);
        ``line_noise`` bytes between frames are not counted as junk; ``stuffing``
        unstuffs each body (a body that does not unstuff is a fault)."""
        self.stuffing = stuffing
        self.start = start
        self.end = end
        self.max_frame = max_frame
        self.abort = abort
        self.abort_name = abort_name or (f"0x{abort:02X}" if abort is not None else "")
        self._noise = line_noise
        stops = bytes(b for b in (end, abort, start) if b is not None)
        self._stop = re.compile(b"[" + b"".join(re.escape(bytes((b,))) for b in stops) + b"]")
        self._start = bytes((start,))
        self._buffer = bytearray()
        self._inside = False
        self._junk = 0

    def feed(self, data: bytes) -> list[bytes | Fault]:
        """The frame bodies (without start and end byte) and faults ``data`` completes."""
        found: list[bytes | Fault] = []
        buf = self._buffer
        buf += data
        size = len(buf)
        pos = 0
        body_start = 0 if self._inside else -1
        while pos < size:
            if body_start < 0:
                begin = buf.find(self._start, pos)
                stop = size if begin < 0 else begin
                if stop > pos:
                    junk = bytes(buf[pos:stop])
                    self._junk += len(junk) - sum(junk.count(bytes((b,))) for b in self._noise)
                if begin < 0:
                    pos = size
                    break
                if self._junk:
                    found.append(Fault(ErrorKind.SYNC, f"{self._junk} bytes before a frame start"))
                    self._junk = 0
                body_start = pos = begin + 1
                continue
            match = self._stop.search(buf, pos)
            if match is None:
                if size - body_start > self.max_frame:
                    found.append(self._too_long())
                    body_start = -1
                pos = size
                break
            stop = match.start()
            if stop - body_start > self.max_frame:
                found.append(self._too_long())
                body_start, pos = -1, stop
                continue
            byte = buf[stop]
            if byte == self.end:
                body = bytes(buf[body_start:stop])
                found.append(body if self.stuffing is None else self.stuffing.unstuff(body))
                body_start = -1
            elif byte == self.abort:
                found.append(Fault(ErrorKind.FRAMING, f"frame aborted by {self.abort_name}"))
                body_start = -1
            else:  # the start byte again: a new frame begins before this one ended
                if stop > body_start:
                    found.append(Fault(ErrorKind.FRAMING, "frame restarted before its end"))
                body_start = stop + 1
            pos = stop + 1
        self._inside = body_start >= 0
        if self._inside:
            del buf[:body_start]
        else:
            buf.clear()
        return found

    @property
    def inside(self) -> bool:
        """A frame has begun (its start byte came) and has not ended yet."""
        return self._inside

    def clear(self) -> None:
        """Forget a frame begun (the line was reset)."""
        self._buffer.clear()
        self._inside = False
        self._junk = 0

    def _too_long(self) -> Fault:
        return Fault(ErrorKind.FRAMING, f"no frame end within {self.max_frame} bytes")


@dataclass(frozen=True, slots=True)
class Line:
    """One text line, without its line end, and when its first and last bytes came."""

    text: bytes
    started: float
    ended: float

    @property
    def span(self) -> float:
        """Seconds between the line's first byte and its line end."""
        return self.ended - self.started


class LineFrames:
    """Text lines ending LF (CR, NUL and spaces around them stripped), each with the time
    span its bytes arrived over.

    A device that prints one line per output period sends each line in a few tens of
    milliseconds; a "line" whose bytes span a good part of a period was cut and joined
    to the tail of a later one (bytes were lost between). Give ``period`` and such a
    line is a :class:`Fault` (framing), never a line. With ``bytes_per_second`` (the
    line's speed) each byte's time is worked out from its place in its chunk (the
    chunk's last byte came at ``now``), so a line read in two chunks long apart, as a
    capture is decoded, still spans only the time its bytes took. A line longer than
    ``max_line`` is one fault and is skipped up to its line end. Empty lines are dropped.

    ::

        lines = LineFrames(max_line=256, period=1.0, bytes_per_second=960.0)
        for item in lines.feed(data, now):
            if isinstance(item, Fault):
                found.append(item.report(device_id, now))
            else:
                found.extend(read(item.text))
    """

    def __init__(self, *, max_line: int, period: float | None = None,
                 longest_span: float | None = None, bytes_per_second: float | None = None,
                 too_long: str = "") -> None:
        """``longest_span`` (default half of ``period``) is the longest time one line's
        bytes may take; ``too_long`` replaces the over-long fault's sentence."""
        self.max_line = max_line
        self.longest_span = (longest_span if longest_span is not None
                             else None if period is None else period / 2)
        self.bytes_per_second = bytes_per_second
        self._too_long = too_long or f"no line end within {max_line} bytes"
        self._pending = bytearray()
        self._started: float | None = None
        self._discarding = False

    def _time_of(self, index: int, size: int, now: float) -> float:
        """When byte ``index`` of a chunk of ``size`` bytes that ended at ``now`` came."""
        if not self.bytes_per_second:
            return now
        return now - (size - 1 - index) / self.bytes_per_second

    def feed(self, data: bytes, now: float) -> list[Line | Fault]:
        """The lines and faults ``data``, received at ``now``, completes."""
        found: list[Line | Fault] = []
        buf = self._pending
        base = len(buf)  # where data begins in buf
        size = len(data)
        buf += data
        pos = 0
        while True:
            end = buf.find(b"\n", pos)
            if end < 0:
                break
            if pos < base and self._started is not None:
                started = self._started
            else:
                started = self._time_of(max(pos - base, 0), size, now)
            ended = self._time_of(end - base, size, now)
            text = bytes(buf[pos:end]).strip(b"\r\x00 ")
            pos = end + 1
            if self._discarding:
                self._discarding = False
                continue
            if len(text) > self.max_line:
                found.append(Fault(ErrorKind.FRAMING, f"line longer than {self.max_line} bytes"))
                continue
            if not text:
                continue
            if self.longest_span is not None and ended - started > self.longest_span:
                found.append(Fault(ErrorKind.FRAMING, (
                    f"a line's bytes came over {ended - started:.1f} s, longer than one line "
                    f"takes: parts of two lines joined where bytes were lost: {_shown(text)}")))
                continue
            found.append(Line(text, started, ended))
        if pos < len(buf) and (pos >= base or self._started is None):
            self._started = self._time_of(max(pos - base, 0), size, now)
        elif pos >= len(buf):
            self._started = None
        del buf[:pos]
        if len(buf) > self.max_line:
            if not self._discarding:
                found.append(Fault(ErrorKind.FRAMING, self._too_long))
            self._discarding = True
            buf.clear()
            self._started = None
        return found

    def clear(self) -> None:
        """Forget a line begun (the line was reset)."""
        self._pending.clear()
        self._started = None
        self._discarding = False


def _shown(text: bytes) -> str:
    return repr(text[:60].decode("ascii", "replace"))


class ByteStuffing:
    """Byte stuffing both ways: bytes that must not travel plain go as escape sequences.

    ``escapes`` maps each such byte to the two bytes that carry it, the first being an
    escape byte. B. Braun BCC sends ``d`` as ``ex`` and ``e`` as ``ee``; a PPP-style
    framing (IntelliVue) sends 0xC0 as 0x7D 0xE0. :meth:`unstuff` gives back the plain
    bytes, or a :class:`Fault` for an escape byte followed by something it does not
    escape (or by nothing: the frame was cut).

    ::

        bcc = ByteStuffing({b"d": b"ex", b"D": b"EX", b"e": b"ee", b"E": b"EE"})
        bcc.stuff(b"Dose") == b"EXoseee"
        bcc.unstuff(b"EXoseee") == b"Dose"
    """

    def __init__(self, escapes: dict[bytes, bytes]) -> None:
        for plain, sent in escapes.items():
            if len(plain) != 1 or len(sent) != 2:
                raise ValueError("each escape maps one byte to two")
        self._out = {plain[0]: sent for plain, sent in escapes.items()}
        self._in = {sent: plain[0] for plain, sent in escapes.items()}
        self._prefixes = frozenset(sent[0] for sent in escapes.values())

    def stuff(self, data: bytes) -> bytes:
        if not any(byte in data for byte in self._out):
            return bytes(data)
        out = bytearray()
        for byte in data:
            sent = self._out.get(byte)
            if sent is None:
                out.append(byte)
            else:
                out += sent
        return bytes(out)

    def unstuff(self, data: bytes) -> bytes | Fault:
        """The plain bytes, or a :class:`Fault` for an escape that escapes nothing known."""
        finds = [prefix for prefix in self._prefixes if prefix in data]
        if not finds:
            return bytes(data)
        out = bytearray()
        pos, size = 0, len(data)
        while True:
            hits = [i for i in (data.find(prefix, pos) for prefix in finds) if i >= 0]
            if not hits:
                out += data[pos:]
                return bytes(out)
            at = min(hits)
            out += data[pos:at]
            if at + 1 >= size:
                return Fault(ErrorKind.FRAMING,
                             f"frame ends inside an escape (0x{data[at]:02X})")
            plain = self._in.get(bytes(data[at:at + 2]))
            if plain is None:
                return Fault(ErrorKind.FRAMING,
                             f"escape byte 0x{data[at]:02X} before 0x{data[at + 1]:02X}, which "
                             "it does not escape")
            out.append(plain)
            pos = at + 2


class BinaryFrames:
    """Binary frames of a fixed length or with a length field, found by a sync pattern and
    resynchronised after damage, in a stream of any chunking.

    A frame starts with ``sync`` (any bytes where empty). Its length is ``size``, or is
    read from ``length_bytes`` bytes at ``length_at`` (``byteorder``) plus
    ``length_adds`` (for a field that does not count the header or checksum). ``check``
    (a checksum test of the whole frame) decides whether it is a frame at all: a frame
    that fails it, or whose length is impossible, is one fault, and the search goes on
    one byte after its start, so a false sync inside good data costs nothing. Junk before
    a frame is one sync fault; the bytes skipped after a bad frame belong to its fault.

    ::

        frames = BinaryFrames(sync=b"\\xAA\\x55", length_at=2, length_adds=4,
                              check=lambda f: sum(f[:-1]) % 256 == f[-1], max_frame=64)
        for item in frames.feed(data):
            ...   # bytes: a checked frame, sync and all; Fault: what went wrong
    """

    def __init__(self, *, sync: bytes = b"", size: int | None = None,
                 length_at: int | None = None, length_bytes: int = 1,
                 byteorder: Literal["big", "little"] = "big", length_adds: int = 0,
                 check: Callable[[bytes], bool] | None = None, max_frame: int = 4096,
                 min_frame: int = 1) -> None:
        if (size is None) == (length_at is None):
            raise ValueError("give a frame either a fixed size or a length field")
        self.sync = sync
        self.size = size
        self.length_at = length_at
        self.length_bytes = length_bytes
        self.byteorder: Literal["big", "little"] = byteorder
        self.length_adds = length_adds
        self.check = check
        self.max_frame = max_frame
        self.min_frame = max(min_frame, len(sync), 1)
        self._buffer = bytearray()
        self._skipped = 0
        self._lost = False

    def feed(self, data: bytes) -> list[bytes | Fault]:
        """The checked frames and faults ``data`` completes."""
        found: list[bytes | Fault] = []
        buf = self._buffer
        buf += data
        pos = 0
        while True:
            start = self._find_sync(buf, pos)
            if start < 0:
                keep = max(0, len(buf) - max(len(self.sync) - 1, 0))
                self._skipped += keep - pos if keep > pos else 0
                pos = max(pos, keep)
                break
            self._skipped += start - pos
            pos = start
            total = self._length(buf, pos)
            if total is None:
                break  # the header is not all here yet
            if not self.min_frame <= total <= self.max_frame:
                self._fault(found, Fault(ErrorKind.FRAMING, f"impossible frame length {total}"))
                pos += 1
                self._skipped += 1
                continue
            if len(buf) - pos < total:
                break
            frame = bytes(buf[pos:pos + total])
            if self.check is not None and not self.check(frame):
                self._fault(found, Fault(ErrorKind.CHECKSUM, "a frame failed its check"))
                pos += 1
                self._skipped += 1
                continue
            if self._skipped and not self._lost:
                found.append(Fault(ErrorKind.SYNC, f"{self._skipped} bytes skipped before a "
                                                   "frame"))
            self._skipped = 0
            self._lost = False
            found.append(frame)
            pos += total
        del buf[:pos]
        return found

    def clear(self) -> None:
        """Forget what was received and not framed (the line was reset)."""
        self._buffer.clear()
        self._skipped = 0
        self._lost = False

    def _find_sync(self, buf: bytearray, pos: int) -> int:
        if not self.sync:
            return pos if pos < len(buf) else -1
        return buf.find(self.sync, pos)

    def _length(self, buf: bytearray, pos: int) -> int | None:
        if self.size is not None:
            return self.size
        assert self.length_at is not None
        end = pos + self.length_at + self.length_bytes
        if len(buf) < end:
            return None
        return int.from_bytes(buf[pos + self.length_at:end], self.byteorder) + self.length_adds

    def _fault(self, found: list[bytes | Fault], fault: Fault) -> None:
        """One fault per loss of sync (after the junk before it, if any): the bytes
        skipped until the next good frame belong to it and are not reported again."""
        if not self._lost:
            if self._skipped:
                found.append(Fault(ErrorKind.SYNC, f"{self._skipped} bytes skipped before a "
                                                   "frame"))
            found.append(fault)
            self._lost = True
        self._skipped = 0
