"""Nothing a clinician sees speaks the program's internal language.

One walk over every widget of the console after a whole demo session (every page, the
record's review, the audit trail) and over the PDF of that session, against the words
that leaked before: event kinds, record keys, UCUM units, reverse-engineering notes.
"""

from __future__ import annotations

import re
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QTableWidget,
    QTabWidget,
    QWidget,
)
from pytestqt.qtbot import QtBot

from ketaconsole.demo.course import DEMO_MRN
from ketaconsole.export.service import ExportFormat, export_session
from ketaconsole.session.checkin import CheckIn
from ketaconsole.session.discharge import SCALES
from ketaconsole.session.events import known_kinds
from ketaconsole.session.workflow import Step
from tests.ui.conftest import open_demo_window, through_plan, unlock
from ui.main_window import MainWindow
from ui.widgets.elided_label import ElidedLabel

INTERNAL = ("kind=", "mm[Hg]", "record head #", "reverse-engineer", "our reading of",
            "simulator output form", "pump-vs-plan check off", "permission=",
            "device_identity", "Pump pump", "to in progress", "{'", "None", "_id",
            "payload", "demo-nurse", "demo-admin", "(admin)", "titration rule default",
            "library default", "->", "mrn / patient id", "(pump) reports", "pump: The pump",
            "pump telemetry", "(console ", "at station")
"""Words that once reached the screen or the PDF and must never again: internal words,
log-in names where a display name belongs, rule and library ids, arrows of shorthand,
a device's role doubled."""

SHORTHAND = (re.compile(r"(?<!HL7 )\bv\d+\b"),  # a rule's or library's version id ("default v1")
             re.compile(r"\b\d+\.\d+ s\b"),  # a duration only the program thinks in
             re.compile(rf"\b{re.escape(socket.gethostname())}\b"))  # the computer's name
"""Patterns of the program's own shorthand."""

NURSE = "Demo Nurse"
DEMO = CheckIn("Demo Patient", 42, 70.0, "none known", "none", "none", False, "none", 6.0, 3.0,
               True, "left forearm", True, mrn=DEMO_MRN, pregnancy="no")


def internal_words(text: str) -> list[str]:
    """The internal tokens in ``text``: listed words and event kinds (snake_case)."""
    found = [token for token in INTERNAL if token in text]
    found += [m.group(0) for pattern in SHORTHAND if (m := pattern.search(text))]
    kinds = {kind for kind in known_kinds() if "_" in kind}
    found += [kind for kind in kinds if re.search(rf"\b{re.escape(kind)}\b", text)]
    return found


@pytest.fixture
def window(qtbot: QtBot, tmp_path: Path) -> Iterator[MainWindow]:
    yield from open_demo_window(qtbot, tmp_path, speed=60.0)


def _whole_session(qtbot: QtBot, window: MainWindow) -> int:
    flow = window.room.workflow
    window.monitor.side.setCurrentWidget(window.monitor.session)
    through_plan(qtbot, window)  # at the pages: the plan with the titration rule's proposal
    flow.infusion_action("start")
    window.monitor.timeline.annotate("Dizziness")
    qtbot.wait(1500)
    flow.infusion_action("pause", reason="patient asked")
    qtbot.wait(300)
    flow.infusion_action("resume")
    qtbot.wait(1500)
    flow.infusion_action("stop", reason="dose given")
    flow.begin_discharge()
    flow.record_discharge("Aldrete", {item.key: 2 for item in SCALES["Aldrete"]})
    flow.sign_off(NURSE)
    assert flow.step is Step.DONE
    window.monitor.session.show_step()
    session_id = flow.service_id()
    flow.end_session()
    return session_id


