"""One past session opened read-only: its timeline, its trends, Verify and Re-export.

Reading, verifying and exporting all run on worker threads; the answers come back as
signals and are shown as one line each (where the file went, or what went wrong).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ketaconsole.catalogue import CATALOGUE
from ketaconsole.export.atomic import ExportFolderError
from ketaconsole.export.service import (
    ExportFailed,
    ExportFormat,
    ExportOptions,
    ExportResult,
    export_session,
)
from ketaconsole.export.summary import describe_event
from ketaconsole.security.users import author_in_words, names_of_users
from ketaconsole.session.events import title
from ketaconsole.store import Database, UnknownSessionError
from ketaconsole.store.review import SessionSummary, Trend, timeline, trends, verify
from ketaconsole.store.timeline import StoredEvent
from ui import theme
from ui.widgets.background import BackgroundCalls
from ui.widgets.chart_text import size_chart_text
from ui.widgets.labels import StatusLine
from ui.widgets.type_scale import restyle

FORMAT_BUTTONS = ((ExportFormat.PDF, "PDF"), (ExportFormat.CSV, "CSV"),
                  (ExportFormat.FHIR, "FHIR"), (ExportFormat.HL7, "HL7"),
                  (ExportFormat.VITAL, "VitalDB"))
TREND_METRICS_SHOWN = 7
TREND_ORDER = ("MDC_PULS_OXIM_SAT_O2", "MDC_PULS_OXIM_PULS_RATE", "MDC_ECG_HEART_RATE",
               "MDC_PRESS_BLD_NONINV_SYS", "MDC_PRESS_BLD_NONINV_DIA", "MDC_RESP_RATE",
               "MDC_AWAY_CO2_ET", "MDC_FLOW_FLUID_PUMP")
"""Which trends come first when a session has more than the plot shows."""
SPARE_COLOURS = ("#fda4af", "#a3e635", "#f0abfc", "#fdba74", "#93c5fd", "#d6d3d1")

Exporter = Callable[[int, ExportFormat, Path], ExportResult]
"""Export a session (number, format, folder) through the guarded services."""


@dataclass(frozen=True, slots=True)
class OpenedSession:
    """What the review shows of one session, read in one go off the GUI thread."""

    summary: SessionSummary
    events: list[StoredEvent]
    trends: dict[str, Trend]
    people: dict[str, str] = field(default_factory=dict)
    """Each author's log-in name with the display name the timeline shows."""


def read_session(database: Database, summary: SessionSummary) -> OpenedSession:
    return OpenedSession(summary, timeline(database, summary.id, seals=False),
                         trends(database, summary.id), names_of_users(database))


def _trend_rank(trend: Trend) -> tuple[int, str]:
    rank = TREND_ORDER.index(trend.metric) if trend.metric in TREND_ORDER else len(TREND_ORDER)
    return rank, trend.metric


def local_time(at: float | None, *, seconds: bool = False) -> str:
    if at is None:
        return "\u2014"
    return datetime.fromtimestamp(at).strftime("%Y-%m-%d %H:%M" + (":%S" if seconds else ""))


def verify_words(database: Database, session_id: int) -> tuple[bool, str]:
    """(intact, the answer in words) for the session's hash chain."""
    _, broken = verify(database, session_id)
    if broken is None:
        # The events the review lists; the chain's own entries (seals) are not counted.
        count = len(timeline(database, session_id, seals=False))
        return True, f"Chain intact, {count} events."
    return False, f"Chain broken: {broken.describe()}."


def export_words(exc: Exception) -> str:
    """One sentence for a failed export."""
    if isinstance(exc, ExportFolderError | ExportFailed | UnknownSessionError):
        text = str(exc.args[0] if exc.args else exc)
        return text.replace(" with --out", " in the folder field")
    if isinstance(exc, OSError):
        return (f"the export could not be written ({exc.strerror or exc}); check the folder "
                "and the free space, then try again")
    return f"the export failed ({exc}); try again or export from the command line"


