"""The whole session's numeric history per metric, for trend plots and review.

Append-only growing numpy arrays (amortised doubling), one pair (times, values) per
metric; a value the device marked invalid is stored as NaN so the trend shows a gap.
"""

from __future__ import annotations

import threading

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


class _Series:
    __slots__ = ("count", "times", "values")

    def __init__(self, capacity: int) -> None:
        self.times = np.empty(capacity, dtype=np.float64)
        self.values = np.empty(capacity, dtype=np.float64)
        self.count = 0

    def append(self, at: float, value: float) -> None:
        if self.count == self.times.shape[0]:
            grown = self.count * 2
            self.times = np.resize(self.times, grown)
            self.values = np.resize(self.values, grown)
        self.times[self.count] = at
        self.values[self.count] = value
        self.count += 1


class TrendHistory:
    """Every numeric value of the session, by metric, oldest first."""

    def __init__(self, initial_capacity: int = 4096) -> None:
        self._initial = initial_capacity
        self._series: dict[str, _Series] = {}
        self._lock = threading.Lock()
        self.version = 0
        """Bumped on every append: a reader redraws only when it changed."""

    def append(self, refid: str, at: float, value: float | None) -> None:
        with self._lock:
            series = self._series.get(refid)
            if series is None:
                series = self._series[refid] = _Series(self._initial)
            series.append(at, np.nan if value is None else value)
            self.version += 1

    def series(self, refid: str) -> tuple[FloatArray, FloatArray]:
        """Copies of (times, values) for one metric; empty arrays when none."""
        with self._lock:
            series = self._series.get(refid)
            if series is None:
                return np.empty(0), np.empty(0)
            return series.times[:series.count].copy(), series.values[:series.count].copy()

    def count(self, refid: str) -> int:
        """How many samples one metric has (0 when none): a reader's cursor."""
        with self._lock:
            series = self._series.get(refid)
            return 0 if series is None else series.count

    def since(self, refid: str, start: int) -> tuple[FloatArray, FloatArray]:
        """Copies of (times, values) for one metric from sample ``start`` on."""
        with self._lock:
            series = self._series.get(refid)
            if series is None or start >= series.count:
                return np.empty(0), np.empty(0)
            return (series.times[start:series.count].copy(),
                    series.values[start:series.count].copy())

    def metrics(self) -> list[str]:
        with self._lock:
            return list(self._series)
