"""The session trend draws a reduced long trend without losing a dip, a gap or the marks."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from ketaconsole.catalogue import NIBP_DIA, NIBP_SYS, PULSE_RATE, SPO2
from ketaconsole.live.engine import Engine
from ketaconsole.live.metric_sources import MetricSources, SourceDevice
from ketaconsole.sdk import DeviceKind
from ui.monitor.trend_view import TrendView

FOUR_HOURS = 14_400
START = 1_795_000_000.0
DIP_AT = 9_001
GAP = range(12_000, 12_120)
MONITOR = "monitor"


def _four_hour_engine() -> Engine:
    engine = Engine()
    rng = np.random.default_rng(11)
    for s in range(FOUR_HOURS):
        spo2: float | None = float(round(97 + rng.normal(0, 1)))
        if s == DIP_AT:
            spo2 = 72.0
        if s in GAP:
            spo2 = None
        engine.trends.append(SPO2.refid, MONITOR, START + s, spo2)
        engine.trends.append(PULSE_RATE.refid, MONITOR, START + s, 74.0)
        if s % 600 == 0:
            engine.trends.append(NIBP_SYS.refid, MONITOR, START + s, 122.0)
            engine.trends.append(NIBP_DIA.refid, MONITOR, START + s, 78.0)
    return engine


def _shown(qtbot: QtBot, engine: Engine) -> TrendView:
    view = TrendView(engine)
    qtbot.addWidget(view)
    view.resize(1100, 600)
    view.show()
    qtbot.waitExposed(view)
    view.refresh(START + FOUR_HOURS)
    return view


def test_a_long_trend_is_drawn_with_few_points_and_its_one_sample_dip(qtbot: QtBot) -> None:
    view = _shown(qtbot, _four_hour_engine())
    x, y = view.curve("spo2").getData()
    assert x is not None and y is not None
    assert x.size < FOUR_HOURS / 3
    assert np.nanmin(y) == 72.0
    assert x[np.nanargmin(y)] == START + DIP_AT


def test_invalid_values_stay_a_gap_in_the_drawn_trend(qtbot: QtBot) -> None:
    view = _shown(qtbot, _four_hour_engine())
    x, y = view.curve("spo2").xData, view.curve("spo2").yData
    inside = (x > START + GAP.start) & (x < START + GAP.stop - 1)
    assert np.all(np.isnan(y[inside]))
    assert np.isnan(y[np.searchsorted(x, START + GAP.start)])


def test_new_samples_extend_the_drawn_trend_one_plot_a_frame(qtbot: QtBot) -> None:
    engine = _four_hour_engine()
    view = _shown(qtbot, engine)
    engine.trends.append(SPO2.refid, MONITOR, START + FOUR_HOURS, 61.0)
    engine.trends.append(PULSE_RATE.refid, MONITOR, START + FOUR_HOURS, 140.0)
    view.refresh(START + FOUR_HOURS + 1)
    assert view.curve("spo2").yData[-1] == 61.0
    assert view.curve("pulse").yData[-1] == 74.0  # its plot's turn is the next frame
    view.refresh(START + FOUR_HOURS + 1.03)
    assert view.curve("pulse").yData[-1] == 140.0


def test_nibp_readings_are_bars_and_the_infusion_start_is_marked(qtbot: QtBot) -> None:
    view = _shown(qtbot, _four_hour_engine())
    bars = view.bp_bars.opts
    assert len(bars["x"]) == FOUR_HOURS // 600
    assert bars["y"][0] == 100.0 and bars["top"][0] == 22.0
    view.set_marks([(START + 600, "infusion start")])
    lines = [item for item in view.plots["spo2"].items if isinstance(item, pg.InfiniteLine)]
    assert [line.value() for line in lines] == [START + 600]
    assert lines[0].label is not None and lines[0].label.format == "infusion start"


def test_two_devices_measuring_spo2_keep_a_line_each_and_are_named(qtbot: QtBot) -> None:
    engine = Engine()
    engine.sources = MetricSources([SourceDevice("monitor", "Patient monitor", DeviceKind.MONITOR),
                                    SourceDevice("oximeter", "Pulse oximeter",
                                                 DeviceKind.OXIMETER)])
    for s in range(600):
        engine.trends.append(SPO2.refid, "monitor", START + s, 98.0)
        engine.trends.append(SPO2.refid, "oximeter", START + s + 0.5, 85.0)
    view = TrendView(engine)
    qtbot.addWidget(view)
    view.resize(1100, 600)
    view.show()
    qtbot.waitExposed(view)
    view.refresh(START + 600)
    oximeter, monitor = view.curve("spo2"), view.curve("spo2", "monitor")
    assert set(oximeter.yData.tolist()) == {85.0}  # no zig-zag between the two
    assert set(monitor.yData.tolist()) == {98.0}
    assert oximeter.opts["pen"].style() == Qt.PenStyle.SolidLine  # the dedicated device
    assert monitor.opts["pen"].style() == Qt.PenStyle.DashLine
    assert view.caption.text() == "SpO\u2082: solid Pulse oximeter, dashed Patient monitor"


def test_the_next_patients_trend_starts_empty_once_the_session_ends(qtbot: QtBot) -> None:
    engine = _four_hour_engine()
    view = _shown(qtbot, engine)
    assert view.curve("spo2").xData is not None
    engine.trends.start_afresh()
    view.refresh(START + FOUR_HOURS + 5)
    assert not view.plots["spo2"].listDataItems(), "the last patient's lines are gone"
    assert len(view.bp_bars.opts["x"]) == 0
    engine.trends.append(SPO2.refid, MONITOR, START + FOUR_HOURS + 10, 97.0)
    view.refresh(START + FOUR_HOURS + 11)
    _, y = view.curve("spo2").getData()
    assert y is not None and list(y) == [97.0]
