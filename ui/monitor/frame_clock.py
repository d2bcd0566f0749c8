"""The frame clock: one QTimer that redraws every live widget about 30 times a second.

Samples are never pushed one signal at a time; each frame pulls the engine's state.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer

FRAME_INTERVAL_MS = 33


class FrameClock(QObject):
    """Calls ``redraw(now)`` once per frame on the GUI thread."""

    def __init__(self, redraw: Callable[[float], None], *,
                 clock: Callable[[], float] = time.time,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._redraw = redraw
        self._clock = clock
        self.timer = QTimer(self)
        self.timer.setInterval(FRAME_INTERVAL_MS)
        self.timer.timeout.connect(self.tick)

    def start(self) -> None:
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def tick(self) -> None:
        self._redraw(self._clock())
