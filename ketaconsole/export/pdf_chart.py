"""The vitals trend chart of the PDF record, drawn with reportlab's own graphics (no Qt).

Top panel: heart (or pulse) rate and SpO2 as lines, blood pressure as a bar from
diastolic to systolic at each reading. Bottom panel: the pump rate as steps. Event
marks (alarms, rescue medication, scales, notes) are thin vertical lines with a letter
above both panels. Long series are reduced to the lowest and highest value per column
so a 4-hour session keeps its peaks; a pause in the data is a gap, not a joining line.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import numpy.typing as npt
from reportlab.graphics.shapes import Drawing, Line, PolyLine, Rect, String
from reportlab.lib import colors

from ketaconsole.catalogue import CATALOGUE
from ketaconsole.export.record import Series, SessionRecord
from ketaconsole.export.summary import NIBP_DIA, NIBP_SYS, PUMP_RATE

HR_COLOUR = colors.HexColor("#c0392b")
SPO2_COLOUR = colors.HexColor("#1f6fb2")
BP_COLOUR = colors.HexColor("#222222")
PUMP_COLOUR = colors.HexColor("#1e8449")
GRID = colors.HexColor("#d0d0d0")
MARKS = {"alarm": ("A", colors.HexColor("#d35400")),
         "rescue_medication": ("R", colors.HexColor("#8e44ad")),
         "scale": ("S", colors.HexColor("#16a085")),
         "annotation": ("N", colors.HexColor("#7f8c8d")),
         "adverse_event": ("E", colors.HexColor("#c0392b"))}
VITALS_RANGE = (0.0, 200.0)
COLUMNS = 400
"""Columns the time axis is reduced to (about one per 1.3 points of width)."""


@dataclass(frozen=True, slots=True)
class _Frame:
    left: float
    bottom: float
    width: float
    height: float
    t0: float
    t1: float
    low: float
    high: float

    def x(self, at: npt.NDArray[np.float64] | float) -> npt.NDArray[np.float64] | float:
        return self.left + (at - self.t0) / (self.t1 - self.t0) * self.width

    def y(self, value: npt.NDArray[np.float64] | float) -> npt.NDArray[np.float64] | float:
        clipped = np.clip(value, self.low, self.high)
        return self.bottom + (clipped - self.low) / (self.high - self.low) * self.height


def reduce_series(series: Series, t0: float, t1: float,
                  gap_s: float) -> list[list[tuple[float, float]]]:
    """Runs of (time, value) points: per column the lowest and highest valid value."""
    valid = ~np.isnan(series.values)
    times = series.times[valid]
    values = series.values[valid]
    if times.size == 0:
        return []
    column = ((times - t0) / max(t1 - t0, 1e-9) * COLUMNS).astype(np.int64)
    starts = np.flatnonzero(np.r_[True, np.diff(column) != 0])
    lows = np.minimum.reduceat(values, starts)
    highs = np.maximum.reduceat(values, starts)
    firsts = times[starts]
    lasts = times[np.r_[starts[1:] - 1, times.size - 1]]
    runs: list[list[tuple[float, float]]] = [[]]
    previous_last: float | None = None
    for first, last, low, high in zip(firsts.tolist(), lasts.tolist(), lows.tolist(),
                                      highs.tolist(), strict=True):
        if previous_last is not None and first - previous_last > gap_s:
            runs.append([])
        runs[-1].append((first, low))
        if high != low:
            runs[-1].append((last, high))
        previous_last = last
    return [run for run in runs if run]


def _polyline(frame: _Frame, run: list[tuple[float, float]], colour: colors.Color,
              step: bool = False) -> PolyLine:
    points: list[float] = []
    previous_y: float | None = None
    for at, value in run:
        x, y = float(frame.x(at)), float(frame.y(value))
        if step and previous_y is not None:
            points.extend((x, previous_y))
        points.extend((x, y))
        previous_y = y
    return PolyLine(points, strokeColor=colour, strokeWidth=0.7)


def _grid(drawing: Drawing, frame: _Frame, ticks: list[float]) -> None:
    drawing.add(Rect(frame.left, frame.bottom, frame.width, frame.height,
                     strokeColor=colors.black, strokeWidth=0.5, fillColor=None))
    for value in ticks:
        y = float(frame.y(value))
        drawing.add(Line(frame.left, y, frame.left + frame.width, y, strokeColor=GRID,
                         strokeWidth=0.3))
        drawing.add(String(frame.left - 3, y - 2.5, f"{value:g}", fontSize=6.5,
                           textAnchor="end", fontName="Helvetica"))


def _time_ticks(t0: float, t1: float) -> list[float]:
    span = t1 - t0
    step = next((s for s in (300, 600, 900, 1800, 3600, 7200) if span / s <= 9), 14400)
    first = (int(t0) // step + 1) * step
    return [float(t) for t in range(first, int(t1) + 1, step)]


def _hr_series(record: SessionRecord) -> tuple[Series | None, str]:
    for refid in ("MDC_ECG_HEART_RATE", "MDC_PULS_OXIM_PULS_RATE"):
        series = record.series.get(refid)
        if series is not None and not np.all(np.isnan(series.values)):
            return series, CATALOGUE[refid].short
    return None, "HR"


def trend_chart(record: SessionRecord, width: float, height: float = 250.0) -> Drawing:
    drawing = Drawing(width, height)
    t0 = record.started_at
    t1 = max(record.end_time, t0 + 60.0)
    left = 40.0
    plot_width = width - left - 8
    pump_height = 50.0
    legend_height = 14.0
    vitals = _Frame(left, pump_height + 34, plot_width,
                    height - pump_height - 34 - legend_height - 12, t0, t1, *VITALS_RANGE)
    rates = record.series.get(PUMP_RATE)
    top_rate = 10.0
    if rates is not None and np.any(~np.isnan(rates.values)):
        highest = float(np.nanmax(rates.values)) * 1.1
        step = next((s for s in (10.0, 20.0, 50.0, 100.0, 200.0, 500.0) if highest / s <= 5),
                    1000.0)
        top_rate = max(10.0, math.ceil(highest / step) * step)
    pump = _Frame(left, 18, plot_width, pump_height, t0, t1, 0.0, top_rate)
    _grid(drawing, vitals, [0, 50, 100, 150, 200])
    _grid(drawing, pump, [0, round(top_rate / 2), round(top_rate)])
    drawing.add(String(4, vitals.bottom + vitals.height + 4, "/min, %, mmHg",
                       fontSize=6.5, fontName="Helvetica"))
    drawing.add(String(4, pump.bottom + pump.height + 4, "Pump mL/h", fontSize=6.5,
                       fontName="Helvetica"))
    for tick in _time_ticks(t0, t1):
        x = float(vitals.x(tick))
        for frame in (vitals, pump):
            drawing.add(Line(x, frame.bottom, x, frame.bottom + frame.height,
                             strokeColor=GRID, strokeWidth=0.3))
        clock = datetime.fromtimestamp(tick, UTC).strftime("%H:%M")
        drawing.add(String(x, 8, clock, fontSize=6.5, textAnchor="middle",
                           fontName="Helvetica"))
    hr, hr_label = _hr_series(record)
    if hr is not None:
        for run in reduce_series(hr, t0, t1, 30.0):
            drawing.add(_polyline(vitals, run, HR_COLOUR))
    spo2 = record.series.get("MDC_PULS_OXIM_SAT_O2")
    if spo2 is not None:
        for run in reduce_series(spo2, t0, t1, 30.0):
            drawing.add(_polyline(vitals, run, SPO2_COLOUR))
    systolic = record.series.get(NIBP_SYS)
    diastolic = record.series.get(NIBP_DIA)
    if systolic is not None and diastolic is not None:
        for at, value in zip(systolic.times.tolist(), systolic.values.tolist(), strict=True):
            if np.isnan(value):
                continue
            low = diastolic.latest_before(at + 5.0, 10.0)
            x = float(vitals.x(at))
            top = float(vitals.y(value))
            bottom = float(vitals.y(low)) if low is not None else top
            drawing.add(Line(x, bottom, x, top, strokeColor=BP_COLOUR, strokeWidth=1.6))
            for y in (top, bottom):
                drawing.add(Line(x - 2, y, x + 2, y, strokeColor=BP_COLOUR, strokeWidth=0.8))
    if rates is not None:
        for run in reduce_series(rates, t0, t1, 60.0):
            drawing.add(_polyline(pump, run, PUMP_COLOUR, step=True))
    for event in record.events:
        mark = MARKS.get(event.kind)
        if mark is None or not t0 <= event.at <= t1:
            continue
        if event.kind == "alarm" and event.payload.get("kind") not in (None, "started"):
            continue
        letter, colour = mark
        x = float(vitals.x(event.at))
        drawing.add(Line(x, pump.bottom, x, vitals.bottom + vitals.height,
                         strokeColor=colour, strokeWidth=0.4, strokeDashArray=[1.5, 1.5]))
        drawing.add(String(x, vitals.bottom + vitals.height + 2, letter, fontSize=6,
                           textAnchor="middle", fillColor=colour, fontName="Helvetica-Bold"))
    legend = [(hr_label, HR_COLOUR), ("SpO2", SPO2_COLOUR), ("NIBP (dia-sys)", BP_COLOUR),
              ("Pump rate", PUMP_COLOUR)] + [
        (f"{letter} {name}", colour) for name, (letter, colour) in
        (("alarm", MARKS["alarm"]), ("rescue med", MARKS["rescue_medication"]),
         ("scale", MARKS["scale"]), ("note", MARKS["annotation"]),
         ("adverse event", MARKS["adverse_event"]))]
    x = left
    y = height - legend_height + 2
    for text, colour in legend:
        drawing.add(Rect(x, y + 1, 8, 3, fillColor=colour, strokeColor=None))
        drawing.add(String(x + 11, y, text.replace("\u2082", "2"), fontSize=6.5,
                           fontName="Helvetica"))
        x += 15 + len(text) * 3.4
    return drawing
