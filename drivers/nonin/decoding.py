"""What the Nonin format decoders share: bytes in, observations and command replies out."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field

from drivers.nonin.framing import (
    Fault,
    FoundFrame,
    FoundReply,
    FrameHunter,
    FrameRun,
    FramingEvent,
)
from ketaconsole.sdk import ErrorKind, Observation, ProtocolError


@dataclass(slots=True)
class Decoded:
    """Observations decoded from a stretch of input, and any ACK/NAK bytes found in it."""

    observations: list[Observation] = field(default_factory=list)
    replies: list[FoundReply] = field(default_factory=list)


class FormatDecoder(ABC):
    """Decodes one Nonin output format."""

    def __init__(self, device_id: str) -> None:
        self.device_id = device_id
        self.awaiting_reply = False
        self.frames = 0
        """Good frames (or lines) decoded so far."""

    @abstractmethod
    def feed(self, data: bytes, now: float) -> Decoded:
        """Take bytes received at ``now``."""

    def settle(self, now: float) -> Decoded:
        """Called from the protocol's tick: decide anything that waited on more input."""
        return Decoded()

    def error(self, kind: ErrorKind, detail: str, now: float) -> ProtocolError:
        return ProtocolError(self.device_id, kind, detail, now)


class FramedDecoder(FormatDecoder):
    """A binary format: a :class:`FrameHunter` finds the frames, a subclass reads them."""

    def __init__(self, device_id: str, hunter: FrameHunter) -> None:
        super().__init__(device_id)
        self.hunter = hunter

    def feed(self, data: bytes, now: float) -> Decoded:
        self.hunter.awaiting_reply = self.awaiting_reply
        return self._handle(self.hunter.feed(data, now), now)

    def settle(self, now: float) -> Decoded:
        self.hunter.awaiting_reply = self.awaiting_reply
        return self._handle(self.hunter.settle(now), now)

    def _handle(self, events: list[FramingEvent], now: float) -> Decoded:
        out = Decoded()
        for event in events:
            if isinstance(event, FrameRun):
                self.frames += len(event.data) // self.hunter.length
                self.take_run(event.data, now, out.observations)
            elif isinstance(event, FoundFrame):
                self.frames += 1
                self.take_frame(event.data, event.lost, now, out.observations)
            elif isinstance(event, FoundReply):
                out.replies.append(event)
            elif isinstance(event, Fault):
                self.lost_sync(now, out.observations)
                out.observations.append(self.error(event.kind, event.detail, now))
        self.end_of_input(now, out.observations)
        return out

    @abstractmethod
    def take_frame(self, frame: bytes, lost: int | None, now: float,
                   out: list[Observation]) -> None:
        """Read one good frame; ``lost`` frames went missing before it (None: unknown)."""

    def take_run(self, frames: bytes, now: float, out: list[Observation]) -> None:
        """Read good frames that came back to back, none lost: each as :meth:`take_frame`
        would (a subclass may do the same in a tighter loop)."""
        size = self.hunter.length
        for start in range(0, len(frames), size):
            self.take_frame(frames[start:start + size], 0, now, out)

    def lost_sync(self, now: float, out: list[Observation]) -> None:
        """A frame failed its check (or junk was found): forget what depends on order."""

    def end_of_input(self, now: float, out: list[Observation]) -> None:
        """The input of one call is used up: hand over what is held back."""
