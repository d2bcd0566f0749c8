"""Min/max reduction of a long trend to a few points per pixel, kept up to date as samples arrive.

A whole-session trend holds a sample a second per metric, far more than the plot has
pixels. Samples are grouped in time buckets (a power of two seconds no wider than a
pixel, aligned to multiples of the width) and each bucket is drawn by its lowest and
highest sample, in the order they came, at their own times: a one-sample desaturation
stays on the curve.
A bucket holding an invalid value (NaN) also gets a NaN point, so the line breaks there
and a gap stays a gap. Finished buckets are kept; only the newest one is redone when
samples arrive, so a redraw costs as much as the pixels, not the session's length.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

SMALLEST_BUCKET_S = 1.0


def bucket_seconds(span_s: float, pixels: int) -> float:
    """The bucket width for ``span_s`` seconds on ``pixels`` pixels: a power of two, >= 1 s.

    No wider than a pixel, so each pixel column still spans its own samples' lowest to
    highest value; one bucket gives at most two points, so this is two to four points
    a pixel. The width changes only when the span doubles, so finished buckets are
    rarely redone.
    """
    per_pixel = max(span_s, 1.0) / max(pixels, 1)
    return max(SMALLEST_BUCKET_S, 2.0 ** math.floor(math.log2(per_pixel)))


def _first_in_run(flags: npt.NDArray[np.bool_], starts: IntArray,
                  ends: IntArray) -> IntArray:
    """Index of the first True in each run [start, end); ``end`` for a run without one."""
    hits = np.flatnonzero(flags)
    if hits.size == 0:
        return ends.copy()
    at = np.searchsorted(hits, starts)
    found = hits[np.minimum(at, hits.size - 1)]
    return np.where((at < hits.size) & (found < ends), found, ends)


def _last_in_run(flags: npt.NDArray[np.bool_], starts: IntArray,
                 ends: IntArray) -> IntArray:
    """Index of the last True in each run [start, end); -1 for a run without one."""
    hits = np.flatnonzero(flags)
    if hits.size == 0:
        return np.full(starts.size, -1)
    at = np.searchsorted(hits, ends) - 1
    found = hits[np.maximum(at, 0)]
    return np.where((at >= 0) & (found >= starts), found, -1)


def reduce_buckets(times: FloatArray, values: FloatArray,
                   bucket_s: float) -> tuple[FloatArray, FloatArray]:
    """Each bucket's lowest and highest sample in time order, and NaN where it has a gap.

    Buckets are runs of consecutive samples in the same ``floor(time / bucket_s)``, so a
    sample that arrives out of order starts a run of its own rather than being lost.
    """
    if times.size == 0:
        return np.empty(0), np.empty(0)
    bucket = np.floor(times / bucket_s)
    starts = np.flatnonzero(np.concatenate(([True], bucket[1:] != bucket[:-1])))
    ends = np.append(starts[1:], times.size)
    lengths = ends - starts
    finite = np.isfinite(values)
    low = np.where(finite, values, np.inf)
    high = np.where(finite, values, -np.inf)
    run_low = np.minimum.reduceat(low, starts)
    run_high = np.maximum.reduceat(high, starts)
    has_value = np.isfinite(run_low)
    at_low = _first_in_run(finite & (low == np.repeat(run_low, lengths)), starts, ends)
    at_high = _first_in_run(finite & (high == np.repeat(run_high, lengths)), starts, ends)
    first = np.minimum(at_low, at_high)
    second = np.maximum(at_low, at_high)
    first_gap = _first_in_run(~finite, starts, ends)
    last_gap = _last_in_run(~finite, starts, ends)
    has_gap = first_gap < ends
    gap_before = has_gap & (~has_value | (first_gap < first))
    gap_after = has_gap & has_value & (last_gap > first)
    # Four slots a bucket: gap before, first extreme, second extreme, gap after.
    last = times.size - 1
    slot_t = np.stack([times[np.minimum(first_gap, last)],
                       times[np.minimum(first, last)],
                       times[np.minimum(second, last)],
                       np.maximum(times[np.maximum(last_gap, 0)],
                                  times[np.minimum(second, last)])], axis=1)
    slot_v = np.stack([np.full(starts.size, np.nan), values[np.minimum(first, last)],
                       values[np.minimum(second, last)], np.full(starts.size, np.nan)],
                      axis=1)
    keep = np.stack([gap_before, has_value, has_value & (second != first), gap_after],
                    axis=1)
    return slot_t[keep].astype(np.float64), slot_v[keep].astype(np.float64)


class _Growing:
    """A float64 array that grows at its end (amortised doubling)."""

    def __init__(self) -> None:
        self._data = np.empty(256)
        self.size = 0

    def extend(self, more: FloatArray) -> None:
        need = self.size + more.size
        if need > self._data.size:
            self._data = np.resize(self._data, max(need, self._data.size * 2))
        self._data[self.size:need] = more
        self.size = need

    def view(self) -> FloatArray:
        return self._data[:self.size]


class DecimatedTrend:
    """One metric's trend reduced to at most two points per bucket, extended as it grows.

    Feed it the samples it has not seen (``consumed`` says how many it has) with
    ``extend``; ``points`` gives what to draw. Changing ``bucket_s`` with ``reset``
    drops everything, and the caller feeds the whole series again.
    """

    def __init__(self, bucket_s: float) -> None:
        self.reset(bucket_s)

    def reset(self, bucket_s: float) -> None:
        self.bucket_s = bucket_s
        self.consumed = 0
        self._done_t = _Growing()
        self._done_v = _Growing()
        self._open_t: FloatArray = np.empty(0)
        self._open_v: FloatArray = np.empty(0)
        self._open_points: tuple[FloatArray, FloatArray] = (np.empty(0), np.empty(0))

    def extend(self, times: FloatArray, values: FloatArray) -> None:
        """Take the next samples (oldest first), following those already taken."""
        if times.size == 0:
            return
        self.consumed += times.size
        times = np.concatenate((self._open_t, times))
        values = np.concatenate((self._open_v, values))
        bucket = np.floor(times / self.bucket_s)
        # The newest bucket may still get samples: it stays open and is redone each time.
        open_from = int(np.flatnonzero(np.concatenate(
            ([True], bucket[1:] != bucket[:-1])))[-1])
        done_t, done_v = reduce_buckets(times[:open_from], values[:open_from],
                                        self.bucket_s)
        self._done_t.extend(done_t)
        self._done_v.extend(done_v)
        self._open_t, self._open_v = times[open_from:], values[open_from:]
        self._open_points = reduce_buckets(self._open_t, self._open_v, self.bucket_s)

    def points(self) -> tuple[FloatArray, FloatArray]:
        """(times, values) to draw: finished buckets, then the open one."""
        open_t, open_v = self._open_points
        return (np.concatenate((self._done_t.view(), open_t)),
                np.concatenate((self._done_v.view(), open_v)))
