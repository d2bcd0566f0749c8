"""A long trend reduced to a few points a pixel keeps every bucket's extremes and every gap."""

from __future__ import annotations

import numpy as np
import pytest

from ketaconsole.live.trend_decimation import DecimatedTrend, bucket_seconds, reduce_buckets

FOUR_HOURS = 14_400
START = 1_795_000_000.0


def _session(seed: int = 7) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    times = START + np.arange(FOUR_HOURS, dtype=np.float64)
    values = np.round(97 + rng.normal(0, 1, FOUR_HOURS))
    return times, values


def _fed_in_pieces(times: np.ndarray, values: np.ndarray, bucket_s: float,
                   piece: int) -> DecimatedTrend:
    reduced = DecimatedTrend(bucket_s)
    for at in range(0, times.size, piece):
        reduced.extend(times[at:at + piece], values[at:at + piece])
    return reduced


def test_a_four_hour_trend_is_reduced_to_two_to_four_points_a_pixel() -> None:
    times, values = _session()
    bucket_s = bucket_seconds(FOUR_HOURS, 1000)
    assert bucket_s == 8.0
    x, _ = reduce_buckets(times, values, bucket_s)
    assert 2 * 1000 <= x.size <= 4 * 1000
    assert np.all(np.diff(x) >= 0)


def test_a_single_sample_desaturation_survives_the_reduction() -> None:
    times, values = _session()
    values[9_001] = 71.0
    x, y = reduce_buckets(times, values, bucket_seconds(FOUR_HOURS, 1000))
    assert y.min() == 71.0
    assert x[np.argmin(y)] == times[9_001]


def test_every_bucket_keeps_its_own_lowest_and_highest_value() -> None:
    times, values = _session()
    bucket_s = 16.0
    x, y = reduce_buckets(times, values, bucket_s)
    buckets = np.floor(times / bucket_s)
    drawn = np.floor(x / bucket_s)
    for bucket in np.unique(buckets)[::37]:
        inside = values[buckets == bucket]
        shown = y[drawn == bucket]
        assert shown.min() == inside.min() and shown.max() == inside.max()


def test_an_invalid_value_leaves_a_gap_in_the_reduced_curve() -> None:
    times, values = _session()
    values[5_000] = np.nan
    values[12_000:12_300] = np.nan
    x, y = reduce_buckets(times, values, 16.0)
    gaps = x[np.isnan(y)]
    assert np.any(np.floor(gaps / 16.0) == np.floor(times[5_000] / 16.0))
    # A long gap has no drawn value inside it, and its edges break the line.
    inside = (x > times[12_000]) & (x < times[12_299])
    assert np.all(np.isnan(y[inside]))
    assert np.isnan(y[np.searchsorted(x, times[12_000])])


def test_a_gap_before_the_extremes_in_a_bucket_comes_before_them() -> None:
    times = START + np.arange(8.0)
    values = np.array([np.nan, 95.0, 96.0, 97.0, 98.0, 97.0, 96.0, 95.0])
    _, y = reduce_buckets(times, values, 8.0)
    assert np.isnan(y[0]) and list(y[1:]) == [95.0, 98.0]


def test_a_short_trend_is_drawn_sample_for_sample() -> None:
    times = START + np.arange(5.0)
    values = np.array([97.0, 96.0, np.nan, 98.0, 99.0])
    x, y = reduce_buckets(times, values, 1.0)
    assert list(x) == list(times)
    np.testing.assert_array_equal(y, values)


@pytest.mark.parametrize("piece", [1, 7, 60, FOUR_HOURS])
def test_feeding_samples_as_they_arrive_draws_the_same_as_reducing_at_once(
        piece: int) -> None:
    times, values = _session()
    values[3_333] = 64.0
    values[7_000:7_020] = np.nan
    at_once = reduce_buckets(times, values, 16.0)
    reduced = _fed_in_pieces(times, values, 16.0, piece)
    assert reduced.consumed == FOUR_HOURS
    x, y = reduced.points()
    np.testing.assert_array_equal(x, at_once[0])
    np.testing.assert_array_equal(y, at_once[1])


def test_a_reset_to_a_wider_bucket_forgets_what_was_reduced() -> None:
    times, values = _session()
    reduced = _fed_in_pieces(times, values, 16.0, 600)
    reduced.reset(32.0)
    assert reduced.consumed == 0 and reduced.points()[0].size == 0
    reduced.extend(times, values)
    np.testing.assert_array_equal(reduced.points()[1],
                                  reduce_buckets(times, values, 32.0)[1])


def test_the_bucket_width_is_a_power_of_two_seconds_no_wider_than_a_pixel() -> None:
    assert bucket_seconds(600, 1000) == 1.0
    assert bucket_seconds(3600, 1000) == 2.0
    assert bucket_seconds(8 * 3600, 1000) == 16.0
    assert bucket_seconds(8 * 3600, 0) >= 1.0
    for span_s in (90.0, 3600.0, 14_400.0, 28_800.0, 100_000.0):
        assert bucket_seconds(span_s, 407) <= max(1.0, span_s / 407)
