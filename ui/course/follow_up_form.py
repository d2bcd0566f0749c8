"""The follow-up between infusions: PHQ-9 item by item, side effects, bladder (symptoms and
the ICSI bladder score), craving, use, tolerance and early or extra requests.

Opened from the course view for one patient. Recording goes through the course's
guarded door (a nurse or prescriber; audited) off the GUI thread; a problem is said
in one sentence and nothing typed is lost. The bladder questions and score, tolerance
and early requests start as "not asked", and are recorded so when left so (never as
"no"). A
PHQ-9 with thoughts of self-harm is said here in the alarm colour; every safety flag
the follow-up raises holds the next infusion until a prescriber acknowledges it.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from ketaconsole.course.bladder_score import INDEX, MOST, QUESTIONS
from ketaconsole.course.desk import CourseDesk
from ketaconsole.course.follow_ups import TITLES, URINARY_SYMPTOMS, FollowUpEntry
from ketaconsole.course.identity import PatientRecord
from ketaconsole.course.measures import PHQ9, SUICIDALITY_FLAG, MeasureError, score
from ui import theme
from ui.widgets.background import BackgroundCalls
from ui.widgets.form_fields import QuestionRows, headed_body
from ui.widgets.type_scale import restyle


def _choice(first: str, values: list[tuple[str, object]]) -> QComboBox:
    box = QComboBox()
    box.addItem(first, None)
    for text, value in values:
        box.addItem(text, value)
    return box


NOT_ASKED = "not asked"
YES_NO: list[tuple[str, object]] = [("no", False), ("yes", True)]


def _bladder_answers(boxes: list[QComboBox]) -> tuple[int, ...] | None:
    """The bladder score: ``None`` when not asked; its four answers when all were."""
    answers = [box.currentData() for box in boxes]
    if all(v is None for v in answers):
        return None
    if any(v is None for v in answers):
        raise ValueError(f"Answer each bladder score ({INDEX}) question, or leave all four "
                         "not asked.")
    return tuple(int(v) for v in answers)


def _urinary_answers(boxes: dict[str, QComboBox]) -> dict[str, bool] | None:
    """The bladder answers: ``None`` when none was asked; each one when all were."""
    answers = {key: box.currentData() for key, box in boxes.items()}
    if all(v is None for v in answers.values()):
        return None
    if any(v is None for v in answers.values()):
        raise ValueError("Answer each urinary question, or leave all four not asked.")
    return {key: bool(v) for key, v in answers.items()}


class FollowUpForm(QWidget):
    """One follow-up for one patient, recorded by the person logged in."""

    def __init__(self, desk: CourseDesk, patient: PatientRecord, *, interval: str | None = None,
                 on_recorded: Callable[[int], None] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._desk, self.patient, self._on_recorded = desk, patient, on_recorded
        self.setWindowTitle(f"Follow-up: {patient.name}")
        self.calls = BackgroundCalls(self)
        self.calls.done.connect(self._recorded)
        self.calls.failed.connect(lambda error, _tag: self._say(str(error)))
        outer, column = headed_body(self, f"Follow-up \u00b7 {patient.label()}")

        top = QFormLayout()
        self.interval = _choice("\u2014 which follow-up \u2014",
                                [(title, key) for key, title in TITLES.items()])
        if interval is not None:
            self.interval.setCurrentIndex(self.interval.findData(interval))
        top.addRow("Follow-up", self.interval)
        column.addLayout(top)

        phq = QGroupBox("PHQ-9: over the last 2 weeks, how often bothered by\u2026")
        items = QuestionRows(phq, "0 not at all \u00b7 1 several days \u00b7 2 more than half the "
                           "days \u00b7 3 nearly every day")
        self.phq9: list[QComboBox] = []
        for number, text in enumerate(PHQ9.items, start=1):
            answer = _choice("\u2014", [(str(v), v) for v in range(PHQ9.item_max + 1)])
            items.add(f"{number}. {text}", answer)
            self.phq9.append(answer)
        column.addWidget(phq)

        tolerability = QGroupBox("Since the last infusion")
        rows = QuestionRows(tolerability)
        self.side_effects = QLineEdit()
        self.side_effects.setPlaceholderText("e.g. nausea the first evening, or 'none'")
        rows.add("Side effects", self.side_effects, wide=True)
        self.urinary: dict[str, QComboBox] = {}
        for symptom in URINARY_SYMPTOMS:
            box = _choice(NOT_ASKED, YES_NO)
            self.urinary[symptom] = box
            rows.add(f"Urinary: {symptom.replace('_', ' ')}", box)
        self.craving = _choice("\u2014", [(str(v), v) for v in range(11)])
        rows.add("Craving for ketamine (0 none, 10 worst)", self.craving)
        self.used = _choice("\u2014", [("no", False), ("yes", True)])
        rows.add("Used ketamine or other drugs outside the clinic", self.used)
        self.use_detail = QLineEdit()
        self.use_detail.setPlaceholderText("what, when and how much (if yes)")
        rows.add("Use", self.use_detail, wide=True)
        self.tolerance = _choice(NOT_ASKED, YES_NO)
        rows.add("Tolerance: the same dose does less than it did", self.tolerance)
        self.early_request = _choice(NOT_ASKED, YES_NO)
        rows.add("Asked for an infusion earlier, or an extra one", self.early_request)
        column.addWidget(tolerability)

        bladder = QGroupBox(f"Bladder score ({INDEX}, 0-{MOST}): monthly follow-ups ask it")
        scale = QuestionRows(bladder, " \u00b7 ".join(
            f"{value} {words}" for value, words in QUESTIONS[0].answers) +
            "; at night: the number of times (5: five or more); pain: 0 not at all \u00b7 "
            "2 a few times \u00b7 3 fairly often \u00b7 4 usually \u00b7 5 almost always")
        self.bladder: list[QComboBox] = []
        for number, question in enumerate(QUESTIONS, start=1):
            box = _choice(NOT_ASKED, [(str(value), value) for value, _ in question.answers])
            box.setToolTip("\n".join(f"{value}: {words}" for value, words in question.answers))
            scale.add(f"{number}. {question.text}", box)
            self.bladder.append(box)
        column.addWidget(bladder)
        column.addStretch(1)

        self.flag = QLabel("")
        self.flag.setWordWrap(True)
        restyle(self.flag, f"color: {theme.ALARM_HIGH}; font-weight: bold;")
        outer.addWidget(self.flag)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        restyle(self.message, f"color: {theme.ALARM_MEDIUM};")
        outer.addWidget(self.message)
        self.record_button = QPushButton("Record the follow-up")
        self.record_button.clicked.connect(self.record)
        outer.addWidget(self.record_button)
        self.resize(720, 760)

    def _say(self, text: str) -> None:
        restyle(self.message, f"color: {theme.ALARM_MEDIUM};")
        self.message.setText(text)

    def entry(self) -> FollowUpEntry:
        """What was entered, or :class:`MeasureError` / ``ValueError`` saying what is missing."""
        interval = self.interval.currentData()
        if interval is None:
            raise ValueError("Choose which follow-up this is (24-hour, 1-week or monthly).")
        phq9 = score("PHQ-9", [box.currentData() for box in self.phq9])
        craving, used = self.craving.currentData(), self.used.currentData()
        if craving is None:
            raise ValueError("Rate craving for ketamine from 0 (none) to 10.")
        if used is None:
            raise ValueError("Answer whether ketamine or other drugs were used outside the "
                             "clinic.")
        return FollowUpEntry(str(interval), phq9, self.side_effects.text(),
                             _urinary_answers(self.urinary), int(craving), bool(used),
                             self.use_detail.text(), self.tolerance.currentData(),
                             self.early_request.currentData(),
                             _bladder_answers(self.bladder))

    def record(self) -> None:
        try:
            entry = self.entry()
        except (MeasureError, ValueError) as exc:
            self._say(str(exc))
            return
        problems = entry.problems()
        if problems:
            self._say(" ".join(problems.values()))
            return
        self.flag.setText("Thoughts of self-harm reported (PHQ-9 item 9): act on the "
                          "clinic's safety plan now and tell the prescriber; the next "
                          "infusion is held until a prescriber acknowledges it."
                          if SUICIDALITY_FLAG in entry.phq9.flags else "")
        self._say("recording\u2026")
        desk, patient_id = self._desk, self.patient.patient_id
        self.calls.run(lambda: (desk.record_follow_up(patient_id, entry), entry), "record")

    def _recorded(self, result: object, _tag: object) -> None:
        assert isinstance(result, tuple)
        number, entry = result
        restyle(self.message, f"color: {theme.TEXT};")
        self.message.setText(f"Recorded: {TITLES[entry.interval]}, PHQ-9 {entry.phq9.total} "
                             f"({entry.phq9.band}).")
        self.record_button.setEnabled(False)
        if self._on_recorded is not None:
            self._on_recorded(int(number))
