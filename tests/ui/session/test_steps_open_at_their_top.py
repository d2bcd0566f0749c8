"""Each session step opens at its top, not at the scroll position the last step was left at."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from ketaconsole.session.workflow import Step
from tests.ui.conftest import check_in_at_page, open_demo_window, unlock, wait_step
from ui.main_window import MainWindow


@pytest.fixture
def window(qtbot: QtBot, tmp_path: Path) -> Iterator[MainWindow]:
    yield from open_demo_window(qtbot, tmp_path, speed=1.0)


def test_the_baseline_opens_at_its_top_after_a_check_in_scrolled_to_its_end(
        qtbot: QtBot, window: MainWindow) -> None:
    unlock(qtbot, window)
    panel = window.monitor.session
    window.monitor.side.setCurrentWidget(panel)
    wait_step(qtbot, window, Step.CHECK_IN)
    bar = panel.scroller.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0, timeout=5000)  # the check-in is long
    bar.setValue(bar.maximum())
    check_in_at_page(qtbot, window)
    assert bar.value() == 0
