"""The session's trend history keeps every sample, in order, in compact blocks."""

from __future__ import annotations

import math

import numpy as np

from ketaconsole.live.trend_history import BLOCK_SAMPLES, TrendHistory

START = 1_795_000_000.25
SPO2 = "MDC_PULS_OXIM_SAT_O2"
OXIMETER = "oximeter"


def _history(samples: int) -> TrendHistory:
    history = TrendHistory()
    for s in range(samples):
        history.append(SPO2, OXIMETER, START + s + 0.5, None if s % 1000 == 999 else 90 + s % 10)
    return history


def test_samples_come_back_in_order_with_absolute_times_across_blocks() -> None:
    samples = 2 * BLOCK_SAMPLES + 17
    times, values = _history(samples).series(SPO2, OXIMETER)
    assert times.dtype == np.float64 and values.dtype == np.float64
    assert times.size == samples
    np.testing.assert_allclose(times, START + np.arange(samples) + 0.5, rtol=0, atol=1e-3)
    assert values[0] == 90 and values[samples - 1] == 90 + (samples - 1) % 10


def test_an_invalid_value_is_kept_as_a_gap() -> None:
    _, values = _history(1500).series(SPO2, OXIMETER)
    assert math.isnan(values[999]) and not math.isnan(values[998])


def test_since_gives_only_the_samples_after_a_cursor() -> None:
    history = _history(BLOCK_SAMPLES + 10)
    all_times, all_values = history.series(SPO2, OXIMETER)
    for cursor in (0, 5, BLOCK_SAMPLES - 1, BLOCK_SAMPLES, BLOCK_SAMPLES + 9):
        times, values = history.since(SPO2, OXIMETER, cursor)
        np.testing.assert_array_equal(times, all_times[cursor:])
        np.testing.assert_array_equal(values, all_values[cursor:])
    assert history.since(SPO2, OXIMETER, BLOCK_SAMPLES + 10)[0].size == 0
    assert history.count(SPO2, OXIMETER) == BLOCK_SAMPLES + 10


def test_an_unknown_metric_has_no_samples() -> None:
    history = _history(3)
    assert history.series("MDC_TEMP_BODY", OXIMETER)[0].size == 0
    assert history.count("MDC_TEMP_BODY", OXIMETER) == 0
    assert history.metrics() == [SPO2]


def test_a_sample_takes_eight_bytes_and_at_most_one_block_is_unfilled() -> None:
    history = _history(BLOCK_SAMPLES + 1)
    assert history.nbytes == 2 * BLOCK_SAMPLES * 8


def test_each_device_keeps_its_own_series_of_a_metric() -> None:
    history = TrendHistory()
    for s in range(6):
        history.append(SPO2, OXIMETER, START + s, 85.0)
        history.append(SPO2, "monitor", START + s + 0.5, 98.0)
    assert history.devices(SPO2) == [OXIMETER, "monitor"]
    assert set(history.series(SPO2, OXIMETER)[1].tolist()) == {85.0}
    assert set(history.series(SPO2, "monitor")[1].tolist()) == {98.0}
    assert history.metrics() == [SPO2]
