"""The course view: one screen per patient that says at a glance whether the treatment works.

Plots, per visit or per infusion: PHQ-9 (and MADRS) with the response (50 % of the
baseline) and remission (PHQ-9 below 5) lines; the dose in mg/kg against the
prescriber's approved range; peak systolic BP, lowest SpO2 and peak CADSS-6. Beside
them: the course's state, the safety flags (open ones in the alarm colour, each
acknowledgement with its prescriber and note; a prescriber logged in acknowledges one
here, with a note), the assessment, rescue medication and adverse events, and when the
next infusion is due. It shows a :class:`CourseSummary` read off the GUI thread.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from html import escape
from pathlib import Path

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ketaconsole.course.desk import CourseDesk
from ketaconsole.course.follow_ups import TITLES, answers_in_words
from ketaconsole.course.summary import CourseSummary
from ketaconsole.settings import exports_dir
from ui import theme
from ui.course.course_page import present
from ui.widgets.background import BackgroundCalls
from ui.widgets.chart_text import size_chart_text

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
    plot.setTitle(title, color=theme.TEXT)
    plot.setLabel("left", left, color=theme.MUTED)
    plot.setLabel("bottom", "infusion / visit", color=theme.MUTED)
    plot.addLegend(offset=(-10, 10), labelTextColor=theme.TEXT)
    plot.showGrid(y=True, alpha=0.2)
    plot.setMouseEnabled(x=False, y=False)
    plot.setMinimumHeight(170)
    plot.setMaximumHeight(260)  # the page scrolls rather than squeezing the text below
    plot.getAxis("left").enableAutoSIPrefix(False)
    plot.getAxis("bottom").setTickSpacing(1, 1)
    return plot


class CourseView(QWidget):
    """The plots and lists of one patient's course; with the course's door, its actions.

    Given a :class:`CourseDesk` (the guarded door), the view also records a follow-up
    and exports the course (PDF, FHIR), each checked and audited there, off the GUI
    thread; after a follow-up it reads the course again.
    """

    def __init__(self, summary: CourseSummary, parent: QWidget | None = None, *,
                 now: float | None = None, desk: CourseDesk | None = None,
                 export_folder: Callable[[], Path] = exports_dir) -> None:
        super().__init__(parent)
        self.summary = summary
        self.now = time.time() if now is None else now
        self._desk, self._export_folder = desk, export_folder
        self.follow_up: QWidget | None = None
        self.assessment: QWidget | None = None
        self.setWindowTitle(f"Course: {summary.patient.name}")
        column = QVBoxLayout(self)
        self.heading = QLabel(self._heading())
        self.heading.setFont(theme.font(17, bold=True))
        self.heading.setWordWrap(True)
        column.addWidget(self.heading)
        self.buttons: dict[str, QPushButton] = {}
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setObjectName("muted")
        if desk is not None:
            self.calls = BackgroundCalls(self)
            self.calls.done.connect(self._answered)
            self.calls.failed.connect(lambda error, _tag: self.message.setText(str(error)))
            row = QHBoxLayout()
            for key, text, act in (("assess", "Assess eligibility", self.open_assessment),
                                   ("follow_up", "Record a follow-up", self.open_follow_up),
                                   ("pdf", "Export course PDF", lambda: self.export("pdf")),
                                   ("fhir", "Export FHIR R4", lambda: self.export("fhir"))):
                button = QPushButton(text)
                button.clicked.connect(act)
                self.buttons[key] = button
                row.addWidget(button)
            row.addWidget(self.message, 1)
            column.addLayout(row)
        self.flags = QLabel("")
        self.flags.setTextFormat(Qt.TextFormat.RichText)
        self.flags.setWordWrap(True)
        column.addWidget(self.flags)
        self.flag_choice = QComboBox()
        self.flag_note = QLineEdit()
        self.flag_note.setPlaceholderText("what was done (a prescriber's note)")
        self.buttons["acknowledge"] = QPushButton("Acknowledge the flag")
        self.buttons["acknowledge"].clicked.connect(self.acknowledge)
        self.flag_row = QWidget()
        row = QHBoxLayout(self.flag_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.flag_choice)
        row.addWidget(self.flag_note, 1)
        row.addWidget(self.buttons["acknowledge"])
        column.addWidget(self.flag_row)
        self._show_flags()
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
        self._text_scale = 1.0
        self.series: dict[str, tuple[list[float], list[float]]] = {}
        self.lines: dict[str, float] = {}
        self._draw()

    # -- the actions (with the course's door) ---------------------------------------------

    def scale_charts(self, scale: float) -> None:
        """The plots' text at the window's text scale."""
        if scale != self._text_scale:
            self._text_scale = scale
            self._size_charts()

    def _size_charts(self) -> None:
        for plot in (self.scores, self.dose, self.vitals, self.dissociation):
            size_chart_text(plot.getPlotItem(), self._text_scale)

    def open_follow_up(self) -> None:
        """The follow-up form for this patient, on the Course page above the view."""
        from ui.course.follow_up_form import FollowUpForm

        assert self._desk is not None
        self.follow_up = FollowUpForm(self._desk, self.summary.patient,
                                      on_recorded=lambda _number: self.reload())
        present(self.follow_up, self)

    def open_assessment(self) -> None:
        """The eligibility assessment form (signed by the prescriber logged in)."""
        from ui.course.assessment_form import AssessmentForm

        assert self._desk is not None
        self.assessment = AssessmentForm(self._desk, self.summary.patient,
                                         on_signed=lambda _signed: self.reload())
        present(self.assessment, self)

    def acknowledge(self) -> None:
        """The prescriber logged in acknowledges the chosen open flag with the note typed
        (through the guarded door: anyone else is refused there, in one sentence)."""
        desk, flag_id = self._desk, self.flag_choice.currentData()
        if desk is None or flag_id is None:
            return
        note = self.flag_note.text()
        self.message.setText("acknowledging\u2026")

        def work() -> CourseSummary:
            desk.acknowledge_safety_flag(str(flag_id), note)
            return desk.course_of(self.summary.patient.patient_id)

        self.calls.run(work, "reload")

    def _show_flags(self) -> None:
        flags = self.summary.safety_flags
        if not flags:
            self.flags.setText("<p><b>Safety flags:</b> none raised</p>")
        else:
            lines = [f"<span style='color:{theme.ALARM_HIGH}'>"
                     f"{escape(f.sentence(), quote=False)}</span>"
                     if f.open else escape(f.sentence(), quote=False) for f in flags]
            self.flags.setText("<p><b>Safety flags:</b><br>" + "<br>".join(lines) + "</p>")
        self.flag_choice.clear()
        for flag in self.summary.open_flags:
            self.flag_choice.addItem(f"{flag.flag_id} ({flag.what})", flag.flag_id)
        self.flag_note.clear()
        self.flag_row.setVisible(self._desk is not None and bool(self.summary.open_flags))

    def reload(self) -> None:
        """Read the course again (after a follow-up), through the guarded door."""
        desk, patient_id = self._desk, self.summary.patient.patient_id
        if desk is not None:
            self.calls.run(lambda: desk.course_of(patient_id), "reload")

    def export(self, fmt: str) -> None:
        desk, patient_id, folder = self._desk, self.summary.patient.patient_id, \
            self._export_folder()
        if desk is None:
            return
        self.message.setText("exporting\u2026")

        def work() -> list[Path]:
            folder.mkdir(parents=True, exist_ok=True)
            return desk.export_course(patient_id, [fmt], folder)

        self.calls.run(work, "export")

    def _answered(self, result: object, tag: object) -> None:
        if tag == "reload" and isinstance(result, CourseSummary):
            if self.message.text() == "acknowledging\u2026":
                self.message.setText("Acknowledged.")
            self.show_summary(result)
        elif tag == "export" and isinstance(result, list):
            self.message.setText("Exported " + ", ".join(p.name for p in result) +
                                 f" into {self._export_folder()}.")

    def show_summary(self, summary: CourseSummary) -> None:
        """Show ``summary`` instead (the plots are drawn again from it)."""
        self.summary = summary
        self.heading.setText(self._heading())
        self._show_flags()
        self.events.setText(self._events_html())
        self.series.clear()
        self.lines.clear()
        for plot in (self.scores, self.dose, self.vitals, self.dissociation):
            plot.clear()
            legend = plot.getPlotItem().legend
            if legend is not None:
                legend.clear()
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
        self._size_charts()

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
                        f"{escape(a.summary())}, "
                        f"until {a.expires()}; {escape(flagged)}")
        events = "; ".join(items) or "none recorded"
        follow_ups = "; ".join(
            f"{escape(TITLES.get(str(f['interval']), str(f['interval'])))} {_date(f['at'])}: "
            f"PHQ-9 {f['phq9']['total']}, {escape(answers_in_words(f))}"
            for f in s.follow_ups) or "none recorded"
        return (f"<p><b>Eligibility:</b> {assessed}</p>"
                f"<p><b>Rescue medication and adverse events:</b> {events}</p>"
                f"<p><b>Follow-ups:</b> {follow_ups}</p>")
