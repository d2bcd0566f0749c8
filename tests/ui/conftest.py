"""UI test fixtures: an engine fed by the demo room's simulated devices over real ptys."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from ketaconsole.bedside.room import Room
from ketaconsole.demo.room import demo_room as build_demo_room
from ketaconsole.devices.registry import DriverRegistry, built_ins_only
from ketaconsole.sim.virtual_patient import SCENARIOS
from tests.ui.staffed_console import staffed_window  # noqa: F401  (a fixture)
from ui.main_window import MainWindow
from ui.session.session_pages import CheckInPage


@pytest.fixture
def demo_room() -> Iterator[Room]:
    """The demo's room (simulators on ptys, real drivers), without a record."""
    room = build_demo_room(SCENARIOS["normal"], speed=60.0, database_url=None,
                           registry=DriverRegistry.discover(allowed=built_ins_only))
    try:
        yield room
    finally:
        room.stop()


@pytest.fixture(autouse=True)
def console_theme(qapp: object) -> Iterator[None]:
    """Every UI test sees the console's own theme; afterwards its widgets are freed now.

    The tear-down runs after pytest-qt has closed the test's widgets: deleting them and
    collecting their Python wrappers here, on the GUI thread, keeps a plot's wrapper from
    being freed at a random moment in a later test (which can crash PySide6).
    """
    import gc

    from PySide6.QtCore import QCoreApplication, QEvent
    from PySide6.QtWidgets import QApplication

    from ui.theme import apply_theme
    from ui.widgets.wheel_guard import guard_wheel

    assert isinstance(qapp, QApplication)
    apply_theme(qapp)
    guard_wheel(qapp)
    yield
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    qapp.processEvents()
    gc.collect()


@pytest.fixture
def window(qtbot: QtBot, tmp_path: Path,
           monkeypatch: pytest.MonkeyPatch) -> Iterator[MainWindow]:
    """The demo's window at 60x, on a record and a data folder of the test's own (a test
    module that needs another window names its own ``window``)."""
    monkeypatch.setenv("KETACONSOLE_HOME", str(tmp_path))
    yield from open_demo_window(qtbot, tmp_path, speed=60.0)


def open_demo_window(qtbot: QtBot, tmp_path: Path, *, speed: float) -> Iterator[MainWindow]:
    """The demo's main window on a throw-away record, closed and stopped afterwards."""
    room = build_demo_room(SCENARIOS["normal"], speed=speed,
                           database_url=f"sqlite:///{tmp_path / 'record.sqlite3'}",
                           registry=DriverRegistry.discover(allowed=built_ins_only))
    main = MainWindow(room)
    qtbot.addWidget(main)
    main.show()
    try:
        yield main
    finally:
        main.close_now()
        room.stop()


def sized(qtbot: QtBot, window: MainWindow, size: tuple[int, int]) -> None:
    """Make the window ``size`` (width, height) and wait until it is laid out so."""
    window.resize(*size)
    qtbot.waitUntil(lambda: (window.width(), window.height()) == size, timeout=3000)
    qtbot.wait(50)


def unlock(qtbot: QtBot, window: MainWindow, username: str = "demo-nurse",
           pin: str = "2468") -> None:
    """Log in at the lock panel by choosing the user and typing the PIN, as a nurse does."""
    from PySide6.QtCore import Qt

    panel = window.lock_panel
    assert panel is not None
    qtbot.waitUntil(lambda: panel.isVisible(), timeout=5000)
    panel.user_choice.setCurrentIndex(panel.user_choice.findData(username))
    qtbot.keyClicks(panel.pin, pin)
    qtbot.mouseClick(panel.unlock_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not panel.isVisible(), timeout=10000)


def settle_deleted(qtbot: QtBot, widget: object) -> None:
    """Delete a screen and collect its Python wrappers now, on the GUI thread.

    Screens with plots left for Python's collector to free at a random later moment
    can crash the interpreter in the middle of another test (PySide6 with pyqtgraph).
    """
    import gc

    from PySide6.QtWidgets import QWidget

    assert isinstance(widget, QWidget)
    widget.close()
    widget.deleteLater()
    qtbot.wait(10)
    gc.collect()


class _Worker(Protocol):
    def wait_idle(self, timeout: float = ...) -> None: ...


def deliver_answers(*workers: _Worker) -> None:
    """Every call these workers started has returned, and its answer has reached the GUI
    thread's slots (``done``, ``failed`` or ``forgotten`` of a ``BackgroundCalls``).

    A call's answer is queued for the GUI thread as it returns: once the call's thread has
    ended, sending the posted events delivers it. Then what a screen does not show is not
    merely on its way, and a test may assert it without sleeping first.
    """
    from PySide6.QtCore import QCoreApplication

    for worker in workers:
        worker.wait_idle()
        assert not getattr(worker, "busy", False), f"{worker!r} is still working"
    QCoreApplication.sendPostedEvents()