class SessionReview(QWidget):
    """The opened session: header, Verify, Re-export, and its timeline and trends."""

    def __init__(self, database_getter: Callable[[], Database | None], *,
                 export_folder: Path, author: Callable[[], str],
                 exporter: Exporter | None = None) -> None:
        super().__init__()
        self._database = database_getter
        self.author = author
        self._exporter = exporter
        """The guarded export (role checked, audited); without it, by ``author``."""
        self.opened: OpenedSession | None = None
        self.last_export: list[Path] = []
        self._exporting: ExportFormat | None = None
        self.calls = BackgroundCalls(self)
        self.calls.done.connect(self._answered)
        self.calls.failed.connect(self._call_failed)
        self._text_scale = 0.0
        self._build(export_folder)
        self._enable(False)

    def _build(self, export_folder: Path) -> None:
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        self.header = QLabel("Open a session from the list to review it.")
        self.header.setFont(theme.font(16, bold=True))
        self.header.setWordWrap(True)
        column.addWidget(self.header)
        actions = QHBoxLayout()
        self.verify_button = QPushButton("Verify")
        self.verify_button.setToolTip("Check the record's hash chain: was anything altered?")
        self.verify_button.clicked.connect(self.verify)
        actions.addWidget(self.verify_button)
        actions.addSpacing(12)
        actions.addWidget(QLabel("Re-export:"))
        self.export_buttons: dict[ExportFormat, QPushButton] = {}
        for fmt, text in FORMAT_BUTTONS:
            button = QPushButton(text)
            button.clicked.connect(lambda _=False, f=fmt: self.export(f))
            self.export_buttons[fmt] = button
            actions.addWidget(button)
        actions.addStretch(1)
        column.addLayout(actions)
        folder_row = QHBoxLayout()
        folder_row.addWidget(QLabel("Export folder"))
        self.folder = QLineEdit(str(export_folder))
        folder_row.addWidget(self.folder, 1)
        column.addLayout(folder_row)
        self.verdict = StatusLine()
        column.addWidget(self.verdict)
        self.export_result = StatusLine()
        self.export_result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        column.addWidget(self.export_result)
        self.tabs = QTabWidget()
        self.events = QTableWidget(0, 4)
        self.events.setHorizontalHeaderLabels(("Time", "Kind", "Author", "Details"))
        self.events.verticalHeader().hide()
        self.events.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.events.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.events.setWordWrap(False)
        header = self.events.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.tabs.addTab(self.events, "Timeline")
        self.plot = pg.PlotWidget(axisItems={"bottom": pg.DateAxisItem()})
        self.plot.setBackground(theme.BACKGROUND)
        self.plot.showGrid(x=True, y=True, alpha=0.2)
        # the legend stands beside the plot, never over the first minutes of data
        item = self.plot.getPlotItem()
        self.legend = pg.LegendItem(labelTextColor=theme.TEXT)
        item.layout.addItem(self.legend, 2, 3)
        item.legend = self.legend
        self.tabs.addTab(self.plot, "Trends")
        column.addWidget(self.tabs, 1)

    def scale_charts(self, scale: float) -> None:
        """The trends plot's text at the window's text scale."""
        if scale != self._text_scale:
            self._text_scale = scale
            size_chart_text(self.plot.getPlotItem(), scale)

    def _enable(self, on: bool) -> None:
        self.verify_button.setEnabled(on)
        for button in self.export_buttons.values():
            button.setEnabled(on)

    # -- opening ---------------------------------------------------------------------

    def close_record(self) -> None:
        """Take the opened session off the screen (the console was locked)."""
        self.calls.forget()  # a session still being read is not shown when it arrives
        self.opened = None
        self._enable(False)
        self.header.setText("Open a session from the list to review it.")
        self.events.setRowCount(0)
        self.plot.clear()
        self.verdict.setText("")
        self.export_result.setText("")

    def open(self, summary: SessionSummary) -> None:
        database = self._database()
        if database is None:
            return
        self.opened = None
        self._enable(False)
        self.header.setText(f"Session {summary.id} \u2014 {summary.patient}: opening\u2026")
        self.verdict.setText("")
        self.export_result.setText("")
        self.calls.run(lambda: read_session(database, summary), tag="open")

    def _show(self, opened: OpenedSession) -> None:
        self.opened = opened
        s = opened.summary
        ended = local_time(s.ended_at) if s.ended_at is not None else "in progress"
        self.header.setText(f"Session {s.id} \u2014 {s.patient} \u00b7 {local_time(s.started_at)}"
                            f" to {ended} \u00b7 {s.phase} \u00b7 {s.station}")
        self.events.setRowCount(len(opened.events))
        for row, event in enumerate(opened.events):
            texts = (local_time(event.at, seconds=True), title(event.kind, event.payload),
                     author_in_words(event.author, opened.people),
                     describe_event(event.kind, event.payload))
            for col, text in enumerate(texts):
                item = QTableWidgetItem(text)
                if col == 3:
                    item.setToolTip(text)
                self.events.setItem(row, col, item)
        self._plot(opened.trends)
        self._enable(True)

    def _plot(self, found: dict[str, Trend]) -> None:
        self.plot.clear()
        shown = sorted((t for t in found.values() if t.times.size), key=_trend_rank)
        shown = shown[:TREND_METRICS_SHOWN]
        spare = iter(SPARE_COLOURS)
        for trend in shown:
            known = CATALOGUE.get(trend.metric)
            name = known.short if known else trend.metric
            unit = known.display_unit if known else trend.unit
            colour = (theme.METRIC_COLOURS.get(trend.metric) or next(spare, theme.TEXT))
            episodic = known is not None and known.fresh_for_s is None
            curve = self.plot.plot(trend.times, trend.values, name=f"{name} ({unit})",
                                   pen=pg.mkPen(colour, width=1), connect="finite",
                                   symbol="o" if episodic else None, symbolSize=5,
                                   symbolBrush=colour, symbolPen=None)
            curve.setClipToView(True)
            curve.setDownsampling(auto=True, method="peak")
        if not shown:
            self.plot.setTitle("No numeric values were recorded in this session.",
                               color=theme.MUTED)
        else:
            self.plot.setTitle(None)

    def event_rows(self) -> list[tuple[str, str, str, str]]:
        """The timeline table as (time, kind, author, details)."""
        rows = []
        for r in range(self.events.rowCount()):
            cells = [self.events.item(r, c) for c in range(4)]
            a, b, c, d = (cell.text() if cell is not None else "" for cell in cells)
            rows.append((a, b, c, d))
        return rows

    # -- verify and export -----------------------------------------------------------------

    def verify(self) -> None:
        database = self._database()
        if database is None or self.opened is None:
            return
        session_id = self.opened.summary.id
        self.verdict.setText("Checking\u2026")
        restyle(self.verdict, "")
        self.calls.run(lambda: verify_words(database, session_id), tag="verify")

    def export(self, fmt: ExportFormat) -> None:
        database = self._database()
        if database is None or self.opened is None:
            return
        session_id = self.opened.summary.id
        folder = Path(self.folder.text().strip()).expanduser()
        exporter = self._exporter
        if exporter is not None:
            self.export_result.setText(f"Writing {fmt.value.upper()}\u2026")
            restyle(self.export_result, "")
            self._enable(False)
            self.calls.run(lambda: exporter(session_id, fmt, folder), tag="export")
            return
        try:
            options = ExportOptions(author=self.author())
        except PermissionError as exc:  # the guard's refusal, already audited
            self.export_result.setText(str(exc))
            restyle(self.export_result, f"color: {theme.ALARM_MEDIUM};")
            return
        self.export_result.setText(f"Writing {fmt.value.upper()}\u2026")
        restyle(self.export_result, "")
        self._exporting = fmt
        self._enable(False)
        self.calls.run(lambda: export_session(database, session_id, fmt, folder, options),
                       tag="export")

    # -- answers -----------------------------------------------------------------------

    def _answered(self, result: Any, tag: object) -> None:
        if tag == "open":
            self._show(result)
        elif tag == "verify":
            intact, words = result
            self.verdict.setText(words)
            restyle(self.verdict,
                f"color: {theme.LINK_COLOURS['connected'] if intact else theme.ALARM_HIGH};"
                + ("" if intact else " font-weight: bold;"))
        elif tag == "export":
            self._enable(True)
            self._refocus_export()
            self.last_export = list(result.files)
            kind = result.status_words()
            names = ", ".join(str(p) for p in result.files)
            self.export_result.setText(f"{result.format.value.upper()} {kind} written to "
                                       f"{names}; the export is noted in the record.")
            restyle(self.export_result, f"color: {theme.LINK_COLOURS['connected']};")

    def _refocus_export(self) -> None:
        """Focus goes back to the button that was pressed, not the folder field."""
        fmt = getattr(self, "_exporting", None)
        if fmt in self.export_buttons:
            self.export_buttons[fmt].setFocus()

    def _call_failed(self, exc: Exception, tag: object) -> None:
        if tag == "export":
            self._enable(True)
            self._refocus_export()
            self.export_result.setText(f"Not exported: {export_words(exc)}.")
            restyle(self.export_result, f"color: {theme.ALARM_MEDIUM};")
        elif tag == "verify":
            self.verdict.setText(f"The record could not be checked ({exc}); try again.")
            restyle(self.verdict, f"color: {theme.ALARM_MEDIUM};")
        else:
            self.header.setText(f"The session could not be read ({exc}); refresh the list "
                                "and try again.")

    def shutdown(self, timeout: float = 10.0) -> None:
        self.calls.wait_idle(timeout)
