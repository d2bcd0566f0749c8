"""No page, form or dialog ever covers the vitals or an active alarm.

The console opens no modal dialogs at all (checked over the ui package's source), and
with a high alarm active every side-panel page leaves the alarm bar and the tiles on
top and visible: the widget at the centre of each is the widget itself.
"""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from ketaconsole.catalogue import SPO2
from ketaconsole.live.engine import Engine
from ketaconsole.observations import Numeric
from tests.room_support import bare_room
from ui.main_window import MainWindow

UI = Path(__file__).resolve().parents[3] / "ui"
T0 = 1_800_000_000.0
MODAL = re.compile(r"\b(QDialog|QMessageBox|QFileDialog|QInputDialog|QProgressDialog)\b"
                   r"|(?<!app)\.exec\(\)")


def test_the_ui_opens_no_modal_dialog() -> None:
    offenders = [f"{path.name}:{n}" for path in sorted(UI.glob("*.py"))
                 for n, line in enumerate(path.read_text().splitlines(), start=1)
                 if MODAL.search(line)]
    assert offenders == []


def _on_top(window: QWidget, widget: QWidget) -> bool:
    centre = widget.mapTo(window, widget.rect().center())
    found = window.childAt(QPoint(centre))
    while found is not None and found is not widget:
        found = found.parentWidget()
    return found is widget and widget.isVisible()


def test_every_side_page_leaves_the_alarm_and_the_tiles_visible(qtbot: QtBot) -> None:
    engine = Engine(clock=lambda: T0 + 20)
    room = bare_room(engine=engine)
    for second in range(21):
        engine.ingest([Numeric("ox", SPO2.refid, 84.0, "%", T0 + second)])
        room.alarms.evaluate(T0 + second)
    window = MainWindow(room)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    monitor = window.monitor
    for index in range(monitor.side.count()):
        monitor.side.setCurrentIndex(index)
        monitor.refresh(T0 + 20)
        qtbot.wait(10)
        chip = monitor.alarm_bar.chips[0]
        assert chip.text().startswith("***"), monitor.side.tabText(index)
        assert _on_top(window, chip), monitor.side.tabText(index)
        for tile in monitor.tiles.values():
            assert _on_top(window, tile.value), monitor.side.tabText(index)


def test_the_lock_panel_leaves_the_alarm_visible_and_acknowledging_is_audited(
        qtbot: QtBot, tmp_path: Path) -> None:
    from ketaconsole.security import Action

    engine = Engine(clock=lambda: T0 + 20)
    room = bare_room(f"sqlite:///{tmp_path / 'record.sqlite3'}", engine=engine)
    security, database = room.security, room.database
    assert security is not None and database is not None
    security.seed_demo_users()
    for second in range(21):
        engine.ingest([Numeric("ox", SPO2.refid, 84.0, "%", T0 + second)])
        room.alarms.evaluate(T0 + second)
    window = MainWindow(room)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    try:
        assert security.locked and window.lock_panel is not None
        monitor = window.monitor
        monitor.refresh(T0 + 20)
        qtbot.wait(10)
        assert window.lock_panel.isVisible() and not monitor.side.isVisible()
        chip = monitor.alarm_bar.chips[0]
        assert chip.text().startswith("***") and _on_top(window, chip)
        for tile in monitor.tiles.values():
            assert _on_top(window, tile.value)
        monitor.alarm_bar.acknowledge_all()
        actions = [e.action for e in security.audit.entries()]
        assert Action.ALARM_ACTION_WHILE_LOCKED in actions
    finally:
        window.close()
        room.stop()
