"""The whole-session trend: SpO2, pulse/heart rate and NIBP bars on one time axis, with marks.

Trends change once a second at most, so they redraw only when the history changed and
no more than once a second. A long session is drawn reduced to two to four points a
pixel (each time bucket's lowest and highest sample, so no peak is lost; see
``ketaconsole.live.trend_decimation``), extended as samples arrive rather than redone, and
gaps (invalid values) stay gaps. Each device keeps its own line of a metric (a monitor's
SpO2 and an oximeter's never join into one zig-zag): the primary device's is solid, any
other's dashed, and a caption beside the title says which device is which.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout

from ketaconsole.catalogue import (
    CATALOGUE,
    HEART_RATE,
    NIBP_DIA,
    NIBP_SYS,
    PULSE_RATE,
    PUMP_RATE,
    SPO2,
)
from ketaconsole.live.engine import Engine
from ketaconsole.live.trend_decimation import DecimatedTrend, bucket_seconds
from ui import theme
from ui.widgets.chart_text import CHART_PX, chart_tick_width, size_chart_text
from ui.widgets.elided_label import ElidedLabel
from ui.widgets.type_scale import restyle, scaled_px

REDRAW_EVERY_S = 1.0
"""A plot shorter than this has no room for its rotated axis title."""
RANGE_STEPS = 500
UNSHOWN_WIDTH_PX = 1000
"""Pixels assumed for the time axis before the plot has been laid out."""
CURVES = (("spo2", SPO2.refid, "spo2"), ("pulse", PULSE_RATE.refid, "rate"),
          ("hr", HEART_RATE.refid, "rate"), ("pump", PUMP_RATE.refid, "pump"))
"""Each curve's key, its metric and the plot it is drawn on."""
STEPS = (("spo2",), ("pulse", "hr"), ("pump",))
"""The curves redrawn together, one group a frame."""
_METRIC = {key: refid for key, refid, _ in CURVES}
_PLOT = {key: plot_key for key, _, plot_key in CURVES}


class _Line:
    """One device's line of one metric: its reduced samples and the curve drawing them."""

    def __init__(self, curve: pg.PlotDataItem, bucket_s: float) -> None:
        self.curve = curve
        self.reduced = DecimatedTrend(bucket_s)


