"""The session timeline: one-tap annotations, rescue medication, scales, notes, checks due.

Entries go to the store off the GUI thread; each shows as "recording" until the store
has committed it, then with its place in the record. A form with a mistake keeps what
was typed and says what to fix beside the field; nothing here opens a dialog over the
vitals.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ketaconsole.live.engine import Engine
from ketaconsole.session.checks import CheckDue, CheckIntervals, bp_check
from ketaconsole.session.entry_time import EntryTimeError, parse_entry_time
from ketaconsole.session.phase import PhaseNow
from ketaconsole.session.scales import SCALES
from ketaconsole.store import StoredEvent
from ui import theme
from ui.session.record_worker import RecordWorker
from ui.widgets.form_fields import fitting_combo
from ui.widgets.type_scale import restyle

ONE_TAP = ("Dissociation", "Dizziness", "Nausea", "Vomiting", "Anxiety", "Headache")
RESCUE_DRUGS = ("Ondansetron", "Midazolam", "Labetalol", "Clonidine", "Other")
RESCUE_ROUTES = ("IV", "PO", "SL", "IM", "SC", "inhaled")
ADVERSE_EVENTS = ("Hypertension", "Nausea / vomiting", "Emergence reaction / agitation",
                  "Desaturation", "Excessive sedation", "Other")
OUTCOMES = ("resolved", "ongoing", "escalated to the prescriber", "transferred")
MAX_RESCUE_DOSE = 1000.0


def _error_label() -> QLabel:
    label = QLabel("")
    restyle(label, f"color: {theme.ALARM_MEDIUM};")
    label.setWordWrap(True)
    return label


def _record_or_cancel(label: str, record: Callable[[], None],
                      cancel: Callable[[], None]) -> QHBoxLayout:
    """The row under an entry form: its record button and Cancel."""
    row = QHBoxLayout()
    for text, action in ((label, record), ("Cancel", cancel)):
        button = QPushButton(text)
        button.clicked.connect(action)
        row.addWidget(button)
    return row


class RescueForm(QWidget):
    """Drug, dose and unit of a rescue medication."""

    def __init__(self, submit: Callable[[dict[str, Any]], None], cancel: Callable[[], None]):
        super().__init__()
        self._submit = submit
        self.drug = fitting_combo()
        self.drug.setEditable(True)
        self.drug.addItems(RESCUE_DRUGS)
        self.dose = QLineEdit()
        self.dose.setPlaceholderText("dose")
        self.unit = fitting_combo()
        self.unit.addItems(("mg", "mcg"))
        self.route = fitting_combo()
        self.route.setEditable(True)
        self.route.addItems(RESCUE_ROUTES)
        self.given_at = QLineEdit()
        self.given_at.setPlaceholderText("HH:MM, blank = now")
        self.error = _error_label()
        dose_row = QHBoxLayout()
        dose_row.addWidget(self.dose, 1)
        dose_row.addWidget(self.unit)
        form = QFormLayout(self)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        form.addRow("Drug", self.drug)
        form.addRow("Dose", dose_row)
        form.addRow("Route", self.route)
        form.addRow("Given at", self.given_at)
        form.addRow(self.error)
        form.addRow(_record_or_cancel("Record medication", self.record, cancel))

    def record(self) -> None:
        drug = self.drug.currentText().strip()
        text = self.dose.text().strip().replace(",", ".")
        try:
            dose = float(text)
        except ValueError:
            self.error.setText("Enter the dose given as a number, e.g. 4.")
            self.dose.setFocus()
            return
        if not drug or drug == "Other":
            self.error.setText("Type the drug's name.")
            self.drug.setFocus()
            return
        if not 0 < dose < MAX_RESCUE_DOSE:
            self.error.setText(f"A dose must be more than 0 and under {MAX_RESCUE_DOSE:g}; "
                               "check it.")
            self.dose.setFocus()
            return
        try:
            given = parse_entry_time(self.given_at.text(), time.time())
        except EntryTimeError as exc:
            self.error.setText(str(exc))
            self.given_at.setFocus()
            return
        route = self.route.currentText().strip()
        if not route:
            self.error.setText("Choose or type the route, e.g. IV.")
            self.route.setFocus()
            return
        self.error.setText("")
        self._submit({"drug": drug, "dose": dose, "unit": self.unit.currentText(),
                      "route": route, "given_at": given})
        self.dose.clear()
        self.given_at.clear()


class AdverseEventForm(QWidget):
    """An adverse event with the intervention given and its outcome."""

    def __init__(self, submit: Callable[[dict[str, Any]], None], cancel: Callable[[], None]):
        super().__init__()
        self._submit = submit
        self.kind_box = fitting_combo()
        self.kind_box.setEditable(True)
        self.kind_box.addItems(ADVERSE_EVENTS)
        self.intervention = QLineEdit()
        self.intervention.setPlaceholderText("what was done (or 'none')")
        self.outcome = fitting_combo()
        self.outcome.addItems(OUTCOMES)
        self.error = _error_label()
        form = QFormLayout(self)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        form.addRow("Event", self.kind_box)
        form.addRow("Intervention", self.intervention)
        form.addRow("Outcome", self.outcome)
        form.addRow(self.error)
        form.addRow(_record_or_cancel("Record adverse event", self.record, cancel))

    def record(self) -> None:
        event = self.kind_box.currentText().strip()
        intervention = self.intervention.text().strip()
        if not event or event == "Other":
            self.error.setText("Name the adverse event.")
            self.kind_box.setFocus()
            return
        if not intervention:
            self.error.setText("Say what was done, or type 'none'.")
            self.intervention.setFocus()
            return
        self.error.setText("")
        self._submit({"event": event, "intervention": intervention,
                      "outcome": self.outcome.currentText()})
        self.intervention.clear()


class ScaleForm(QWidget):
    """One scale's score: a level for MOAA/S and RASS, six items for CADSS-6."""

    def __init__(self, submit: Callable[[dict[str, Any]], None], cancel: Callable[[], None]):
        super().__init__()
        self._submit = submit
        self.which = fitting_combo()
        self.which.addItems(list(SCALES))
        self.level = fitting_combo()
        self.items: list[QSpinBox] = []
        self.items_box = QWidget()
        items_form = QFormLayout(self.items_box)
        items_form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        items_form.setContentsMargins(0, 0, 0, 0)
        cadss = SCALES["CADSS-6"]
        low, high = cadss.item_range
        for name in cadss.items:
            spin = QSpinBox()
            spin.setRange(low - 1, high)  # one below the scale: not answered yet
            spin.setSpecialValueText("\u2014")
            spin.setValue(low - 1)
            self.items.append(spin)
            items_form.addRow(name, spin)
        self.error = _error_label()
        layout = QVBoxLayout(self)
        layout.addWidget(self.which)
        layout.addWidget(self.level)
        layout.addWidget(self.items_box)
        layout.addWidget(self.error)
        layout.addLayout(_record_or_cancel("Record score", self.record, cancel))
        self.which.currentTextChanged.connect(self._show_scale)
        self._show_scale(self.which.currentText())

    def _show_scale(self, key: str) -> None:
        scale = SCALES[key]
        self.level.clear()
        for score, meaning in scale.levels:
            self.level.addItem(f"{score:+d}  {meaning}" if key == "RASS"
                               else f"{score}  {meaning}", score)
        self.level.setVisible(bool(scale.levels))
        self.items_box.setVisible(bool(scale.items))

    def record(self) -> None:
        scale = SCALES[self.which.currentText()]
        if not scale.levels:
            low = scale.item_range[0]
            unanswered = [n for n, spin in enumerate(self.items, start=1) if spin.value() < low]
            unseen = [n for n, spin in enumerate(self.items, start=1)
                      if spin.visibleRegion().isEmpty()]
            if unanswered or unseen:
                self.error.setText(_unscored(unanswered, unseen))
                return
        scores = ([int(self.level.currentData())] if scale.levels
                  else [spin.value() for spin in self.items])
        problems = scale.check(scores)
        if problems:
            self.error.setText(" ".join(problems))
            return
        self.error.setText("")
        self._submit(scale.payload(scores))