def seen_texts(root: QWidget) -> list[str]:
    texts: list[str] = []
    for widget in [root, *root.findChildren(QWidget)]:
        if isinstance(widget, QLabel | QAbstractButton | ElidedLabel):
            texts.append(widget.text())
        if isinstance(widget, QLineEdit):
            texts.append(widget.placeholderText())
        if isinstance(widget, QComboBox):
            texts += [widget.itemText(i) for i in range(widget.count())]
        if isinstance(widget, QListWidget):
            texts += [widget.item(i).text() for i in range(widget.count())]
        if isinstance(widget, QTableWidget):
            texts += [item.text() for r in range(widget.rowCount())
                      for c in range(widget.columnCount())
                      if (item := widget.item(r, c)) is not None]
        if isinstance(widget, QTabWidget):
            texts += [widget.tabText(i) for i in range(widget.count())]
    return [t for t in texts if t]


def test_no_internal_word_on_any_screen_or_in_the_pdf(qtbot: QtBot, window: MainWindow,
                                                      tmp_path: Path) -> None:
    unlock(qtbot, window)  # the nurse: every page but the audit trail, and the records
    session_id = _whole_session(qtbot, window)
    side = window.monitor.side
    leaks: dict[str, list[str]] = {}
    pages = list(range(side.count()))
    for index in [*pages, -1]:
        if index == -1:  # then the admin, for the audit trail
            window.lock_now()
            unlock(qtbot, window, "demo-admin", "135790")
            index = side.indexOf(window.audit_page)
        side.setCurrentIndex(index)
        qtbot.wait(400)
        page = side.currentWidget()
        if hasattr(page, "page") and hasattr(page.page, "open_session"):
            qtbot.waitUntil(lambda p=page: any(s.id == session_id for s in p.page.shown),
                            timeout=10000)
            assert page.page.open_session(session_id)
            qtbot.waitUntil(lambda p=page: p.page.review.opened is not None, timeout=10000)
        qtbot.wait(300)
        window.monitor.refresh(window.room.engine.clock())
        for text in seen_texts(window):
            found = internal_words(text)
            if found:
                leaks.setdefault(text, found)
    assert leaks == {}, "\n".join(f"{found}: {text[:160]!r}" for text, found in leaks.items())
    database = window.room.database
    assert database is not None
    (pdf,) = export_session(database, session_id, ExportFormat.PDF, tmp_path).files
    printed = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                             text=True, check=True).stdout
    assert "Dizziness" in printed
    assert {line.strip(): internal_words(line) for line in printed.splitlines()
            if internal_words(line)} == {}
    assert "Demo Admin<br>" in window.who.text() and "administrator" in window.who.text(), \
        "name and role in words"
    assert re.search(r"MRN\s+DEMO-0001", printed), "the header names the MRN"
    assert "Demo room" in printed, "the station as the clinic named it"
    assert "Rule" in printed and "step up by 0.1 mg/kg" in printed, "the rule in words"
    assert re.search(r"Pre-assessment.*Demo Nurse", printed, re.S), "display names"
    filed = [line for line in printed.splitlines()
             if re.search(r"\sAlarm\s{2,}", line) and "aseline" in line]
    assert filed == [], "baseline values are filed under the alarm limits, never as an alarm"
    assert "The pump reports: infusing" in printed


def test_no_internal_word_in_the_pdf_of_a_long_session(tmp_path: Path) -> None:
    """A 20-minute session with BP checks, alarms, medication, scales (the PDF's tables)."""
    from ketaconsole.store import open_database
    from tests.core.export_support import record_session

    database = open_database(f"sqlite:///{tmp_path / 'record.sqlite3'}")
    recorded = record_session(database)
    (pdf,) = export_session(database, recorded.session_id, ExportFormat.PDF, tmp_path).files
    database.dispose()
    printed = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                             text=True, check=True).stdout
    leaks = {line.strip(): internal_words(line) for line in printed.splitlines()
             if internal_words(line) and not line.startswith("ketaconsole-integrity")}
    assert leaks == {}
    assert "Activity" in printed and "SpO2" in printed, "criteria in the scale's words"
