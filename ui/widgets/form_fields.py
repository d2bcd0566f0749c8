"""Form rows with their own error line, so a mistake is explained beside its field."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ui import theme
from ui.widgets.labels import WrappedText
from ui.widgets.type_scale import restyle

FieldWidget = QLineEdit | QComboBox | QCheckBox


def fitting_combo() -> QComboBox:
    """A choice list as wide as the panel gives it, not as wide as its longest item."""
    box = QComboBox()
    box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    box.setMinimumContentsLength(8)
    return box


class FormFields:
    """A QFormLayout whose rows each carry an error label under the field."""

    def __init__(self, layout: QFormLayout) -> None:
        self.rows = layout
        self.fields: dict[str, FieldWidget] = {}
        self.errors: dict[str, QLabel] = {}

    def add(self, key: str, label: str, widget: FieldWidget) -> FieldWidget:
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(1)
        column.addWidget(widget)
        error = QLabel("")
        error.setWordWrap(True)
        restyle(error, f"color: {theme.ALARM_MEDIUM};")
        error.hide()
        column.addWidget(error)
        self.rows.addRow(label, box)
        self.fields[key] = widget
        self.errors[key] = error
        changed = (widget.textChanged if isinstance(widget, QLineEdit) else
                   widget.currentIndexChanged if isinstance(widget, QComboBox) else
                   widget.toggled)
        changed.connect(lambda *_: self._fixed(key))
        return widget

    def _fixed(self, key: str) -> None:
        """The nurse changed the field: its old error no longer stands under it. The line
        keeps its room until the form is sent again, so nothing under it moves while she
        goes on to the next field."""
        error = self.errors.get(key)
        if error is not None and not error.isHidden() and error.text():
            error.setMinimumHeight(error.height())
            error.setText("")

    def show_problems(self, problems: dict[str, str]) -> list[str]:
        """Put each problem beside its field; returns the ones that have no field."""
        unplaced: list[str] = []
        for key, error in self.errors.items():
            message = problems.get(key, "")
            error.setMinimumHeight(0)
            error.setText(message)
            error.setVisible(bool(message))
        for key, message in problems.items():
            if key not in self.errors:
                unplaced.append(message)
        first = next((k for k in self.fields if k in problems), None)
        if first is not None:
            self.fields[first].setFocus()
        return unplaced

    def text(self, key: str) -> str:
        widget = self.fields[key]
        assert isinstance(widget, QLineEdit)
        return widget.text().strip()

    def number(self, key: str) -> float | None:
        """The field as a number, or ``None`` when it is empty or not a number."""
        try:
            return float(self.text(key).replace(",", "."))
        except ValueError:
            return None

    def checked(self, key: str) -> bool:
        widget = self.fields[key]
        assert isinstance(widget, QCheckBox)
        return widget.isChecked()


class QuestionRows:
    """Question-and-answer rows: the question wraps on the left, the answer stays narrow."""

    ANSWER_WIDTH = 110

    def __init__(self, group: QGroupBox, legend: str = "") -> None:
        self.grid = QGridLayout(group)
        self.grid.setColumnStretch(0, 1)
        self.grid.setHorizontalSpacing(12)
        if legend:
            note = QLabel(legend)
            note.setWordWrap(True)
            note.setObjectName("muted")
            self.grid.addWidget(note, 0, 0, 1, 2)

    def add(self, question: str, answer: QWidget, *, wide: bool = False) -> None:
        row = self.grid.rowCount()
        label = WrappedText(question)
        if wide:  # a free-text answer takes the row under its question
            self.grid.addWidget(label, row, 0, 1, 2)
            self.grid.addWidget(answer, row + 1, 0, 1, 2)
            return
        answer.setFixedWidth(self.ANSWER_WIDTH)
        self.grid.addWidget(label, row, 0)
        self.grid.addWidget(answer, row, 1, Qt.AlignmentFlag.AlignTop)


def headed_body(form: QWidget, heading: str) -> tuple[QVBoxLayout, QVBoxLayout]:
    """A long form's frame: its heading, then a scrolling body. Returns (the form's own
    column, for rows under the body; the body's column, for the questions)."""
    outer = QVBoxLayout(form)
    title = QLabel(heading)
    title.setFont(theme.font(16, bold=True))
    title.setWordWrap(True)
    outer.addWidget(title)
    scroller = QScrollArea()
    scroller.setWidgetResizable(True)
    scroller.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    body = QWidget()
    column = QVBoxLayout(body)
    scroller.setWidget(body)
    outer.addWidget(scroller, 1)
    return outer, column