def _unscored(unanswered: list[int], unseen: list[int]) -> str:
    """Why a scale cannot be recorded yet, in one sentence saying what to do."""
    if unanswered:
        which = "item" + ("s" if len(unanswered) > 1 else "")
        return (f"Answer every item before recording the score ({which} "
                f"{', '.join(map(str, unanswered))} not answered).")
    which = "Item" + ("s" if len(unseen) > 1 else "")
    return (f"{which} {', '.join(map(str, unseen))} cannot be seen: scroll or make room, "
            "check every answer, then record the score.")


class TimelinePanel(QFrame):
    """Nurse entries for the session, and what is due next."""

    def __init__(self, engine: Engine, worker: RecordWorker,
                 phase: Callable[[], PhaseNow],
                 intervals: CheckIntervals | None = None) -> None:
        super().__init__()
        self._intervals = intervals or CheckIntervals()
        self.setObjectName("panel")
        self.engine = engine
        self.worker = worker
        self._phase = phase
        self._pending: dict[int, QListWidgetItem] = {}
        self._next_tag = 0
        title = QLabel("Timeline")
        title.setFont(theme.font(16, bold=True))
        self.due = QLabel("")
        self.due.setFont(theme.font(15, bold=True))
        self.quick_box = QWidget()
        buttons = QGridLayout(self.quick_box)
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.setSpacing(6)
        self.quick: dict[str, QPushButton] = {}
        for index, name in enumerate(ONE_TAP):
            button = QPushButton(name)
            button.clicked.connect(lambda _=False, n=name: self.annotate(n))
            buttons.addWidget(button, index // 2, index % 2)
            self.quick[name] = button
        self.rescue_button = QPushButton("Rescue med\u2026")
        self.scale_button = QPushButton("Scale\u2026")
        self.note_button = QPushButton("Note\u2026")
        self.adverse_button = QPushButton("Adverse event\u2026")
        for index, button in enumerate((self.rescue_button, self.scale_button,
                                        self.note_button, self.adverse_button),
                                       start=len(ONE_TAP)):
            buttons.addWidget(button, index // 2, index % 2)
        self.forms = QStackedWidget()
        self.forms.addWidget(QWidget())
        self.rescue = RescueForm(self._record_rescue, self.close_form)
        self.scale = ScaleForm(self._record_scale, self.close_form)
        note_page = QWidget()
        note_layout = QVBoxLayout(note_page)
        self.note = QLineEdit()
        self.note.setPlaceholderText("free note")
        self.note_error = _error_label()
        self.note.returnPressed.connect(self._record_note)
        note_layout.addWidget(self.note)
        note_layout.addWidget(self.note_error)
        note_layout.addLayout(_record_or_cancel("Record note", self._record_note,
                                                self.close_form))
        self.adverse = AdverseEventForm(self._record_adverse, self.close_form)
        for page in (self.rescue, self.scale, note_page, self.adverse):
            self.forms.addWidget(page)
        self.rescue_button.clicked.connect(lambda: self._open(1, self.rescue.dose))
        self.scale_button.clicked.connect(lambda: self._open(2, self.scale.which))
        self.note_button.clicked.connect(lambda: self._open(3, self.note))
        self.adverse_button.clicked.connect(lambda: self._open(4, self.adverse.kind_box))
        # an open form takes the one-tap buttons' place and scrolls when the panel is
        # short (alarms showing, a small screen): its items are never squeezed
        self.form_scroller = QScrollArea()
        self.form_scroller.setWidgetResizable(True)
        self.form_scroller.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.form_scroller.setWidget(self.forms)
        self.form_scroller.hide()
        self.entries = QListWidget()
        self.entries.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.addWidget(title)
        layout.addWidget(self.due)
        layout.addWidget(self.quick_box)
        layout.addWidget(self.form_scroller, 3)
        layout.addWidget(self.entries, 1)
        worker.recorded.connect(self._committed)
        worker.failed.connect(self._not_committed)
        self.setAccessibleName("Session timeline")

    # -- entering --------------------------------------------------------------------

    def _open(self, page: int, focus: QWidget) -> None:
        self.forms.setCurrentIndex(page)
        self.quick_box.hide()
        self.form_scroller.show()
        self.form_scroller.verticalScrollBar().setValue(0)
        focus.setFocus()

    def close_form(self) -> None:
        self.forms.setCurrentIndex(0)
        self.form_scroller.hide()
        self.quick_box.show()

    def start_afresh(self) -> None:
        """The session ended: the next patient's timeline starts empty, its forms closed
        (an entry still being recorded stays until the record answers)."""
        self.close_form()
        waiting = set(map(id, self._pending.values()))
        for row in reversed(range(self.entries.count())):
            item = self.entries.item(row)
            if item is not None and id(item) not in waiting:
                self.entries.takeItem(row)

    def annotate(self, what: str) -> None:
        self._submit("annotation", {"text": what}, what)

    def _record_rescue(self, payload: dict[str, Any]) -> None:
        self._submit("rescue_medication", payload,
                     f"{payload['drug']} {payload['dose']:g} {payload['unit']} "
                     f"{payload['route']}")
        self.close_form()

    def _record_adverse(self, payload: dict[str, Any]) -> None:
        self._submit("adverse_event", payload,
                     f"Adverse event: {payload['event']} ({payload['outcome']})")
        self.close_form()

    def _record_scale(self, payload: dict[str, Any]) -> None:
        self._submit("scale", payload, f"{payload['scale']} {payload['score']}")
        self.close_form()

    def _record_note(self) -> None:
        text = self.note.text().strip()
        if not text:
            self.note_error.setText("Type the note first.")
            return
        self.note_error.setText("")
        self._submit("annotation", {"text": text, "free_text": True}, text)
        self.note.clear()
        self.close_form()

    def _submit(self, kind: str, payload: dict[str, Any], shown: str) -> None:
        tag = self._next_tag
        self._next_tag += 1
        item = QListWidgetItem(f"{datetime.now():%H:%M:%S}  {shown}  \u2014 recording\u2026")
        item.setData(Qt.ItemDataRole.UserRole, shown)
        item.setForeground(QColor(theme.MUTED))
        self.entries.insertItem(0, item)
        self._pending[tag] = item
        self.worker.submit(kind, payload, tag=tag)

    # -- the store's answer ----------------------------------------------------------

    def _committed(self, stored: StoredEvent, tag: object) -> None:
        item = self._pending.pop(tag, None) if isinstance(tag, int) else None
        if item is None:
            return
        shown = item.data(Qt.ItemDataRole.UserRole)
        item.setText(f"{datetime.fromtimestamp(stored.at):%H:%M:%S}  {shown}  \u2014 recorded")
        item.setForeground(QColor(theme.TEXT))

    def _not_committed(self, reason: str, tag: object) -> None:
        item = self._pending.get(tag) if isinstance(tag, int) else None
        if item is None:
            return
        shown = item.data(Qt.ItemDataRole.UserRole)
        item.setText(f"{shown}  \u2014 NOT YET RECORDED: {reason}")
        item.setForeground(QColor(theme.ALARM_MEDIUM))

    # -- each frame ------------------------------------------------------------------

    def refresh(self, now: float) -> None:
        phase = self._phase()
        last = self.engine.latest("MDC_PRESS_BLD_NONINV_SYS")
        due = (bp_check(phase.phase, None if last is None else last.received_at, now,
                        self._intervals) if phase.session_open else CheckDue("", False))
        if self.due.text() != due.text:
            self.due.setText(due.text)
            restyle(self.due, f"color: {'#fb923c' if due.overdue else theme.MUTED};")

