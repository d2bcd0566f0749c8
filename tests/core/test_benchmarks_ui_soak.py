"""The UI and soak benchmarks run on a small workload and report every figure they promise.

This checks that the benchmark code works end to end (real window, real pty, a real
console process, a real recorder on SQLite), not how fast anything is.
"""

from __future__ import annotations

import math
import os

import pytest

UI_KEYS = {"ui.frame.p99_ms", "ui.frame_bare.p99_ms", "ui.frame.vs_bare_ratio",
           "ui.gui_cpu.percent", "ui.latency.p99_ms", "ui.startup.s", "ui.startup_bare.s",
           "ui.startup.vs_bare_ratio"}
SOAK_KEYS = {"soak.rss_growth.percent", "soak.rss_warm.MB", "soak.rss_end.MB",
             "soak.trend_history.MB", "soak.alarm_events"}


@pytest.fixture
def offscreen(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")


def test_ui_benchmark_reports_every_figure_on_a_small_workload(offscreen: None) -> None:
    from benchmarks import ui

    figures = ui.run(quick=True)
    assert figures.keys() >= UI_KEYS
    assert all(isinstance(v, float) and math.isfinite(v) and v > 0
               for v in figures.values()), figures
    assert figures["ui.frame.vs_bare_ratio"] == pytest.approx(
        figures["ui.frame.p99_ms"] / figures["ui.frame_bare.p99_ms"])
    assert figures["ui.startup.vs_bare_ratio"] == pytest.approx(
        figures["ui.startup.s"] / figures["ui.startup_bare.s"])
    assert figures["ui.gui_cpu.percent"] <= 100 * (os.cpu_count() or 1)


def test_ui_benchmark_keeps_only_the_figures_asked_for(offscreen: None) -> None:
    from benchmarks import ui

    figures = ui.run(only="ui.latency", quick=True)
    assert set(figures) == {"ui.latency.p99_ms", "ui.latency.p50_ms"}


def test_soak_benchmark_reports_memory_growth_on_a_small_workload() -> None:
    from benchmarks import soak

    figures = soak.run(quick=True)
    assert figures.keys() >= SOAK_KEYS
    assert all(math.isfinite(v) for v in figures.values()), figures
    assert figures["soak.rss_growth.percent"] == pytest.approx(
        (figures["soak.rss_end.MB"] / figures["soak.rss_warm.MB"] - 1) * 100)
    assert figures["soak.simulated_h"] == pytest.approx(1 / 3)
    assert figures["soak.trend_history.MB"] > 0
    assert figures["soak.alarm_events"] >= 1


def test_overview_benchmark_reports_16_and_48_rooms_against_a_bare_window(
        offscreen: None) -> None:
    from benchmarks._overview_frames import overview_frames

    figures = overview_frames(frames=12)
    for rooms in (16, 48):
        key = f"rooms.overview{rooms}"
        assert figures[f"{key}.cards"] == 16  # 48 rooms are three pages of 16
        for figure in ("frame.p99_ms", "full_repaint.p99_ms", "bare.frame.p99_ms",
                       "bare.full_repaint.p99_ms"):
            assert figures[f"{key}.{figure}"] > 0
        assert figures[f"{key}.frame.vs_bare_ratio"] == pytest.approx(
            figures[f"{key}.frame.p99_ms"] / figures[f"{key}.bare.frame.p99_ms"])
