"""Notices when nobody has touched the console for a while (for the automatic lock).

An event filter on the application restarts a single-shot timer on every key, mouse,
wheel or touch input anywhere in the program; when the timer runs out, ``on_idle`` is
called once. ``on_input`` (optional) is told of every input, e.g. ``ConsoleLock.touch``.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer

INPUT_EVENTS = frozenset({
    QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonDblClick,
    QEvent.Type.MouseMove, QEvent.Type.Wheel, QEvent.Type.TouchBegin,
    QEvent.Type.TouchUpdate, QEvent.Type.TabletPress,
})


class IdleWatcher(QObject):
    """Calls back after ``idle_seconds`` without input."""

    def __init__(self, app: QCoreApplication, idle_seconds: float,
                 on_idle: Callable[[], None],
                 on_input: Callable[[], None] | None = None) -> None:
        super().__init__()
        self._app = app
        self._on_idle = on_idle
        self._on_input = on_input
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._idle)
        self.set_idle_seconds(idle_seconds)
        app.installEventFilter(self)
        self._timer.start()

    def set_idle_seconds(self, seconds: float) -> None:
        if seconds <= 0:
            raise ValueError("the idle time must be more than 0 seconds")
        self._timer.setInterval(round(seconds * 1000))
        if self._timer.isActive():
            self._timer.start()

    def remaining_ms(self) -> int:
        """Milliseconds until the idle call-back (-1 after it has fired, until new input)."""
        return self._timer.remainingTime()

    def restart(self) -> None:
        """Start counting again (e.g. after an unlock)."""
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
        self._app.removeEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in INPUT_EVENTS:
            self._timer.start()
            if self._on_input is not None:
                self._on_input()
        return False

    def _idle(self) -> None:
        self._on_idle()
