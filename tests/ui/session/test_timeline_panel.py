"""Nurse entries are recorded by the store before they show as recorded; mistakes keep the form.

Entries go through the session workflow, whose door says who is acting.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from ketaconsole.alarms import AlarmSystem, default_profile
from ketaconsole.live.engine import Engine
from ketaconsole.observations import Numeric
from ketaconsole.session.model import SessionModel
from ketaconsole.session.phase import Phase, PhaseNow
from ketaconsole.session.workflow import SessionWorkflow
from ketaconsole.store import SessionPlan, SessionService, open_database
from ketaconsole.store.review import timeline
from tests.room_support import acting_as
from ui.session.record_worker import RecordWorker
from ui.session.timeline_panel import TimelinePanel


@pytest.fixture
def service(tmp_path: Path) -> Iterator[SessionService]:
    database = open_database(f"sqlite:///{tmp_path / 'record.sqlite3'}")
    session = SessionService.begin(database, SessionPlan("Test Patient", 70.0), [],
                                   station="test-bed")
    try:
        yield session
    finally:
        session.close()
        database.dispose()


def _panel(qtbot: QtBot, service: SessionService | None) -> TimelinePanel:
    model = SessionModel(Engine(), AlarmSystem(default_profile()), [])
    worker = RecordWorker(SessionWorkflow(model, clock=time.time, door=acting_as("nia"),
                                          service=service))
    panel = TimelinePanel(Engine(), worker, lambda: PhaseNow(Phase.INFUSION, time.time()))
    qtbot.addWidget(panel)
    return panel


def test_one_tap_annotation_shows_recorded_only_after_commit(
        qtbot: QtBot, service: SessionService) -> None:
    panel = _panel(qtbot, service)
    qtbot.mouseClick(panel.quick["Nausea"], Qt.MouseButton.LeftButton)
    assert "recording" in panel.entries.item(0).text()
    with qtbot.waitSignal(panel.worker.recorded, timeout=10000):
        pass
    qtbot.waitUntil(lambda: "\u2014 recorded" in panel.entries.item(0).text(), timeout=5000)
    stored = [e for e in timeline(service.database, service.session_id)
              if e.kind == "annotation"]
    assert [e.payload["text"] for e in stored] == ["Nausea"]
    shown = panel.entries.item(0).text()
    assert shown.startswith(f"{datetime.fromtimestamp(stored[0].at):%H:%M:%S}  Nausea")
    assert "#" not in shown, "a record's number is not a clinician's word"


def test_rescue_medication_with_a_bad_dose_keeps_the_form_and_says_why(
        qtbot: QtBot, service: SessionService) -> None:
    panel = _panel(qtbot, service)
    qtbot.mouseClick(panel.rescue_button, Qt.MouseButton.LeftButton)
    panel.rescue.drug.setCurrentText("Ondansetron")
    qtbot.keyClicks(panel.rescue.dose, "four")
    panel.rescue.record()
    assert "number" in panel.rescue.error.text()
    assert panel.rescue.dose.text() == "four"
    assert panel.entries.count() == 0
    panel.rescue.dose.setText("4")
    panel.rescue.record()
    qtbot.waitUntil(lambda: panel.entries.count() == 1 and
                    "\u2014 recorded" in panel.entries.item(0).text(), timeout=10000)
    stored = [e for e in timeline(service.database, service.session_id)
              if e.kind == "rescue_medication"]
    payload = dict(stored[0].payload)
    assert abs(payload.pop("given_at") - time.time()) < 30
    assert payload == {"drug": "Ondansetron", "dose": 4.0, "unit": "mg", "route": "IV"}


def test_a_rescue_medication_given_in_the_future_is_refused_beside_the_field(
        qtbot: QtBot, service: SessionService) -> None:
    panel = _panel(qtbot, service)
    qtbot.mouseClick(panel.rescue_button, Qt.MouseButton.LeftButton)
    panel.rescue.dose.setText("4")
    future = time.localtime(time.time() + 3 * 3600)
    panel.rescue.given_at.setText(f"{future.tm_hour:02d}:{future.tm_min:02d}")
    panel.rescue.record()
    assert "future" in panel.rescue.error.text() or "hours ago" in panel.rescue.error.text()
    assert panel.rescue.dose.text() == "4"
    assert panel.entries.count() == 0


def test_a_scale_is_recorded_with_its_score(qtbot: QtBot, service: SessionService) -> None:
    panel = _panel(qtbot, service)
    qtbot.mouseClick(panel.scale_button, Qt.MouseButton.LeftButton)
    panel.scale.which.setCurrentText("RASS")
    panel.scale.level.setCurrentIndex(panel.scale.level.findData(-2))
    panel.scale.record()
    qtbot.waitUntil(lambda: panel.entries.count() == 1 and
                    "\u2014 recorded" in panel.entries.item(0).text(), timeout=10000)
    stored = [e for e in timeline(service.database, service.session_id) if e.kind == "scale"]
    assert stored[0].payload["scale"] == "RASS" and stored[0].payload["score"] == -2


def test_a_cadss_score_needs_every_item_answered_and_seen(qtbot: QtBot,
                                                          service: SessionService) -> None:
    panel = _panel(qtbot, service)
    panel.resize(420, 900)
    panel.show()
    qtbot.waitExposed(panel)
    qtbot.mouseClick(panel.scale_button, Qt.MouseButton.LeftButton)
    panel.scale.which.setCurrentText("CADSS-6")
    panel.scale.record()
    assert "items 1, 2, 3, 4, 5, 6 not answered" in panel.scale.error.text()
    for spin in panel.scale.items[:5]:
        spin.setValue(1)
    panel.scale.record()
    assert "item 6 not answered" in panel.scale.error.text()
    panel.scale.items[5].setValue(2)
    panel.scale.items_box.setFixedHeight(0)  # squeezed out of sight, as by alarms above
    panel.scale.record()
    assert "cannot be seen" in panel.scale.error.text()
    assert panel.entries.count() == 0
    panel.scale.items_box.setMinimumHeight(0)
    panel.scale.items_box.setMaximumHeight(16777215)
    qtbot.waitUntil(lambda: not panel.scale.items[0].visibleRegion().isEmpty(), timeout=5000)
    panel.scale.record()
    qtbot.waitUntil(lambda: panel.entries.count() == 1 and
                    "\u2014 recorded" in panel.entries.item(0).text(), timeout=10000)
    stored = [e for e in timeline(service.database, service.session_id) if e.kind == "scale"]
    assert stored[0].payload["scale"] == "CADSS-6" and stored[0].payload["score"] == 7


def test_no_check_falls_due_before_check_in_and_a_reading_moves_the_next_one(
        qtbot: QtBot) -> None:
    engine = Engine()
    open_now = {"open": False}
    model = SessionModel(Engine(), AlarmSystem(default_profile()), [])
    worker = RecordWorker(SessionWorkflow(model, clock=time.time, door=acting_as("nia")))
    panel = TimelinePanel(engine, worker, lambda: PhaseNow(
        Phase.INFUSION, None, session_open=open_now["open"]))
    qtbot.addWidget(panel)
    now = time.time()
    panel.refresh(now)
    assert panel.due.text() == "", "no patient, no blood pressure due"
    open_now["open"] = True
    panel.refresh(now)
    assert panel.due.text() == "BP due now (no reading yet)"
    engine.ingest([Numeric("monitor", "MDC_PRESS_BLD_NONINV_SYS", 124.0, "mm[Hg]", now)])
    panel.refresh(now + 1)
    assert panel.due.text() == "BP due in 9 min"


def test_without_a_session_an_entry_says_it_is_not_recorded(qtbot: QtBot) -> None:
    panel = _panel(qtbot, None)
    qtbot.mouseClick(panel.quick["Headache"], Qt.MouseButton.LeftButton)
    assert "NOT YET RECORDED" in panel.entries.item(0).text()


def test_an_adverse_event_needs_its_intervention_and_is_recorded_with_its_outcome(
        qtbot: QtBot, service: SessionService) -> None:
    panel = _panel(qtbot, service)
    qtbot.mouseClick(panel.adverse_button, Qt.MouseButton.LeftButton)
    panel.adverse.kind_box.setCurrentText("Hypertension")
    panel.adverse.record()
    assert "what was done" in panel.adverse.error.text()
    assert panel.entries.count() == 0
    qtbot.keyClicks(panel.adverse.intervention, "labetalol 10 mg IV")
    panel.adverse.outcome.setCurrentText("resolved")
    panel.adverse.record()
    qtbot.waitUntil(lambda: panel.entries.count() == 1 and
                    "\u2014 recorded" in panel.entries.item(0).text(), timeout=10000)
    stored = [e for e in timeline(service.database, service.session_id)
              if e.kind == "adverse_event"]
    assert stored[0].payload == {"event": "Hypertension",
                                 "intervention": "labetalol 10 mg IV", "outcome": "resolved"}


def test_an_entry_goes_through_the_guarded_door_a_technician_is_refused_and_audited(
        qtbot: QtBot, service: SessionService) -> None:
    from ketaconsole.bedside.security import BedsideSecurity
    from ketaconsole.security import Action, Role
    from tests.core.security_support import NAMES, PINS, session_workflow, staff

    security = BedsideSecurity(service.database)
    staff(service.database, security.audit)
    security.lock.unlock(NAMES[Role.TECHNICIAN], PINS[Role.TECHNICIAN])
    worker = RecordWorker(session_workflow(security, service))
    panel = TimelinePanel(Engine(), worker, lambda: PhaseNow(Phase.INFUSION, time.time()))
    qtbot.addWidget(panel)
    with qtbot.waitSignal(panel.worker.failed, timeout=10000):
        qtbot.mouseClick(panel.quick["Nausea"], Qt.MouseButton.LeftButton)
    assert "may not" in panel.entries.item(0).text()
    assert not [e for e in timeline(service.database, service.session_id)
                if e.kind == "annotation"]
    denied = security.audit.entries(action=Action.DENIED)
    assert denied[-1].actor == NAMES[Role.TECHNICIAN]
    security.lock.lock("shift change")
    security.lock.unlock(NAMES[Role.NURSE], PINS[Role.NURSE])
    with qtbot.waitSignal(panel.worker.recorded, timeout=10000):
        qtbot.mouseClick(panel.quick["Nausea"], Qt.MouseButton.LeftButton)
    [stored] = [e for e in timeline(service.database, service.session_id)
                if e.kind == "annotation"]
    assert stored.author == NAMES[Role.NURSE]
