"""The record banner: a fault is a red line; waiting for the check-in is a plain one."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from ketaconsole.bedside.room import RecordState
from ui import theme
from ui.monitor.record_banner import RecordBanner


def test_waiting_for_check_in_is_not_shown_as_a_fault_but_a_fault_is_red(
        qtbot: QtBot) -> None:
    record = RecordState()
    banner = RecordBanner(record)
    qtbot.addWidget(banner)
    banner.show()
    record.wait("not recording yet: check the patient in (room 3)")
    banner.refresh(0.0)
    assert banner.isVisible() and theme.ALARM_HIGH not in banner.styleSheet()
    assert banner.text() == "not recording yet: check the patient in (room 3)"
    record.fail("the disk is full")
    banner.refresh(1.0)
    assert theme.ALARM_HIGH in banner.styleSheet()
    assert banner.text() == "Record problem: the disk is full"
    record.fail(None)
    banner.refresh(2.0)
    assert not banner.isVisible()
