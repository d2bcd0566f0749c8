"""Rating scales answered item by item before the infusion, and the acknowledgement of a flag.

The nurse picks PHQ-9, GAD-7 or (where the clinic uses it) MADRS, answers each item and
records it; the score, band and version go on the timeline. A PHQ-9 with thoughts of
self-harm raises a flag shown here in the alarm colour until a named person
acknowledges it and says what was done; the plan and the start are refused until then.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import pairwise
from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ketaconsole.course.measures import INSTRUMENTS, MeasureError, score
from ketaconsole.session.workflow import SessionWorkflow
from ui import theme
from ui.widgets.labels import WrappedText
from ui.widgets.type_scale import restyle

Record = Callable[[Callable[[], Any]], None]
"""Runs a workflow call off the GUI thread, as the page's other steps are."""


class MeasuresBox(QGroupBox):
    def __init__(self, workflow: SessionWorkflow, record: Record) -> None:
        super().__init__("Rating scales before the infusion")
        self._workflow, self._record = workflow, record
        column = QVBoxLayout(self)
        row = QHBoxLayout()
        self.instrument = QComboBox()
        self.instrument.addItems(list(workflow.instruments))
        self.instrument.currentTextChanged.connect(self._build_items)
        row.addWidget(self.instrument)
        self.record_button = QPushButton("Record scale")
        self.record_button.clicked.connect(self.record)
        row.addWidget(self.record_button)
        column.addLayout(row)
        self.items_host = QWidget()
        self.items_layout = QFormLayout(self.items_host)
        column.addWidget(self.items_host)
        self.answers: list[QComboBox] = []
        self.message = QLabel("")
        self.message.setWordWrap(True)
        column.addWidget(self.message)
        self.flag = QLabel("")
        self.flag.setWordWrap(True)
        restyle(self.flag, f"color: {theme.ALARM_HIGH}; font-weight: bold;")
        column.addWidget(self.flag)
        self.ack_name = QLineEdit()
        self.ack_name.setPlaceholderText("your name")
        self.ack_action = QLineEdit()
        self.ack_action.setPlaceholderText("what was done (e.g. prescriber assessed risk)")
        self.acknowledge = QPushButton("Acknowledge")
        self.acknowledge.clicked.connect(self.acknowledge_flag)
        ack_row = QHBoxLayout()
        for widget in (self.ack_name, self.ack_action, self.acknowledge):
            ack_row.addWidget(widget)
        column.addLayout(ack_row)
        self._build_items(self.instrument.currentText())
        self.refresh()

    def _build_items(self, key: str) -> None:
        while self.items_layout.rowCount():
            self.items_layout.removeRow(0)
        scale = INSTRUMENTS[key]
        self.answers = []
        for number, text in enumerate(scale.items, start=1):
            answer = QComboBox()
            answer.addItem("\u2014", None)
            for value in range(scale.item_max + 1):
                answer.addItem(str(value), value)
            self.items_layout.addRow(WrappedText(f"{number}. {text}"), answer)
            self.answers.append(answer)
        chain = [self.instrument, *self.answers, self.record_button]
        for before, after in pairwise(chain):
            QWidget.setTabOrder(before, after)  # Tab follows the items as they now stand

    def record(self) -> None:
        try:
            result = score(self.instrument.currentText(),
                           [a.currentData() for a in self.answers])
        except MeasureError as exc:
            self.message.setText(str(exc))
            return
        self.message.setText(f"{result.instrument} {result.total} ({result.band})")
        self._record(lambda: self._workflow.record_measure(result))

    def acknowledge_flag(self) -> None:
        name, action = self.ack_name.text(), self.ack_action.text()
        flags = sorted(self._workflow.open_flags)

        def acknowledge_all() -> None:
            for flag in flags:
                self._workflow.acknowledge_flag(flag, name=name, action=action)

        self._record(acknowledge_all)

    def refresh(self) -> None:
        """The clinic's scales; the flag and the acknowledgement only while a flag is open."""
        offered = [self.instrument.itemText(i) for i in range(self.instrument.count())]
        if offered != list(self._workflow.instruments):
            self.instrument.blockSignals(True)
            self.instrument.clear()
            self.instrument.addItems(list(self._workflow.instruments))
            self.instrument.blockSignals(False)
            self._build_items(self.instrument.currentText())
        flagged = bool(self._workflow.open_flags)
        self.flag.setText("Thoughts of self-harm reported (PHQ-9 item 9): a named clinician "
                          "must acknowledge before dosing." if flagged else "")
        for widget in (self.ack_name, self.ack_action, self.acknowledge):
            widget.setVisible(flagged)
