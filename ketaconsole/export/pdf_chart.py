"""The vitals trend chart of the PDF record, drawn with reportlab's own graphics (no Qt).

Drawn as an anaesthesia record: SpO2 on its own 80-100 band; heart (or pulse) rate as a
line and blood pressure as chevrons (systolic down, diastolic up) on a shared 0-200
band; the infusion as a bar while it ran, with its start, pause, resume and stop marked,
under the pump's rate as steps; time labels every 5 or 10 minutes. Event
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
from reportlab.pdfbase.pdfmetrics import stringWidth

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
         "adverse_event": ("E", colors.HexColor("#5b2c6f"))}
VITALS_RANGE = (0.0, 200.0)
SPO2_RANGE = (80.0, 100.0)
INFUSION_FILL = colors.HexColor("#a9dfbf")
INFUSION_MARK = colors.HexColor("#145a32")
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


def _grid(drawing: Drawing, frame: _Frame, ticks: list[float], *,
          label_bottom: bool = True) -> None:
    """A band's frame and grid; its bottom tick unlabelled where a band sits just below
    (so the two bands' labels never touch)."""
    drawing.add(Rect(frame.left, frame.bottom, frame.width, frame.height,
                     strokeColor=colors.black, strokeWidth=0.5, fillColor=None))
    for index, value in enumerate(ticks):
        y = float(frame.y(value))
        drawing.add(Line(frame.left, y, frame.left + frame.width, y, strokeColor=GRID,
                         strokeWidth=0.3))
        if index == 0 and not label_bottom:
            continue
        drawing.add(String(frame.left - 3, y - 2.5, f"{value:g}", fontSize=6.5,
                           textAnchor="end", fontName="Helvetica"))


def _time_ticks(t0: float, t1: float) -> list[float]:
    """Every 5 or 10 minutes as an anaesthesia record has them (coarser only for long
    sessions, so the labels never crowd)."""
    span = t1 - t0
    step = next((s for s in (300, 600, 900, 1800, 3600, 7200) if span / s <= 16), 14400)
    first = (int(t0) // step + 1) * step
    return [float(t) for t in range(first, int(t1) + 1, step)]


def _hr_series(record: SessionRecord) -> tuple[Series | None, str]:
    for refid in ("MDC_ECG_HEART_RATE", "MDC_PULS_OXIM_PULS_RATE"):
        series = record.series.get(refid)
        if series is not None and not np.all(np.isnan(series.values)):
            return series, CATALOGUE[refid].short
    return None, "HR"


def _band_title(drawing: Drawing, frame: _Frame, text: str) -> None:
    """A band's name inside its top-left corner, clear of the tick labels."""
    drawing.add(Rect(frame.left + 1, frame.bottom + frame.height - 9, len(text) * 3.3 + 4, 8,
                     fillColor=colors.white, strokeColor=None))
    drawing.add(String(frame.left + 3, frame.bottom + frame.height - 7, text, fontSize=6,
                       fontName="Helvetica-Bold"))


def _bp_arrows(drawing: Drawing, frame: _Frame, record: SessionRecord) -> None:
    """Each NIBP reading as the record draws it: a down-pointing chevron at systolic, an
    up-pointing one at diastolic, joined by a thin line."""
    systolic = record.series.get(NIBP_SYS)
    diastolic = record.series.get(NIBP_DIA)
    if systolic is None:
        return
    for at, value in zip(systolic.times.tolist(), systolic.values.tolist(), strict=True):
        if np.isnan(value) or not frame.t0 <= at <= frame.t1:
            continue
        low = diastolic.latest_before(at + 5.0, 10.0) if diastolic is not None else None
        x = float(frame.x(at))
        top = float(frame.y(value))
        drawing.add(PolyLine([x - 2.5, top + 3.5, x, top, x + 2.5, top + 3.5],
                             strokeColor=BP_COLOUR, strokeWidth=0.9))
        if low is not None:
            bottom = float(frame.y(low))
            drawing.add(PolyLine([x - 2.5, bottom - 3.5, x, bottom, x + 2.5, bottom - 3.5],
                                 strokeColor=BP_COLOUR, strokeWidth=0.9))
            drawing.add(Line(x, bottom, x, top, strokeColor=BP_COLOUR, strokeWidth=0.3))


INFUSION_MARKS = {"infusion_start": "Start", "infusion_pause": "Pause",
                  "infusion_resume": "Resume", "infusion_stop": "Stop"}
"""The nurse's infusion steps, marked on the infusion band."""


def _infusion_band(drawing: Drawing, frame: _Frame, record: SessionRecord) -> None:
    """The infusion as a bar while it ran (open while paused) with its marks, and the
    pump's own rate as steps over it."""
    steps = [(e.at, e.kind) for e in record.events if e.kind in INFUSION_MARKS]
    running_since: float | None = None
    bar_bottom, bar_height = frame.bottom + 2, 7.0
    for at, step in [*steps, (frame.t1, "end")]:
        if running_since is not None and step in ("infusion_pause", "infusion_stop", "end"):
            x0, x1 = float(frame.x(running_since)), float(frame.x(min(at, frame.t1)))
            drawing.add(Rect(x0, bar_bottom, max(x1 - x0, 0.5), bar_height,
                             fillColor=INFUSION_FILL, strokeColor=None))
            running_since = None
        if step in ("infusion_start", "infusion_resume"):
            running_since = at
    for index, (at, step) in enumerate(steps):
        x = float(frame.x(at))
        drawing.add(Line(x, frame.bottom, x, frame.bottom + frame.height - 10,
                         strokeColor=INFUSION_MARK, strokeWidth=0.6))
        drawing.add(String(x + 1.5, bar_bottom + bar_height + 2 + (index % 2) * 7,
                           INFUSION_MARKS[step], fontSize=5.5, fontName="Helvetica",
                           fillColor=INFUSION_MARK))


def trend_chart(record: SessionRecord, width: float, height: float = 250.0) -> Drawing:
    """The session as an anaesthesia record: SpO2 on its own 80-100 band; heart rate and
    blood pressure (chevrons) on a shared 0-200 band; the infusion as a bar with its
    start, pause, resume and stop under the pump's rate; time every 5 or 10 minutes."""
    drawing = Drawing(width, height)
    t0 = record.started_at
    t1 = max(record.end_time, t0 + 60.0)
    left = 40.0
    plot_width = width - left - 8
    legend_height, axis_height, gap = 32.0, 14.0, 6.0
    pump_height = 46.0
    spo2_height = 52.0
    vitals_height = height - legend_height - axis_height - pump_height - spo2_height - 2 * gap
    pump = _Frame(left, axis_height, plot_width, pump_height, t0, t1, 0.0, 10.0)
    vitals = _Frame(left, pump.bottom + pump_height + gap, plot_width, vitals_height,
                    t0, t1, *VITALS_RANGE)
    spo2_band = _Frame(left, vitals.bottom + vitals_height + gap, plot_width, spo2_height,
                       t0, t1, *SPO2_RANGE)
    rates = record.series.get(PUMP_RATE)
    top_rate = 10.0
    if rates is not None and np.any(~np.isnan(rates.values)):
        highest = float(np.nanmax(rates.values)) * 1.1
        step = next((s for s in (10.0, 20.0, 50.0, 100.0, 200.0, 500.0) if highest / s <= 5),
                    1000.0)
        top_rate = max(10.0, math.ceil(highest / step) * step)
    pump = _Frame(left, axis_height, plot_width, pump_height, t0, t1, 0.0, top_rate)
    _grid(drawing, spo2_band, [80, 85, 90, 95, 100], label_bottom=False)
    _grid(drawing, vitals, [0, 40, 80, 120, 160, 200], label_bottom=False)
    _grid(drawing, pump, [0, round(top_rate / 2), round(top_rate)])
    for tick in _time_ticks(t0, t1):
        x = float(vitals.x(tick))
        for frame in (spo2_band, vitals, pump):
            drawing.add(Line(x, frame.bottom, x, frame.bottom + frame.height,
                             strokeColor=GRID, strokeWidth=0.3))
        clock = datetime.fromtimestamp(tick, UTC).strftime("%H:%M")
        drawing.add(String(x, axis_height - 9, clock, fontSize=6.5, textAnchor="middle",
                           fontName="Helvetica"))
    _infusion_band(drawing, pump, record)
    hr, hr_label = _hr_series(record)
    if hr is not None:
        for run in reduce_series(hr, t0, t1, 30.0):
            drawing.add(_polyline(vitals, run, HR_COLOUR))
    spo2 = record.series.get("MDC_PULS_OXIM_SAT_O2")
    if spo2 is not None:
        for run in reduce_series(spo2, t0, t1, 30.0):
            drawing.add(_polyline(spo2_band, run, SPO2_COLOUR))
    _bp_arrows(drawing, vitals, record)
    if rates is not None:
        for run in reduce_series(rates, t0, t1, 60.0):
            drawing.add(_polyline(pump, run, PUMP_COLOUR, step=True))
    top = spo2_band.bottom + spo2_band.height
    letters: list[float] = []
    for event in record.events:
        mark = MARKS.get(event.kind)
        if mark is None or not t0 <= event.at <= t1:
            continue
        if event.kind == "alarm" and event.payload.get("kind") not in (None, "started"):
            continue
        letter, colour = mark
        x = float(vitals.x(event.at))
        drawing.add(Line(x, vitals.bottom, x, top, strokeColor=colour, strokeWidth=0.4,
                         strokeDashArray=[1.5, 1.5]))
        raised = 0 if not letters or x - letters[-1] > 6 else 7  # two marks side by side
        letters.append(x if raised == 0 else letters[-1])
        # side by side: a letter's width (at most 4.4 pt) and a gap apart, on any time scale
        drawing.add(String(x + (5.5 if raised else 0), top + 2, letter, fontSize=6,
                           textAnchor="middle", fillColor=colour,
                           fontName="Helvetica-Bold"))
    _band_title(drawing, spo2_band, "SpO2 %")
    _band_title(drawing, vitals, f"{hr_label} /min, NIBP mmHg")
    _band_title(drawing, pump, "Infusion, pump mL/h")
    legend = [(hr_label, HR_COLOUR), ("SpO2", SPO2_COLOUR),
              ("NIBP (v systolic, ^ diastolic)", BP_COLOUR), ("Pump rate", PUMP_COLOUR),
              ("Infusion running", INFUSION_FILL)] + [
        (f"{letter} {name}", colour) for name, (letter, colour) in
        (("alarm", MARKS["alarm"]), ("rescue med", MARKS["rescue_medication"]),
         ("scale", MARKS["scale"]), ("note", MARKS["annotation"]),
         ("adverse event", MARKS["adverse_event"]))]
    x = left
    y = height - 9  # above the event letters, which sit just over the top band
    for text, colour in legend:
        shown = text.replace("\u2082", "2")
        needed = 15 + stringWidth(shown, "Helvetica", 6.5)
        if x + needed > width and x > left:  # the legend wraps, never runs off the page
            x, y = left, y - 9
        drawing.add(Rect(x, y + 1, 8, 3, fillColor=colour, strokeColor=None))
        drawing.add(String(x + 11, y, shown, fontSize=6.5, fontName="Helvetica"))
        x += needed
    return drawing
