"""Finds fixed-length Nonin frames in a byte stream: lock, loss of lock, resynchronisation.

While locked, the next frame must start exactly where the last one ended; a frame
that fails its check is reported once and the hunter looks for the next good frame
byte by byte. A frame found on the old frame grid (a whole number of frames after the
failed one) is taken at once and says how many frames were lost; anywhere else, a
run of good frames in a row (two by default) is needed before the stream is trusted
again. A format whose frames carry no checksum asks for a longer run and no grid
shortcut, since noise and other formats pass its check now and then. A partial frame
at the start of a stream is normal; more junk than one frame is reported, and a long
stretch with no frame at all is reported with what the bytes look like instead.

While the console waits for the answer to its format-select command, an ACK or NAK
byte is recognised where a frame could start (neither can begin a frame of any format);
when not locked, only if the frames that would lock the stream follow it, or if nothing
follows it for a moment and no junk came before it, and then it is marked uncertain (it
may be the checksum that ended a partial frame).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from drivers.nonin.codes import REPLY_BYTES
from ketaconsole.sdk import ErrorKind, Fault

FrameCheck = Callable[[bytes], "ErrorKind | None"]
"""Returns ``None`` for a good frame, else the kind of error (checksum, framing)."""
FrameDescription = Callable[[bytes, ErrorKind], str]
"""One sentence on what is wrong with a frame that failed its check."""
JunkExplanation = Callable[[bytes], str]
"""What a long stretch of bytes with no frame in it most likely is, and what to do."""


@dataclass(frozen=True, slots=True)
class FoundFrame:
    """A frame that passed its check; ``lost`` frames went missing just before it
    (``None``: an unknown number, or this is the first frame of the stream)."""

    data: bytes
    lost: int | None


@dataclass(frozen=True, slots=True)
class FrameRun:
    """Good frames back to back in a locked stream, none lost between or before them."""

    data: bytes
    """The frames, joined: a whole number of frames."""


@dataclass(frozen=True, slots=True)
class FoundReply:
    """The oximeter's answer to a command: ACK or NAK. ``certain`` when it stood between
    two frames of a locked stream; otherwise it might be the last byte of a frame that
    began before the console listened."""

    byte: int
    certain: bool


FramingEvent = FoundFrame | FrameRun | FoundReply | Fault

REPLY_SETTLE_S = 0.3
NO_FRAME_WARNING_FRAMES = 64
"""A stretch of this many frames' worth of bytes with no frame in it is reported."""
MAX_GRID_GAP_FRAMES = 25


