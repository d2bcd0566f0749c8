"""The mouse wheel over a form scrolls the page; it never changes an answer it passes over,
and Tab moves through the visible fields without changing any.

Every form of the console is visited as a nurse reaches it: the session's steps at their
pages, the timeline's forms (rescue medication, each scale, note, adverse event), the
course's forms (follow-up, assessment), the Devices page's tabs, the Records filters, the
lock panel and the first-admin form.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSlider,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QScrollArea,
    QScrollBar,
    QSpinBox,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)
from pytestqt.qtbot import QtBot

from ketaconsole.bedside.security import BedsideSecurity
from ketaconsole.session.discharge import SCALES as DISCHARGE_SCALES
from ketaconsole.session.workflow import Step
from ketaconsole.store import open_database
from tests.ui.conftest import (
    check_in_at_page,
    click,
    confirm_baseline_at_page,
    confirm_plan_at_page,
    open_demo_window,
    unlock,
    wait_step,
)
from ui.course.course_view import CourseView
from ui.lock.first_admin_form import FirstAdminForm
from ui.main_window import MainWindow
from ui.session.plan_page import PlanPage
from ui.widgets.wheel_guard import VALUE_WIDGETS


@pytest.fixture
def window(qtbot: QtBot, tmp_path: Path) -> Iterator[MainWindow]:
    yield from open_demo_window(qtbot, tmp_path, speed=1.0)


def _value(widget: QWidget) -> object:
    if isinstance(widget, QComboBox):
        return widget.currentIndex()
    if isinstance(widget, QAbstractSpinBox):
        return widget.text()
    assert isinstance(widget, QAbstractSlider)
    return widget.value()


def _wheel(widget: QWidget, notches: int) -> None:
    """Turn the wheel over the middle of ``widget`` (120 per notch, as a mouse sends)."""
    centre = widget.rect().center()
    event = QWheelEvent(QPointF(centre), QPointF(widget.mapToGlobal(centre)), QPoint(0, 0),
                        QPoint(0, 120 * notches), Qt.MouseButton.NoButton,
                        Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(widget, event)


def _turned_values(window: QWidget) -> list[str]:
    """Every visible value widget the wheel changed (up two notches, down three)."""
    changed = []
    for widget in window.findChildren(QWidget):
        if not isinstance(widget, VALUE_WIDGETS) or isinstance(widget, QScrollBar) \
                or not widget.isVisible() or not widget.isEnabled():
            continue  # a scroll bar scrolls the page: that is what the wheel is for
        before = _value(widget)
        _wheel(widget, 2)
        _wheel(widget, -3)
        if _value(widget) != before:
            changed.append(f"{type(widget).__name__} {widget.objectName() or widget.toolTip()!r}"
                           f": {before!r} -> {_value(widget)!r}")
    return changed


def _values(root: QWidget) -> dict[str, object]:
    """Every value a person could change on ``root``: choices, numbers, texts, ticks."""
    found: dict[str, object] = {}
    for index, widget in enumerate(root.findChildren(QWidget)):
        name = f"{index} {type(widget).__name__} {widget.accessibleName() or widget.objectName()}"
        if isinstance(widget, QScrollBar):
            continue  # the page scrolling under the wheel is what the wheel is for
        if isinstance(widget, VALUE_WIDGETS):
            found[name] = _value(widget)
        elif isinstance(widget, QLineEdit):
            found[name] = widget.text()
        elif isinstance(widget, QTextEdit | QPlainTextEdit):
            found[name] = widget.toPlainText()
        elif isinstance(widget, QAbstractButton) and widget.isCheckable():
            found[name] = widget.isChecked()
    return found


def _focusable(root: QWidget) -> list[QWidget]:
    return [w for w in root.findChildren(QWidget)
            if w.isVisible() and w.isEnabled()
            and w.focusPolicy() & Qt.FocusPolicy.TabFocus == Qt.FocusPolicy.TabFocus]


def _tab_through(qtbot: QtBot, form: QWidget) -> list[str]:
    """Tab from the form's first field through all of its fields; what Tab landed on that
    a person cannot see (Tab order must follow the visible order)."""
    fields = _focusable(form)
    if not fields:
        return []
    fields[0].setFocus(Qt.FocusReason.TabFocusReason)
    hidden = []
    for _ in range(len(fields)):
        focused = QApplication.focusWidget()
        if focused is None:
            break
        qtbot.keyClick(focused, Qt.Key.Key_Tab)
        landed = QApplication.focusWidget()
        if landed is not None and not landed.isVisible():
            hidden.append(f"{type(landed).__name__} {landed.accessibleName()!r}")
    focused = QApplication.focusWidget()
    if focused is not None:
        focused.clearFocus()  # the wheel test that follows starts with nothing focused
    return hidden


def assert_still(qtbot: QtBot, window: QWidget, form: QWidget, what: str) -> int:
    """Wheel over every value widget of ``form``, then Tab through it: nothing changed,
    Tab never landed on a hidden field. Returns how many value widgets were turned."""
    qtbot.wait(50)
    focused = QApplication.focusWidget()
    if focused is not None:
        focused.clearFocus()
    before = _values(window)
    turned = [w for w in form.findChildren(QWidget)
              if isinstance(w, VALUE_WIDGETS) and w.isVisible() and w.isEnabled()]
    changed = _turned_values(form)
    assert changed == [], (what, changed)
    assert _tab_through(qtbot, form) == [], (what, "Tab reached a field that is not shown")
    after = _values(window)
    assert {k: (v, after.get(k)) for k, v in before.items() if after.get(k) != v} == {}, what
    return len(turned)


def test_the_wheel_over_every_form_of_a_session_changes_no_value(
        qtbot: QtBot, window: MainWindow) -> None:
    unlock(qtbot, window)
    window.monitor.side.setCurrentWidget(window.monitor.session)
    seen = 0
    for step in (Step.CHECK_IN, Step.BASELINE, Step.PLAN):
        wait_step(qtbot, window, step)
        seen += sum(1 for w in window.findChildren(QWidget)
                    if isinstance(w, VALUE_WIDGETS) and w.isVisible())
        assert _turned_values(window) == [], step
        if step is Step.CHECK_IN:
            check_in_at_page(qtbot, window)
        elif step is Step.BASELINE:
            confirm_baseline_at_page(qtbot, window)
    assert seen >= 12, "the check-in screen and the PHQ-9 items were among them"


def test_the_wheel_and_tab_over_every_form_of_the_console_change_no_value(
        qtbot: QtBot, window: MainWindow) -> None:
    """Every form, reached as a nurse reaches it, turned by the wheel and tabbed through."""
    unlock(qtbot, window)
    window.activateWindow()
    monitor, flow = window.monitor, window.room.workflow
    panel = monitor.session
    monitor.side.setCurrentWidget(panel)
    turned: dict[str, int] = {}

    def step(which: Step) -> None:
        wait_step(qtbot, window, which)
        monitor.side.setCurrentWidget(panel)
        turned[which.value] = assert_still(qtbot, window, panel.pages[which], which.value)

    step(Step.CHECK_IN)
    check_in_at_page(qtbot, window)
    step(Step.BASELINE)
    confirm_baseline_at_page(qtbot, window)
    step(Step.PLAN)

    # the course's forms, from the plan page's "Show the course"
    plan = panel.pages[Step.PLAN]
    assert isinstance(plan, PlanPage)
    qtbot.waitUntil(lambda: plan.show_course.isEnabled(), timeout=10000)
    click(qtbot, plan.show_course)
    qtbot.waitUntil(lambda: bool(window.course_page.screens), timeout=10000)
    view = window.course_page.screens[-1]
    assert isinstance(view, CourseView)
    for key in ("follow_up", "assess"):
        click(qtbot, view.buttons[key])
        qtbot.waitUntil(lambda: window.course_page.screens[-1] is not view, timeout=10000)
        form = window.course_page.screens[-1]
        turned[key] = assert_still(qtbot, window, form, key)
        window.course_page.go_back()
    window.course_page.clear()
    monitor.side.setCurrentWidget(panel)
    confirm_plan_at_page(qtbot, window)
    step(Step.INFUSION)

    # the timeline's forms, each scale among them
    flow.infusion_action("start")
    timeline = monitor.timeline
    monitor.side.setCurrentWidget(timeline)
    for button in (timeline.rescue_button, timeline.note_button, timeline.adverse_button):
        click(qtbot, button)
        form = timeline.forms.currentWidget()
        turned[button.text()] = assert_still(qtbot, window, form, button.text())
        timeline.close_form()
    click(qtbot, timeline.scale_button)
    scale_form = timeline.forms.currentWidget()
    which = scale_form.findChild(QComboBox)
    assert which is not None
    for index in range(which.count()):
        which.setCurrentIndex(index)  # the nurse picks the scale
        turned[which.itemText(index)] = assert_still(qtbot, window, scale_form,
                                                     which.itemText(index))
    timeline.close_form()

    flow.infusion_action("stop", reason="dose given")
    monitor.side.setCurrentWidget(panel)
    panel.show_step()
    step(Step.RECOVERY)
    flow.begin_discharge()
    panel.show_step()
    step(Step.DISCHARGE)
    flow.record_discharge("Aldrete", {item.key: 2 for item in DISCHARGE_SCALES["Aldrete"]})
    panel.show_step()
    step(Step.SIGN_OFF)
    flow.sign_off("Demo Nurse")
    panel.show_step()
    step(Step.DONE)
    turned["end session"] = assert_still(qtbot, window, panel.ending, "end session")

    # the Devices page's tabs and the Records filters
    for lazy in (window.devices_page, window.records_page):
        assert lazy is not None
        monitor.side.setCurrentWidget(lazy)
        qtbot.waitUntil(lambda lazy=lazy: lazy.page is not None, timeout=10000)
        qtbot.wait(200)
        tabs = getattr(lazy.page, "tabs", None)
        for index in range(tabs.count() if tabs is not None else 1):
            if tabs is not None:
                tabs.setCurrentIndex(index)
            name = tabs.tabText(index) if tabs is not None else "records"
            turned[name] = assert_still(qtbot, window, lazy, name)

    # the lock panel, locked with the user list under the pointer
    window.lock_now()
    panel_lock = window.lock_panel
    assert panel_lock is not None
    qtbot.waitUntil(panel_lock.isVisible, timeout=5000)
    turned["lock"] = assert_still(qtbot, window, panel_lock, "lock")

    assert turned["Check-in"] >= 1 and turned["Dose plan"] >= 9, turned
    assert turned["CADSS-6"] == 1 + 6 and turned["MOAA/S"] == turned["RASS"] == 2, turned
    assert turned["Port and settings"] >= 3 and turned["lock"] >= 1, turned
    assert turned["follow_up"] >= 9 and turned["Discharge"] >= 1, turned


def test_the_wheel_and_tab_over_the_first_admin_form_change_no_value(
        qtbot: QtBot, tmp_path: Path) -> None:
    database = open_database(f"sqlite:///{tmp_path / 'fresh.sqlite3'}")
    try:
        form = FirstAdminForm(BedsideSecurity(database, place="test"), lambda: None)
        scroller = QScrollArea()
        scroller.setWidgetResizable(True)
        scroller.setWidget(form)
        scroller.resize(500, 300)
        qtbot.addWidget(scroller)
        with qtbot.waitActive(scroller):
            scroller.show()
            scroller.activateWindow()
        for field, text in ((form.display_name, "Ada Admin"), (form.username, "ada")):
            qtbot.keyClicks(field, text)
        assert_still(qtbot, scroller, form, "first admin")
        assert (form.display_name.text(), form.username.text()) == ("Ada Admin", "ada")
    finally:
        database.dispose()


def test_a_value_widget_takes_the_wheel_once_clicked_and_passes_it_on_before(
        qtbot: QtBot) -> None:
    page = QWidget()
    column = QVBoxLayout(page)
    boxes = [QSpinBox() for _ in range(30)]
    for box in boxes:
        column.addWidget(box)
    scroller = QScrollArea()
    scroller.setWidgetResizable(True)
    scroller.setWidget(page)
    scroller.resize(200, 150)
    qtbot.addWidget(scroller)
    with qtbot.waitActive(scroller):
        scroller.show()
        scroller.activateWindow()
    box = boxes[0]
    box.clearFocus()  # the window gave its first field focus as it opened
    _wheel(box, -1)
    assert box.value() == 0 and not box.hasFocus()
    assert box.focusPolicy() is Qt.FocusPolicy.StrongFocus, "the wheel gives it no focus"
    box.setFocus(Qt.FocusReason.MouseFocusReason)  # as a click or Tab gives it
    assert box.hasFocus()
    _wheel(box, 1)
    assert box.value() == 1, "a focused box is the nurse's to turn"
