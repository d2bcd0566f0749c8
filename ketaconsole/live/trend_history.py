"""The whole session's numeric history per metric and device, for trend plots and review.

One series (times, values) per metric and device (a monitor's SpO2 and an oximeter's
are two lines, never one), kept in fixed-size blocks that are filled in
turn: nothing is ever copied to grow, and a series holds at most one block it has not
filled. A value the device marked invalid is stored as NaN so the trend shows a gap.

The history is for drawing, so a sample takes 8 bytes: its value as float32 (7
significant digits, far more than any bedside value has) and its time as float32
seconds since the session's first sample (to within half a millisecond for the first
four and a half hours, 4 ms at a day). Readers get float64 arrays and absolute times.
"""

from __future__ import annotations

import threading

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

BLOCK_SAMPLES = 4096
"""Samples per block: a little over an hour of a 1 Hz metric, 32 kB."""


class _Series:
    __slots__ = ("count", "times", "values")

    def __init__(self) -> None:
        self.times: list[npt.NDArray[np.float32]] = []
        self.values: list[npt.NDArray[np.float32]] = []
        self.count = 0

    def append(self, offset: float, value: float) -> None:
        at = self.count % BLOCK_SAMPLES
        if at == 0:
            self.times.append(np.empty(BLOCK_SAMPLES, dtype=np.float32))
            self.values.append(np.empty(BLOCK_SAMPLES, dtype=np.float32))
        self.times[-1][at] = offset
        self.values[-1][at] = value
        self.count += 1

    def since(self, start: int, origin: float) -> tuple[FloatArray, FloatArray]:
        first = start // BLOCK_SAMPLES
        skip = start - first * BLOCK_SAMPLES
        keep = self.count - first * BLOCK_SAMPLES
        times = np.concatenate(self.times[first:])[skip:keep].astype(np.float64)
        values = np.concatenate(self.values[first:])[skip:keep].astype(np.float64)
        times += origin
        return times, values

    @property
    def nbytes(self) -> int:
        return sum(block.nbytes for block in self.times) + \
            sum(block.nbytes for block in self.values)


class TrendHistory:
    """Every numeric value of the session, by metric and device, oldest first."""

    def __init__(self) -> None:
        self._series: dict[tuple[str, str], _Series] = {}
        self._lock = threading.Lock()
        self._origin: float | None = None
        self.version = 0
        """Bumped on every append: a reader redraws only when it changed."""
        self.session = 0
        """Bumped when a session ends: a reader starts its drawing afresh."""

    def start_afresh(self) -> None:
        """A session ended: the next patient's trend does not carry the last one's."""
        with self._lock:
            self._series.clear()
            self._origin = None
            self.session += 1
            self.version += 1

    def append(self, refid: str, device_id: str, at: float, value: float | None) -> None:
        with self._lock:
            if self._origin is None:
                self._origin = at
            series = self._series.get((refid, device_id))
            if series is None:
                series = self._series[(refid, device_id)] = _Series()
            series.append(at - self._origin, np.nan if value is None else value)
            self.version += 1

    def series(self, refid: str, device_id: str) -> tuple[FloatArray, FloatArray]:
        """(times, values) of one metric from one device, as new float64 arrays; empty
        when none."""
        return self.since(refid, device_id, 0)

    def count(self, refid: str, device_id: str) -> int:
        """How many samples one device's metric has (0 when none): a reader's cursor."""
        with self._lock:
            series = self._series.get((refid, device_id))
            return 0 if series is None else series.count

    def since(self, refid: str, device_id: str, start: int) -> tuple[FloatArray, FloatArray]:
        """(times, values) of one device's metric from sample ``start`` on, as new
        float64 arrays."""
        with self._lock:
            series = self._series.get((refid, device_id))
            if series is None or self._origin is None or start >= series.count:
                return np.empty(0), np.empty(0)
            return series.since(max(start, 0), self._origin)

    def devices(self, refid: str) -> list[str]:
        """The devices with a series of ``refid``, in the order they first sent it."""
        with self._lock:
            return [device_id for metric, device_id in self._series if metric == refid]

    def metrics(self) -> list[str]:
        with self._lock:
            return list(dict.fromkeys(metric for metric, _ in self._series))

    @property
    def nbytes(self) -> int:
        """Bytes the stored samples take, filled or not."""
        with self._lock:
            return sum(series.nbytes for series in self._series.values())