class TrendView(QFrame):
    """Session trends pulled from the engine's history.

    With ``plots_now=False`` the panel is laid out empty and :meth:`build_plots` adds
    its four plots: the console window does it right after its first paint, when the
    session's trend is still empty, so that they do not hold up the first sight of the
    monitor.
    """

    def __init__(self, engine: Engine, *, plots_now: bool = True) -> None:
        super().__init__()
        self.setObjectName("panel")
        self.engine = engine
        self._drawn_version = -1
        self._drawn_session = engine.trends.session
        self._drawn_at = 0.0
        self._shown_range: tuple[float, float] | None = None
        self._start: float | None = None
        self._bucket_s = 0.0
        self._lines: dict[tuple[str, str], _Line] = {}
        self._bars_drawn = -1
        self._steps: list[Callable[[], None]] = []
        self._marks: list[tuple[pg.PlotItem, pg.InfiniteLine]] = []
        self._marked: list[tuple[float, str]] = []
        self._names: list[pg.TextItem] = []
        self._text_scale = 1.0
        self._names_sized = False
        title = QLabel("Session trend")
        title.setFont(theme.font(16, bold=True))
        self.canvas = pg.GraphicsLayoutWidget()
        self.canvas.setBackground(theme.PANEL)
        self.plots: dict[str, pg.PlotItem] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        heading = QHBoxLayout()
        heading.addWidget(title)
        self.caption = ElidedLabel("")
        self.caption.setFont(theme.font(13))
        restyle(self.caption, f"background: transparent; color: {theme.MUTED};")
        heading.addWidget(self.caption, 1)
        layout.addLayout(heading)
        layout.addWidget(self.canvas, 1)
        self.setAccessibleName("Session trend")
        if plots_now:
            self.build_plots()

    @property
    def built(self) -> bool:
        return bool(self.plots)

    def build_plots(self) -> None:
        """The four trend rows (SpO2, rates, BP, pump), their curves and bars (once)."""
        if self.built:
            return
        rows = (("spo2", "SpO\u2082 %", (80, 101)), ("rate", "PR /min", (30, 180)),
                ("bp", "BP mmHg", (40, 220)), ("pump", "mL/h", (0, 120)))
        first: pg.PlotItem | None = None
        for row, (key, label, (low, high)) in enumerate(rows):
            axis = pg.DateAxisItem(orientation="bottom")
            # no context menu: never built (it costs start-up time), never offered
            plot = self.canvas.addPlot(row=row, col=0, axisItems={"bottom": axis},
                                       enableMenu=False)
            # the row's name sits in its top-left corner, never dropped for want of height;
            # it has no background, so no sample is ever hidden under it
            name = pg.TextItem(label, color=theme.MUTED, anchor=(0, 0))
            name.setParentItem(plot.getViewBox())
            name.setPos(4, 0)
            self._names.append(name)
            plot.setYRange(low, high, padding=0)
            plot.setMouseEnabled(x=False, y=False)
            plot.hideButtons()
            plot.showGrid(x=True, y=True, alpha=0.15)
            if row < len(rows) - 1:
                plot.getAxis("bottom").setStyle(showValues=False)
            if first is None:
                first = plot
            else:
                plot.setXLink(first)
            self.plots[key] = plot
        self.bp_bars = pg.ErrorBarItem(x=np.empty(0), y=np.empty(0), top=np.empty(0),
                                       bottom=np.empty(0), beam=0,
                                       pen=pg.mkPen(theme.metric_colour(NIBP_SYS.refid),
                                                    width=3))
        self.plots["bp"].addItem(self.bp_bars)
        self.scale_charts(self._text_scale)
        self.set_marks(self._marked)

    def scale_charts(self, scale: float) -> None:
        """The rows' ticks and names at the window's text scale."""
        if scale == self._text_scale and self._names_sized:
            return
        self._text_scale = scale
        for plot in self.plots.values():
            size_chart_text(plot, scale)
            plot.getAxis("left").setWidth(chart_tick_width(scale))
        font = theme.font(scaled_px(CHART_PX, scale))
        for name in self._names:
            name.setFont(font)
        self._names_sized = bool(self._names)

    def refresh(self, now: float) -> None:
        """Once a second, take the new samples; then redraw one plot a frame.

        Each changed plot repaints on its own frame (the curves are ready at once), so
        no frame pays for the whole canvas; the very first drawing is done in one go.
        """
        if not self.built:
            return
        if self.engine.trends.session != self._drawn_session:
            self._start_afresh()
        if self._steps:
            self._steps.pop(0)()
            return
        version = self.engine.trends.version
        if version == self._drawn_version or now - self._drawn_at < REDRAW_EVERY_S:
            return
        first_drawing = self._drawn_version < 0
        self._drawn_version = version
        self._drawn_at = now
        self._steps = self._take_new_samples(now)
        while self._steps:
            self._steps.pop(0)()
            if not first_drawing:
                break

    def _start_afresh(self) -> None:
        """The session ended: every line, bar and mark of the last patient goes."""
        self._drawn_session = self.engine.trends.session
        for line in self._lines.values():
            for plot in self.plots.values():
                plot.removeItem(line.curve)
        self._lines.clear()
        none = np.empty(0)
        self.bp_bars.setData(x=none, y=none, top=none, bottom=none)
        self._bars_drawn = -1
        self._start = None
        self._steps = []
        self._drawn_version = -1
        self._drawn_at = 0.0
        self.caption.setText(self.sources_caption())

    def curve(self, key: str, device_id: str | None = None) -> pg.PlotDataItem:
        """The drawn line of curve ``key`` from ``device_id`` (the primary device's when
        ``None``); ``KeyError`` when that device has sent none."""
        if device_id is None:
            device_id = next(d for d in self._by_rank(_METRIC[key]) if (key, d) in self._lines)
        return self._lines[(key, device_id)].curve

    def _by_rank(self, refid: str) -> list[str]:
        """The devices with a trend of ``refid``, the primary first."""
        return self.engine.sources.ordered(refid, self.engine.trends.devices(refid))

    def _line(self, key: str, refid: str, plot_key: str, device_id: str) -> _Line:
        line = self._lines.get((key, device_id))
        if line is not None:
            return line
        plot = self.plots[plot_key]
        curve = plot.plot(pen=pg.mkPen(theme.metric_colour(refid), width=1),
                          connect="finite", stepMode="left" if key == "pump" else None,
                          antialias=False)
        curve.setClipToView(True)
        line = self._lines[(key, device_id)] = _Line(curve, self._bucket_s)
        self._name_lines(refid)
        return line

    def _name_lines(self, refid: str) -> None:
        """Solid for the primary device's line, dashed for the others; the caption names
        which device is which once a metric has more than one."""
        primary = self._by_rank(refid)[:1]
        colour = theme.metric_colour(refid)
        for (key, device_id), line in self._lines.items():
            if _METRIC[key] == refid:
                style = (pg.QtCore.Qt.PenStyle.SolidLine if [device_id] == primary
                         else pg.QtCore.Qt.PenStyle.DashLine)
                line.curve.setPen(pg.mkPen(colour, width=1, style=style))
        self.caption.setText(self.sources_caption())

    def sources_caption(self) -> str:
        """``"SpO₂, PR: solid Pulse oximeter, dashed Patient monitor"`` for each set of
        metrics that more than one device sends ("" when each has one device)."""
        shared: dict[tuple[str, ...], list[str]] = {}
        for _, refid, _ in CURVES:
            devices = self._by_rank(refid)
            if len(devices) > 1:
                shared.setdefault(tuple(devices), []).append(CATALOGUE[refid].short)
        label = self.engine.sources.label
        return "; ".join(
            f"{', '.join(names)}: solid {label(devices[0])}, dashed "
            f"{', '.join(label(d) for d in devices[1:])}" for devices, names in shared.items())

    def _take_new_samples(self, now: float) -> list[Callable[[], None]]:
        """Extend each device's reduced line with its new samples; the redraws this asks
        for."""
        trends = self.engine.trends
        fresh: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = {}
        for key, refid, plot_key in CURVES:
            for device_id in trends.devices(refid):
                line = self._line(key, refid, plot_key, device_id)
                fresh[(key, device_id)] = trends.since(refid, device_id, line.reduced.consumed)
                times = fresh[(key, device_id)][0]
                if times.size and line.reduced.consumed == 0:
                    first = float(times[0])
                    self._start = first if self._start is None else min(self._start, first)
        if self._start is not None:
            end = max(now, self._start + 60)
            bucket_s = bucket_seconds(end - self._start, self._time_axis_px())
            if bucket_s != self._bucket_s:
                self._bucket_s = bucket_s
                for (key, device_id), line in self._lines.items():
                    line.reduced.reset(bucket_s)
                    fresh[(key, device_id)] = trends.series(_METRIC[key], device_id)
        changed: set[str] = set()
        for (key, device_id), (times, values) in fresh.items():
            if times.size:
                self._lines[(key, device_id)].reduced.extend(times, values)
                changed.add(key)
        steps: list[Callable[[], None]] = []
        for keys in STEPS:
            if changed.intersection(keys):
                steps.append(functools.partial(self._draw_curves, keys))
        steps.append(self._draw_bars)
        if self._start is not None:
            steps.append(functools.partial(self._show_range, self._start,
                                           max(now, self._start + 60)))
        return steps

    def _draw_curves(self, keys: tuple[str, ...]) -> None:
        for (key, _), line in self._lines.items():
            if key in keys:
                line.curve.setData(*line.reduced.points())

    def _time_axis_px(self) -> int:
        width = int(self.plots["spo2"].getViewBox().width())
        return width if width > 0 else UNSHOWN_WIDTH_PX

    def _draw_bars(self) -> None:
        """NIBP bars, redrawn only when a reading came (a few a session-hour)."""
        trends = self.engine.trends
        cuffs = [d for d in self._by_rank(NIBP_SYS.refid)
                 if d in trends.devices(NIBP_DIA.refid)]
        if not cuffs:
            return
        cuff = cuffs[0]  # the primary blood-pressure device's readings
        count = min(trends.count(NIBP_SYS.refid, cuff), trends.count(NIBP_DIA.refid, cuff))
        if count == self._bars_drawn:
            return
        self._bars_drawn = count
        sys_t, sys_v = trends.series(NIBP_SYS.refid, cuff)
        _, dia_v = trends.series(NIBP_DIA.refid, cuff)
        low, high = dia_v[:count], sys_v[:count]
        valid = ~(np.isnan(low) | np.isnan(high))
        middle = (low + high) / 2
        self.bp_bars.setData(x=sys_t[:count][valid], y=middle[valid],
                             top=(high - middle)[valid], bottom=(middle - low)[valid])

    def _show_range(self, start: float, end: float) -> None:
        """Show start..end, the right edge moved on in steps of at most 1/500 of the span.

        Moving the time axis makes every axis and grid redraw, which costs several times
        a curve update; in steps (a power of two seconds) it happens every few seconds of
        a long session instead of every second, and the edge is never more than a pixel
        ahead of now.
        """
        step = 2.0 ** max(0, math.floor(math.log2(max(1.0, (end - start) / RANGE_STEPS))))
        end = math.ceil(end / step) * step
        if (start, end) != self._shown_range:
            self._shown_range = (start, end)
            self.plots["spo2"].setXRange(start, end, padding=0.01)

    def set_marks(self, marks: list[tuple[float, str]]) -> None:
        """Vertical event marks (time, short label) across every trend row."""
        self._marked = list(marks)
        for plot, line in self._marks:
            plot.removeItem(line)
        self._marks = []
        for at, label in marks:
            for key, plot in self.plots.items():
                line = pg.InfiniteLine(pos=at, angle=90,
                                       pen=pg.mkPen(theme.MUTED, width=1,
                                                    style=pg.QtCore.Qt.PenStyle.DashLine),
                                       label=label if key == "spo2" else None,
                                       # low in the row: the row's name is at its top
                                       labelOpts={"color": theme.TEXT, "position": 0.12})
                if label and key == "spo2":
                    line.label.setFont(theme.font(scaled_px(CHART_PX, self._text_scale)))
                plot.addItem(line)
                self._marks.append((plot, line))