class FrameHunter:
    """Splits a byte stream into checked frames of one fixed length."""

    def __init__(self, length: int, check: FrameCheck, describe: FrameDescription,
                 name: str, *, run_to_lock: int = 2, relock_on_grid: bool = True,
                 explain_junk: JunkExplanation | None = None) -> None:
        self.length = length
        self.name = name
        self._check = check
        self._describe = describe
        self._run_to_lock = run_to_lock
        self._relock_on_grid = relock_on_grid
        self._explain_junk = explain_junk
        self._warn_after = NO_FRAME_WARNING_FRAMES * length
        self._junk = bytearray()
        self._junk_seen = False
        """Bytes that were no frame have come since the last frame (or the start)."""
        self._buffer = bytearray()
        self._offset = 0
        self._locked = False
        self._lost_at: int | None = None
        self._skipped = 0
        self._unlocked_run = 0
        self._pending_since: float | None = None
        self.awaiting_reply = False

    def feed(self, data: bytes, now: float) -> list[FramingEvent]:
        self._buffer += data
        buf = self._buffer
        size = self.length
        events: list[FramingEvent] = []
        i = 0
        waiting_for_reply = False
        while i < len(buf):
            if self._locked and not self.awaiting_reply:
                i = self._run_of_frames(i, events)
            available = len(buf) - i
            if available <= 0:
                break
            if self.awaiting_reply and buf[i] in REPLY_BYTES:
                verdict = self._is_reply(i)
                if verdict is None:
                    waiting_for_reply = True
                    break
                if verdict:
                    events.append(FoundReply(buf[i], self._locked))
                    i += 1
                    continue
            if available < size:
                break
            frame = bytes(buf[i:i + size])
            fault = self._check(frame)
            if self._locked:
                if fault is None:
                    events.append(FoundFrame(frame, 0))
                    i += size
                    continue
                events.append(Fault(fault, self._describe(frame, fault)))
                self._locked = False
                self._lost_at = self._offset + i
                self._skipped = -size  # the failed frame is reported already
            elif fault is None:
                lost = self._grid_gap(i) if self._relock_on_grid else None
                if lost is None:
                    run = self._run_to_lock * size
                    if available < run:
                        break  # wait for the frames that confirm this one
                    confirmed = all(self._check(bytes(buf[j:j + size])) is None
                                    for j in range(i + size, i + run, size))
                else:
                    confirmed = True
                if confirmed:
                    self._lock(events, frame, lost)
                    i += size
                    continue
            i += 1
            self._junk_seen = True
            self._skipped += 1
            self._unlocked_run += 1
            if len(self._junk) < self._warn_after:
                self._junk.append(buf[i - 1])
            if self._unlocked_run >= self._warn_after:
                events.append(Fault(ErrorKind.SYNC, self._no_frame_found()))
                self._unlocked_run = 0
                self._skipped = 0
        del buf[:i]
        self._offset += i
        if waiting_for_reply:
            if self._pending_since is None:
                self._pending_since = now
        else:
            self._pending_since = None
        return events

    def _run_of_frames(self, i: int, events: list[FramingEvent]) -> int:
        """The common case, kept tight: good frames back to back while locked, as one
        :class:`FrameRun`."""
        size, check = self.length, self._check
        whole = (len(self._buffer) - i) // size * size
        if not whole:
            return i
        candidates = bytes(self._buffer[i:i + whole])
        good = 0
        while good < whole and check(candidates[good:good + size]) is None:
            good += size
        if good:
            events.append(FrameRun(candidates if good == whole else candidates[:good]))
        return i + good

    def settle(self, now: float) -> list[FramingEvent]:
        """A reply byte that nothing has followed for a moment is taken as the reply."""
        if (self._pending_since is None or now - self._pending_since < REPLY_SETTLE_S
                or not self._buffer or self._buffer[0] not in REPLY_BYTES
                or self._junk_seen):
            return []  # after junk, a lone ACK or NAK byte is as likely more junk
        reply = self._buffer.pop(0)
        self._offset += 1
        self._pending_since = None
        return [FoundReply(reply, False), *self.feed(b"", now)]

    def _is_reply(self, i: int) -> bool | None:
        """True: a reply; False: junk; None: too early to tell."""
        if self._locked:
            return True
        start, size = i + 1, self.length
        run = self._run_to_lock * size if not self._relock_on_grid else size
        if len(self._buffer) - start < run:
            return None
        return all(self._check(bytes(self._buffer[j:j + size])) is None
                   for j in range(start, start + run, size))

    def _grid_gap(self, i: int) -> int | None:
        """Frames lost if position ``i`` lies on the grid of the lock lost last, else None."""
        if self._lost_at is None:
            return None
        distance = self._offset + i - self._lost_at
        if distance <= 0 or distance % self.length:
            return None
        frames = distance // self.length
        return frames if frames <= MAX_GRID_GAP_FRAMES else None

    def _no_frame_found(self) -> str:
        found = f"no {self.name} found in {self._warn_after} bytes"
        junk, self._junk = bytes(self._junk), bytearray()
        if self._explain_junk is None:
            return f"{found}; check that the oximeter sends the data format set for it"
        return f"{found}: {self._explain_junk(junk)}"

    def _lock(self, events: list[FramingEvent], frame: bytes, lost: int | None) -> None:
        if self._skipped >= self.length:
            events.append(Fault(
                ErrorKind.SYNC, f"skipped {self._skipped} bytes that were not a {self.name}"))
        events.append(FoundFrame(frame, lost))
        self._locked = True
        self._skipped = 0
        self._unlocked_run = 0
        self._junk.clear()
        self._junk_seen = False
