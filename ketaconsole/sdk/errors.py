"""Protocol errors at a readable rate: a few a second pass, the rest are counted.

A line full of noise makes a decoder find an error every few bytes (1 MB of junk gave
about 290,000). :class:`ErrorThrottle` lets the first :data:`ERRORS_PER_WINDOW` errors
of each :data:`WINDOW_S` through as they come and holds the rest back; once the window
has passed, one error of the same kind says how many were held back and shows the
latest. :class:`~ketaconsole.sdk.DeviceProtocol` runs every ``feed`` and ``tick`` of
every driver through one, so no driver has to do it itself.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, Protocol, TypeVar

from ketaconsole.observations import Observation, ProtocolError


class StepOutput(Protocol):
    """What one step of a protocol gives (:class:`~ketaconsole.sdk.ProtocolOutput`)."""

    observations: list[Observation]


Out = TypeVar("Out", bound=StepOutput)

ERRORS_PER_WINDOW = 3
WINDOW_S = 1.0


class ErrorThrottle:
    """Passes at most ``per_window`` protocol errors per ``window_s``; counts the rest."""

    def __init__(self, per_window: int = ERRORS_PER_WINDOW, window_s: float = WINDOW_S) -> None:
        self.per_window = per_window
        self.window_s = window_s
        self.total = 0
        """Every protocol error seen, shown or held back."""
        self._window_start: float | None = None
        self._passed = 0
        self._held = 0
        self._latest: ProtocolError | None = None

    def filter(self, observations: list[Observation], now: float) -> list[Observation]:
        """``observations`` with the errors over the budget taken out (and counted), after
        the summary of a window that has passed, if it held any back."""
        summary = self._close(now)
        if not any(isinstance(o, ProtocolError) for o in observations):
            return observations if summary is None else [summary, *observations]
        kept: list[Observation] = [] if summary is None else [summary]
        for observation in observations:
            if not isinstance(observation, ProtocolError):
                kept.append(observation)
                continue
            self.total += 1
            if self._window_start is None:
                self._window_start = now
            if self._passed < self.per_window:
                self._passed += 1
                kept.append(observation)
            else:
                self._held += 1
                self._latest = observation
        return kept

    def _close(self, now: float) -> ProtocolError | None:
        if self._window_start is None or now - self._window_start < self.window_s - 1e-9:
            return None
        held, latest, started = self._held, self._latest, self._window_start
        self._window_start, self._passed, self._held, self._latest = None, 0, 0, None
        if not held or latest is None:
            return None
        return ProtocolError(
            latest.device_id, latest.error,
            f"{held} more protocol error{'s' if held != 1 else ''} in {now - started:.1f} s "
            f"not shown one by one; the latest: {latest.detail}", now)


def _throttle_of(protocol: object) -> ErrorThrottle:
    throttle = protocol.__dict__.get("_error_throttle")
    if throttle is None:
        throttle = protocol.__dict__["_error_throttle"] = ErrorThrottle()
    return throttle


def throttled_feed(feed: Callable[[Any, bytes, float], Out]
                   ) -> Callable[[Any, bytes, float], Out]:
    """``feed`` whose protocol errors pass through the protocol's :class:`ErrorThrottle`."""
    if getattr(feed, "throttled", False):
        return feed

    @wraps(feed)
    def step(self: Any, data: bytes, now: float) -> Out:
        if self.__dict__.get("_in_step"):
            return feed(self, data, now)  # a subclass calling its parent's feed
        self.__dict__["_in_step"] = True
        try:
            out = feed(self, data, now)
        finally:
            self.__dict__["_in_step"] = False
        out.observations = _throttle_of(self).filter(out.observations, now)
        return out

    step.throttled = True  # type: ignore[attr-defined]
    return step


def throttled_tick(tick: Callable[[Any, float], Out]
                   ) -> Callable[[Any, float], Out]:
    """``tick`` whose protocol errors pass through the protocol's :class:`ErrorThrottle`
    (and which reports a window's held-back errors once the window has passed)."""
    if getattr(tick, "throttled", False):
        return tick

    @wraps(tick)
    def step(self: Any, now: float) -> Out:
        if self.__dict__.get("_in_step"):
            return tick(self, now)
        self.__dict__["_in_step"] = True
        try:
            out = tick(self, now)
        finally:
            self.__dict__["_in_step"] = False
        out.observations = _throttle_of(self).filter(out.observations, now)
        return out

    step.throttled = True  # type: ignore[attr-defined]
    return step


def error_total(protocol: object) -> int:
    """Every protocol error the protocol has reported, including those held back."""
    return _throttle_of(protocol).total
