"""A whole session at each bedside screen size shows nothing cut off: the header, the
tiles, every step's page, the timeline's forms, Records and Audit.

Each step is captured to the folder named by ``KETACONSOLE_SCREENSHOTS`` (or the test's
own temporary folder), for a person to look at.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from ketaconsole.catalogue import SPO2
from ketaconsole.session.scales import SCALES
from ketaconsole.session.workflow import Step
from tests.ui.clipping import clipped
from tests.ui.conftest import (
    check_in_at_page,
    click,
    confirm_baseline_at_page,
    confirm_plan_at_page,
    open_demo_window,
    sized,
    unlock,
    wait_step,
)
from ui.main_window import MainWindow
from ui.records.audit_screen import AuditScreen
from ui.records.records_screen import RecordsScreen

SIZES = ((1280, 800), (1366, 768), (1920, 1080), (2560, 1440), (1280, 720))
"""The bedside screens, and 1920x1080 at 150 % scaling (1280x720 of the window's units)."""


@pytest.fixture
def window(qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[MainWindow]:
    monkeypatch.setenv("KETACONSOLE_HOME", str(tmp_path))
    yield from open_demo_window(qtbot, tmp_path, speed=60.0)


class Looker:
    """Captures each view and collects what it cuts off."""

    def __init__(self, qtbot: QtBot, window: MainWindow, folder: Path, size: str) -> None:
        self.qtbot, self.window, self.folder, self.size = qtbot, window, folder, size
        self.found: list[str] = []
        self.count = 0

    def look(self, what: str, *extra: QWidget) -> None:
        window, monitor = self.window, self.window.monitor
        self.qtbot.wait(120)
        monitor.refresh(window.room.engine.clock())
        self.qtbot.wait(60)  # the refreshed texts laid out
        self.count += 1
        window.grab().save(str(self.folder / f"{self.size}-{self.count:02d}-{what}.png"))
        roots = [monitor.header, monitor.alarm_bar, monitor.record_banner, monitor.status,
                 *monitor.tiles.values(), monitor.blood_pressure,
                 *monitor.pumps, monitor.side_stack.currentWidget(), *extra]
        for root in roots:
            self.found += [f"{what}: {problem}"
                           for problem in clipped(root, window, monitor.side_stack
                                                  if root is not monitor.header and
                                                  monitor.side_stack.isAncestorOf(root)
                                                  else None)]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_a_whole_session_shows_nothing_cut_off(
        qtbot: QtBot, window: MainWindow, tmp_path: Path, size: tuple[int, int]) -> None:
    folder = Path(os.environ.get("KETACONSOLE_SCREENSHOTS", tmp_path / "screens"))
    folder.mkdir(parents=True, exist_ok=True)
    sized(qtbot, window, size)
    looker = Looker(qtbot, window, folder, f"{size[0]}x{size[1]}")
    qtbot.waitUntil(lambda: window.monitor.tiles[SPO2.refid].value.text().isdigit(),
                    timeout=15000)
    looker.look("locked")
    unlock(qtbot, window)
    side, panel = window.monitor.side, window.monitor.session
    side.setCurrentWidget(panel)
    check_in = panel.pages[Step.CHECK_IN]
    click(qtbot, check_in.sign)  # empty: every problem shows beside its field
    qtbot.waitUntil(lambda: check_in.form.errors["iv_site"].text() != "", timeout=10000)
    looker.look("check-in-problems")
    check_in_at_page(qtbot, window)
    looker.look("baseline")
    confirm_baseline_at_page(qtbot, window)
    plan = panel.pages[Step.PLAN]
    qtbot.waitUntil(lambda: "mL/h" in plan.computed.text(), timeout=5000)
    looker.look("plan")
    scroll = panel.scroller.verticalScrollBar()
    scroll.setValue(scroll.maximum())
    looker.look("plan-scrolled")
    scroll.setValue(0)
    confirm_plan_at_page(qtbot, window)
    infusion = panel.pages[Step.INFUSION]
    click(qtbot, infusion.buttons["start"])
    qtbot.waitUntil(lambda: infusion.buttons["stop"].isEnabled(), timeout=10000)
    qtbot.waitUntil(lambda: window.monitor.header.elapsed.text() not in ("", "--:--"),
                    timeout=10000)
    looker.look("infusion")
    side.setCurrentWidget(window.monitor.timeline)
    timeline = window.monitor.timeline
    looker.look("timeline")
    timeline.scale_button.click()
    for scale in SCALES:
        timeline.scale.which.setCurrentText(scale)
        looker.look(f"scale-{scale.replace('/', '')}")
    timeline.close_form()
    for open_form in (timeline.rescue_button, timeline.note_button, timeline.adverse_button):
        open_form.click()
        looker.look(f"form-{open_form.text().strip('.…').lower().replace(' ', '-')}")
        timeline.close_form()
    side.setCurrentWidget(panel)
    click(qtbot, infusion.buttons["stop"])
    wait_step(qtbot, window, Step.RECOVERY)
    looker.look("recovery")
    click(qtbot, panel.pages[Step.RECOVERY].begin)
    wait_step(qtbot, window, Step.DISCHARGE)
    looker.look("discharge")
    discharge = panel.pages[Step.DISCHARGE]
    for box in discharge.boxes.values():
        box.setCurrentIndex(box.findData(2))
    click(qtbot, discharge.record_button)
    wait_step(qtbot, window, Step.SIGN_OFF)
    looker.look("sign-off")
    for index in range(side.count()):
        if side.isTabVisible(index) and side.tabText(index) in ("Records", "Devices"):
            side.setCurrentIndex(index)
            qtbot.wait(300)
            looker.look(side.tabText(index).lower())
    assert window.records_page is not None and window.audit_page is not None
    records = window.records_page.ensure_built()
    assert isinstance(records, RecordsScreen)
    side.setCurrentWidget(window.records_page)
    qtbot.waitUntil(lambda: records.table.rowCount() > 1, timeout=10000)
    assert records.table.height() >= 5 * records.table.verticalHeader().defaultSectionSize(), \
        "the list shows at least five sessions"
    records.open_row(0)
    qtbot.waitUntil(lambda: records.review.events.rowCount() > 5, timeout=10000)
    looker.look("record-opened")
    events = records.review.events
    assert events.height() >= 5 * events.verticalHeader().defaultSectionSize(), \
        "an opened record shows at least five of its entries"
    window.lock_now()
    unlock(qtbot, window, "demo-admin", "135790")
    side.setCurrentWidget(window.audit_page)
    audit = window.audit_page.ensure_built()
    assert isinstance(audit, AuditScreen)
    qtbot.waitUntil(lambda: audit.table.rowCount() > 5, timeout=10000)
    looker.look("audit")
    assert audit.table.height() >= 5 * audit.table.verticalHeader().defaultSectionSize(), \
        "the audit trail shows at least five entries"
    assert looker.found == [], "\n".join(looker.found)