def type_into(qtbot: QtBot, page: object, key: str, text: str) -> None:
    """Type ``text`` into a workflow page's field ``key`` as a nurse would (cleared first)."""
    from PySide6.QtWidgets import QLineEdit

    field = page.form.fields[key]  # type: ignore[attr-defined]
    assert isinstance(field, QLineEdit)
    field.clear()
    qtbot.keyClicks(field, text)


def fill_check_in(qtbot: QtBot, page: object, **typed: str) -> None:
    """Complete the check-in checklist (answers as typed; ``typed`` adds or replaces fields)."""
    from PySide6.QtWidgets import QCheckBox, QComboBox

    answers = {"allergies": "none known", "current_medication": "none",
               "substance_use": "none", "bp_history": "none", "iv_site": "left antecubital",
               "solids_hours": "8", "clear_liquids_hours": "3", "height_cm": "172", **typed}
    for key, text in answers.items():
        type_into(qtbot, page, key, text)
    fields = page.form.fields  # type: ignore[attr-defined]
    screen = fields["psychosis_or_mania"]
    assert isinstance(screen, QComboBox)
    screen.setCurrentIndex(1)
    pregnancy = fields["pregnancy"]
    assert isinstance(pregnancy, QComboBox)
    pregnancy.setCurrentIndex(pregnancy.findText("not applicable"))
    for key in ("consent_signed", "escort_present"):
        box = fields[key]
        assert isinstance(box, QCheckBox)
        qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=box.rect().topLeft())
        if not box.isChecked():
            box.setChecked(True)


def wait_step(qtbot: QtBot, window: MainWindow, step: object) -> None:
    """Wait until the workflow is at ``step`` and its page is the one shown."""
    panel = window.monitor.session
    qtbot.waitUntil(lambda: window.room.workflow.step is step, timeout=15000)
    qtbot.waitUntil(lambda: panel.stack.currentWidget() is panel.pages[step],  # type: ignore[index]
                    timeout=15000)


def nurse_at_check_in(qtbot: QtBot, window: MainWindow) -> CheckInPage:
    """Log in as the demo nurse and open the Session panel at its check-in page."""
    from ketaconsole.session.workflow import Step
    from ui.session.session_pages import CheckInPage

    unlock(qtbot, window)
    panel = window.monitor.session
    window.monitor.side.setCurrentWidget(panel)
    page = panel.pages[Step.CHECK_IN]
    assert isinstance(page, CheckInPage)
    return page


def choose(box: object, value: object) -> None:
    """Pick the entry of a drop-down whose data is ``value``."""
    from PySide6.QtWidgets import QComboBox

    assert isinstance(box, QComboBox)
    box.setCurrentIndex(box.findData(value))


def click(qtbot: QtBot, button: object) -> None:
    """Press an enabled button with the mouse, as a person does."""
    from PySide6.QtWidgets import QPushButton

    assert isinstance(button, QPushButton)
    assert button.isEnabled(), f"{button.text()} is disabled"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def check_in_at_page(qtbot: QtBot, window: MainWindow) -> None:
    """Complete and sign the (pre-filled) check-in page; wait for the Baseline step."""
    from ketaconsole.session.workflow import Step
    from ui.session.session_pages import CheckInPage

    page = window.monitor.session.pages[Step.CHECK_IN]
    assert isinstance(page, CheckInPage)
    fill_check_in(qtbot, page)
    click(qtbot, page.sign)
    wait_step(qtbot, window, Step.BASELINE)


def confirm_baseline_at_page(qtbot: QtBot, window: MainWindow) -> None:
    """Type the baseline vitals and confirm them; wait for the Dose plan step."""
    from ketaconsole.catalogue import NIBP_DIA, NIBP_SYS, PULSE_RATE, SPO2
    from ketaconsole.session.workflow import Step
    from ui.session.session_pages import BaselinePage

    baseline = window.monitor.session.pages[Step.BASELINE]
    assert isinstance(baseline, BaselinePage)
    for metric, value in ((NIBP_SYS, "124"), (NIBP_DIA, "78"), (PULSE_RATE, "72"),
                          (SPO2, "97")):
        type_into(qtbot, baseline, metric.refid, value)
    click(qtbot, baseline.confirm)
    wait_step(qtbot, window, Step.PLAN)


def confirm_plan_at_page(qtbot: QtBot, window: MainWindow) -> None:
    """Confirm the proposed plan once the page shows its rate; wait for the Infusion step."""
    from ketaconsole.session.workflow import Step
    from ui.session.plan_page import PlanPage

    plan = window.monitor.session.pages[Step.PLAN]
    assert isinstance(plan, PlanPage)
    qtbot.waitUntil(lambda: "mL/h" in plan.computed.text(), timeout=5000)
    click(qtbot, plan.confirm)
    wait_step(qtbot, window, Step.INFUSION)


def through_plan(qtbot: QtBot, window: MainWindow) -> None:
    """Check the demo patient in, confirm the baseline and the proposed plan at the pages."""
    check_in_at_page(qtbot, window)
    confirm_baseline_at_page(qtbot, window)
    confirm_plan_at_page(qtbot, window)
