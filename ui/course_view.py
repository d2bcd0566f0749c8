"""The course view: one screen per patient that says at a glance whether the treatment works.

Plots, per visit or per infusion: PHQ-9 (and MADRS) with the response (50 % of the
baseline) and remission (PHQ-9 below 5) lines; the dose in mg/kg against the
prescriber's approved range; peak systolic BP, lowest SpO2 and peak CADSS-6. Beside
them: the course's state, the assessment, rescue medication and adverse events, and
when the next infusion is due. It shows a :class:`CourseSummary` read off the GUI thread.
"""

from __future__ import annotations

import time
from datetime import datetime
from html import escape

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QLabel, QVBoxLayout, QWidget

from ketaconsole.course.summary import CourseSummary
from ui import theme

PHQ9_COLOUR = "#60a5fa"
MADRS_COLOUR = "#c084fc"
DOSE_COLOUR = "#4ade80"
SBP_COLOUR = "#f87171"
SPO2_COLOUR = "#38bdf8"
CADSS_COLOUR = "#fbbf24"


def _date(at: float | None) -> str:
    return datetime.fromtimestamp(at).strftime("%d %b %Y") if at else "-"


def _plot(title: str, left: str) -> pg.PlotWidget:
    plot = pg.PlotWidget(background=theme.PANEL)
    plot.setTitle(title, color=theme.TEXT, size="11pt")
    plot.setLabel("left", left, color=theme.MUTED)
    plot.setLabel("bottom", "infusion / visit", color=theme.MUTED)
    plot.addLegend(offset=(-10, 10), labelTextColor=theme.TEXT)
    plot.showGrid(y=True, alpha=0.2)
    plot.setMouseEnabled(x=False, y=False)
    plot.setMinimumHeight(170)
    plot.getAxis("left").enableAutoSIPrefix(False)
    plot.getAxis("bottom").setTickSpacing(1, 1)
    return plot


