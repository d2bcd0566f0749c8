"""One receive buffer for framed protocols: sync scanning and delimited frames.

Most device protocols frame a message between a start byte and an end byte (Alaris
``!`` ... CR, NE-1000 STX ... ETX). :class:`DelimitedFrames` keeps the bytes received
and not yet framed, skips what comes before a start byte (reported once, as a sync
fault, when a frame follows), hands over each frame's body whole, and reports a frame
that is cut short (an abort byte, a new start byte before the end) or runs past its
longest length. Any chunking of the input gives the same frames. Checking the body's
checksum and reading it is the driver's part. :class:`LineFrames` does the same for
text lines and knows when each line's bytes came.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ketaconsole.sdk.faults import ErrorKind, Fault


class DelimitedFrames:
    """Frame bodies between ``start`` and ``end`` bytes in a stream of any chunking."""

    def __init__(self, start: int, end: int, *, max_frame: int, abort: int | None = None,
                 abort_name: str = "", line_noise: bytes = b"\n\0") -> None:
        """``abort`` ends a frame without a body (``abort_name`` names it in the fault);
        ``line_noise`` bytes between frames are not counted as junk."""
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
                found.append(bytes(buf[body_start:stop]))
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
    line is a :class:`Fault` (framing), never a line. A line longer than ``max_line``
    is one fault and is skipped up to its line end. Empty lines are dropped.

    ::

        lines = LineFrames(max_line=256, period=1.0)
        for item in lines.feed(data, now):
            if isinstance(item, Fault):
                found.append(item.report(device_id, now))
            else:
                found.extend(read(item.text))
    """

    def __init__(self, *, max_line: int, period: float | None = None,
                 longest_span: float | None = None, too_long: str = "") -> None:
        """``longest_span`` (default half of ``period``) is the longest time one line's
        bytes may take; ``too_long`` replaces the over-long fault's sentence."""
        self.max_line = max_line
        self.longest_span = (longest_span if longest_span is not None
                             else None if period is None else period / 2)
        self._too_long = too_long or f"no line end within {max_line} bytes"
        self._pending = bytearray()
        self._started: float | None = None
        self._discarding = False

    def feed(self, data: bytes, now: float) -> list[Line | Fault]:
        """The lines and faults ``data``, received at ``now``, completes."""
        found: list[Line | Fault] = []
        if data and self._started is None:
            self._started = now
        buf = self._pending
        buf += data
        pos = 0
        while True:
            end = buf.find(b"\n", pos)
            if end < 0:
                break
            started = self._started if self._started is not None else now
            text = bytes(buf[pos:end]).strip(b"\r\x00 ")
            pos = end + 1
            self._started = now if pos < len(buf) else None
            if self._discarding:
                self._discarding = False
                continue
            if len(text) > self.max_line:
                found.append(Fault(ErrorKind.FRAMING, f"line longer than {self.max_line} bytes"))
                continue
            if not text:
                continue
            if self.longest_span is not None and now - started > self.longest_span:
                found.append(Fault(ErrorKind.FRAMING, (
                    f"a line's bytes came over {now - started:.1f} s, longer than one line "
                    f"takes: parts of two lines joined where bytes were lost: {_shown(text)}")))
                continue
            found.append(Line(text, started, now))
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
