"""The Baseline page takes the mean pressure where the cuff gives one, and does without it.

A manual cuff gives no mean: left empty, the baseline is confirmed without it (the
mean's fall-from-baseline limit then stays silent); typed, it is the patient's baseline
mean that the low-blood-pressure alarm judges falls against.
"""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from ketaconsole.catalogue import NIBP_DIA, NIBP_MEAN, NIBP_SYS, PULSE_RATE, SPO2
from ketaconsole.session.workflow import Step
from tests.ui.conftest import (
    check_in_at_page,
    click,
    type_into,
    unlock,
    wait_step,
)
from ui.main_window import MainWindow
from ui.session.session_pages import BaselinePage


@pytest.mark.parametrize(("typed", "baseline"), [("", None), ("93", 93.0)])
def test_the_baseline_mean_is_taken_when_typed_and_may_be_left_empty(
        qtbot: QtBot, window: MainWindow, typed: str, baseline: float | None) -> None:
    unlock(qtbot, window)
    window.monitor.side.setCurrentWidget(window.monitor.session)
    check_in_at_page(qtbot, window)
    page = window.monitor.session.pages[Step.BASELINE]
    assert isinstance(page, BaselinePage)
    for metric, value in ((NIBP_SYS, "124"), (NIBP_DIA, "78"), (NIBP_MEAN, typed),
                          (PULSE_RATE, "72"), (SPO2, "97")):
        type_into(qtbot, page, metric.refid, value)
    click(qtbot, page.confirm)
    wait_step(qtbot, window, Step.PLAN)
    assert window.room.workflow.baseline.get(NIBP_MEAN.refid) == baseline
    assert window.room.workflow.baseline[NIBP_SYS.refid] == 124.0
