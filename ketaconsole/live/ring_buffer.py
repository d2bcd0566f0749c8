"""A fixed-size numpy ring buffer for waveform samples, written by one thread, read by another."""

from __future__ import annotations

import threading

import numpy as np
import numpy.typing as npt


class RingBuffer:
    """The last ``capacity`` samples of a waveform; gaps are stored as NaN."""

    def __init__(self, capacity: int) -> None:
        if capacity <= 0:
            raise ValueError("capacity must be positive")
        self._data = np.full(capacity, np.nan, dtype=np.float64)
        self._written = 0
        self._lock = threading.Lock()

    @property
    def capacity(self) -> int:
        return int(self._data.shape[0])

    @property
    def written(self) -> int:
        """Samples written since creation; a reader compares it to know whether to redraw."""
        return self._written

    def extend(self, samples: npt.ArrayLike) -> None:
        values = np.asarray(samples, dtype=np.float64).ravel()
        n = values.shape[0]
        if n == 0:
            return
        cap = self.capacity
        with self._lock:
            if n >= cap:
                self._data[:] = values[-cap:]
                self._written += n
                # Keep the invariant that the oldest sample sits at ``written % cap``.
                self._data = np.roll(self._data, self._written % cap)
                return
            start = self._written % cap
            first = min(n, cap - start)
            self._data[start:start + first] = values[:first]
            if first < n:
                self._data[: n - first] = values[first:]
            self._written += n

    def latest(self, count: int | None = None) -> npt.NDArray[np.float64]:
        """The newest ``count`` samples (all that exist, at most capacity), oldest first."""
        cap = self.capacity
        with self._lock:
            have = min(self._written, cap)
            count = have if count is None else min(count, have)
            end = self._written % cap
            if count <= end:
                return self._data[end - count:end].copy()
            return np.concatenate((self._data[cap - (count - end):], self._data[:end]))
