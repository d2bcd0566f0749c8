"""One receive buffer for framed protocols: sync scanning and delimited frames.

Most device protocols frame a message between a start byte and an end byte (Alaris
``!`` ... CR, NE-1000 STX ... ETX). :class:`DelimitedFrames` keeps the bytes received
and not yet framed, skips what comes before a start byte (reported once, as a sync
fault, when a frame follows), hands over each frame's body whole, and reports a frame
that is cut short (an abort byte, a new start byte before the end) or runs past its
longest length. Any chunking of the input gives the same frames. Checking the body's
checksum and reading it is the driver's part.
"""

from __future__ import annotations

import re

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
