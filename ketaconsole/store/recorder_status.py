"""What the recorder tells the console: its state, and that an event is not written yet."""

from __future__ import annotations

from dataclasses import dataclass


class RecordNotWritten(RuntimeError):
    """An event could not be committed in time; it is held and will be written later."""


@dataclass(slots=True)
class RecorderStatus:
    """What the recorder is doing, for the status strip and the technical alarm."""

    writing: bool = True
    message: str | None = None
    held: int = 0
    lost: int = 0
    last_commit_at: float | None = None
    committed_events: int = 0
