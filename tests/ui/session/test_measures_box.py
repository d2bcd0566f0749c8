"""PHQ-9 answered item by item on the plan page; item 9 holds the plan until acknowledged."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from ketaconsole.demo.course import DEMO_MRN
from ketaconsole.demo.room import DEMO_PATIENT
from ketaconsole.session.checkin import CheckIn
from ketaconsole.session.workflow import Step
from ketaconsole.store import open_database
from ketaconsole.store.review import timeline
from tests.ui.conftest import unlock
from ui.main_window import MainWindow
from ui.session.plan_page import PlanPage


def test_a_positive_item_nine_is_acknowledged_by_name_before_the_plan(
        qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    unlock(qtbot, window)
    panel = window.monitor.session
    window.monitor.side.setCurrentWidget(panel)
    flow = window.room.workflow
    flow.check_in(CheckIn(DEMO_PATIENT[0], DEMO_PATIENT[1], 70.0, "none known", "none", "none",
                          False, "none", 8.0, 3.0, True, "left antecubital", True, mrn=DEMO_MRN,
                          height_cm=172.0, pregnancy="no"))
    flow.confirm_baseline({"MDC_PRESS_BLD_NONINV_SYS": 124.0})
    panel.show_step()
    plan = panel.pages[Step.PLAN]
    assert isinstance(plan, PlanPage)
    qtbot.waitUntil(lambda: panel.stack.currentWidget() is plan, timeout=5000)
    box = plan.measures

    qtbot.mouseClick(box.record_button, Qt.MouseButton.LeftButton)
    assert "item 1" in box.message.text()  # unanswered: nothing recorded
    for answer, value in zip(box.answers, [1, 1, 1, 1, 1, 1, 1, 1, 1], strict=True):
        answer.setCurrentIndex(answer.findData(value))
    qtbot.mouseClick(box.record_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "self-harm" in box.flag.text(), timeout=10000)
    assert box.acknowledge.isVisibleTo(box)
    # today's PHQ-9 is the rule's input now: from 20 to 9 is a response, same dose
    qtbot.waitUntil(lambda: "PHQ-9 from 20 to 9" in plan.course.text(), timeout=5000)
    window.grab().save(str(tmp_path / "plan.png"))

    qtbot.mouseClick(plan.confirm, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "must acknowledge" in plan.message.text(), timeout=10000)
    assert flow.step is Step.PLAN

    box.ack_name.setText("Dr Demo Prescriber")
    box.ack_action.setText("passive thoughts, no plan; safety plan reviewed")
    qtbot.mouseClick(box.acknowledge, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not flow.open_flags and box.flag.text() == "", timeout=10000)
    qtbot.mouseClick(plan.confirm, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: flow.step is Step.INFUSION, timeout=10000)

    database = open_database(f"sqlite:///{tmp_path / 'record.sqlite3'}")
    try:
        kinds = [e.kind for e in timeline(database, flow.service_id())]
    finally:
        database.dispose()
    assert kinds.index("measure") < kinds.index("clinical_flag_acknowledged") \
        < kinds.index("dose_proposal") < kinds.index("dose_plan")


def test_a_clinic_without_madrs_is_not_offered_it(
        qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    from ketaconsole.security import AuditLog, Guard
    from ketaconsole.security.admin import change_setting
    from ketaconsole.security.users import find_user

    database = open_database(f"sqlite:///{tmp_path / 'record.sqlite3'}")
    try:
        admin = find_user(database, "demo-admin")
        assert admin is not None
        change_setting(Guard(AuditLog(database)), admin, "madrs", "0")
    finally:
        database.dispose()
    unlock(qtbot, window)
    panel = window.monitor.session
    window.monitor.side.setCurrentWidget(panel)
    plan = panel.pages[Step.PLAN]
    assert isinstance(plan, PlanPage)
    offered = [plan.measures.instrument.itemText(i)
               for i in range(plan.measures.instrument.count())]
    assert "MADRS" in offered  # before check-in: every scale the console knows
    flow = window.room.workflow
    flow.check_in(CheckIn(DEMO_PATIENT[0], DEMO_PATIENT[1], 70.0, "none known", "none", "none",
                          False, "none", 8.0, 3.0, True, "left antecubital", True, mrn=DEMO_MRN,
                          height_cm=172.0, pregnancy="no"))
    flow.confirm_baseline({"MDC_PRESS_BLD_NONINV_SYS": 124.0})
    panel.show_step()
    qtbot.waitUntil(lambda: panel.stack.currentWidget() is plan, timeout=5000)
    plan.show_advice()
    offered = [plan.measures.instrument.itemText(i)
               for i in range(plan.measures.instrument.count())]
    assert offered == ["PHQ-9", "GAD-7"]
    assert flow.advice is not None and not flow.advice.course.madrs_in_use


def test_tab_goes_through_the_items_of_the_scale_now_shown(qtbot: QtBot) -> None:
    import time

    from PySide6.QtWidgets import QApplication

    from ketaconsole.alarms import AlarmSystem, default_profile
    from ketaconsole.live.engine import Engine
    from ketaconsole.session.model import SessionModel
    from ketaconsole.session.workflow import SessionWorkflow
    from tests.room_support import acting_as
    from ui.session.measures_box import MeasuresBox

    workflow = SessionWorkflow(SessionModel(Engine(), AlarmSystem(default_profile()), []),
                               clock=time.time, door=acting_as("nia"))
    box = MeasuresBox(workflow, lambda _call: None)
    qtbot.addWidget(box)
    with qtbot.waitActive(box):
        box.show()
        box.activateWindow()
    box.instrument.setCurrentText("GAD-7")
    assert len(box.answers) == 7
    qtbot.waitUntil(lambda: box.answers[-1].isVisible(), timeout=5000)
    box.instrument.setFocus(Qt.FocusReason.TabFocusReason)
    for expected in [*box.answers, box.record_button]:
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        assert QApplication.focusWidget() is expected