class CourseView(QWidget):
    """The plots and lists of one patient's course."""

    def __init__(self, summary: CourseSummary, parent: QWidget | None = None, *,
                 now: float | None = None) -> None:
        super().__init__(parent)
        self.summary = summary
        self.now = time.time() if now is None else now
        self.setWindowTitle(f"Course: {summary.patient.name}")
        column = QVBoxLayout(self)
        self.heading = QLabel(self._heading())
        self.heading.setFont(theme.font(17, bold=True))
        self.heading.setWordWrap(True)
        column.addWidget(self.heading)
        grid = QGridLayout()
        column.addLayout(grid, 1)
        self.scores = _plot("PHQ-9 per visit", "score")
        self.dose = _plot("Dose per infusion", "mg/kg")
        self.vitals = _plot("Peak systolic BP, lowest SpO2", "mmHg / %")
        self.dissociation = _plot("Peak CADSS-6", "score")
        for index, plot in enumerate((self.scores, self.dose, self.vitals, self.dissociation)):
            grid.addWidget(plot, index // 2, index % 2)
        self.events = QLabel(self._events_html())
        self.events.setTextFormat(Qt.TextFormat.RichText)
        self.events.setWordWrap(True)
        column.addWidget(self.events)
        self.series: dict[str, tuple[list[float], list[float]]] = {}
        self.lines: dict[str, float] = {}
        self._draw()

    def _heading(self) -> str:
        s = self.summary
        due = s.next_infusion_due()
        mrn = f" \u00b7 MRN {s.patient.mrn}" if s.patient.mrn else ""
        when = "-" if due is None else _date(due) + (" (overdue)" if due < self.now else "")
        return f"{s.patient.name}{mrn} \u00b7 {s.state()} \u00b7 next infusion due {when}"

    def _curve(self, plot: pg.PlotWidget, name: str, xs: list[float], ys: list[float],
               colour: str) -> None:
        self.series[name] = (xs, ys)
        plot.plot(xs, ys, pen=pg.mkPen(colour, width=2), symbol="o", symbolSize=8,
                  symbolBrush=colour, name=name)

    def _level(self, plot: pg.PlotWidget, name: str, value: float, colour: str) -> None:
        self.lines[name] = value
        line = pg.InfiniteLine(pos=value, angle=0, pen=pg.mkPen(colour, width=1,
                                                                style=Qt.PenStyle.DashLine),
                               label=f"{name} {value:g}",
                               labelOpts={"color": colour, "position": 0.08,
                                          "anchors": [(0, 1), (0, 1)]})
        plot.addItem(line)

    def _draw(self) -> None:
        s = self.summary
        visits = [v for v in s.visits if v.phq9 is not None]
        self._curve(self.scores, "PHQ-9", list(range(1, len(visits) + 1)),
                    [float(v.phq9) for v in visits if v.phq9 is not None], PHQ9_COLOUR)
        madrs = [(i, v.madrs) for i, v in enumerate(s.visits, start=1) if v.madrs is not None]
        if madrs:
            self._curve(self.scores, "MADRS", [float(i) for i, _ in madrs],
                        [float(m) for _, m in madrs], MADRS_COLOUR)
        if s.response_line is not None:
            self._level(self.scores, "response", s.response_line, "#a3e635")
        self._level(self.scores, "remission", s.remission_line, "#22d3ee")
        self.scores.setYRange(0, 27)
        infusions = s.infusions
        xs = [float(i) for i in range(1, len(infusions) + 1)]
        self._curve(self.dose, "mg/kg", xs, [float(x.mg_per_kg or 0) for x in infusions],
                    DOSE_COLOUR)
        if s.assessment is not None:
            self._level(self.dose, "approved max", s.assessment.dose_max_mg_per_kg, "#f87171")
            self._level(self.dose, "approved min", s.assessment.dose_min_mg_per_kg, "#94a3b8")
            self.dose.setYRange(s.assessment.dose_min_mg_per_kg - 0.05,
                                s.assessment.dose_max_mg_per_kg + 0.08)
        for name, values, colour in (
                ("peak SBP", [x.peak_systolic for x in infusions], SBP_COLOUR),
                ("lowest SpO2", [x.lowest_spo2 for x in infusions], SPO2_COLOUR)):
            pairs = [(x, v) for x, v in zip(xs, values, strict=True) if v is not None]
            self._curve(self.vitals, name, [p[0] for p in pairs], [p[1] for p in pairs], colour)
        alarms = [x for x, line in zip(xs, infusions, strict=True) if line.bp_alarm]
        if alarms:
            self.series["BP alarm"] = (alarms, [1.0] * len(alarms))
            for x in alarms:
                self.vitals.addItem(pg.InfiniteLine(
                    pos=x, angle=90, pen=pg.mkPen(theme.ALARM_MEDIUM, width=1),
                    label="BP alarm", labelOpts={"color": theme.ALARM_MEDIUM,
                                                 "position": 0.9}))
        cadss = [(x, line.peak_cadss6) for x, line in zip(xs, infusions, strict=True)
                 if line.peak_cadss6 is not None]
        self._curve(self.dissociation, "CADSS-6", [p[0] for p in cadss],
                    [float(p[1]) for p in cadss if p[1] is not None], CADSS_COLOUR)

    def _events_html(self) -> str:
        s = self.summary
        items: list[str] = []
        for number, line in enumerate(s.infusions, start=1):
            for drug in line.rescue_medications:
                items.append(f"infusion {number}: rescue medication {escape(drug)}")
            for event in line.adverse_events:
                items.append(f"infusion {number}: adverse event {escape(event)}")
        assessed = "not assessed"
        if s.assessment is not None:
            a = s.assessment
            flagged = ", ".join(a.flagged) or "nothing flagged"
            assessed = (f"{'approved' if a.approved else 'not approved'} by "
                        f"{escape(a.prescriber)} on {_date(a.assessed_at)}, "
                        f"{a.dose_min_mg_per_kg:g}-{a.dose_max_mg_per_kg:g} mg/kg, "
                        f"until {a.expires()}; {escape(flagged)}")
        events = "; ".join(items) or "none recorded"
        return (f"<p><b>Eligibility:</b> {assessed}</p>"
                f"<p><b>Rescue medication and adverse events:</b> {events}</p>")
