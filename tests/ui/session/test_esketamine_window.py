"""A whole esketamine session through the window, check-in to discharge, the two-hour
minimum enforced.

The demo's room runs its simulated devices over real ptys with the story's time 240 times
faster (the two-hour minimum is 30 s of the test): the nurse picks esketamine at check-in,
confirms the baseline, chooses 56 mg and types the lot, presses a button as each device is
administered, tries to begin the discharge at once (refused, the page says how long is
left), records when the patient would have been ready to leave, and begins the discharge
once the countdown says the minimum is reached; then the criteria, the sign-off and the
REMS form's export.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from ketaconsole.catalogue import NIBP_DIA, NIBP_SYS, PULSE_RATE, SPO2
from ketaconsole.session.treatment import Treatment
from ketaconsole.session.workflow import Step
from ketaconsole.store import open_database
from ketaconsole.store.review import timeline
from tests.ui.conftest import (
    click,
    fill_check_in,
    open_demo_window,
    type_into,
    unlock,
)
from ui.main_window import MainWindow
from ui.session.esketamine_pages import DosingPage, EsketaminePlanPage
from ui.session.session_pages import CheckInPage

SPEED = 240.0


@pytest.fixture
def window(qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
           ) -> Iterator[MainWindow]:
    monkeypatch.setenv("KETACONSOLE_HOME", str(tmp_path))
    yield from open_demo_window(qtbot, tmp_path, speed=SPEED)


def _at(qtbot: QtBot, window: MainWindow, step: Step) -> None:
    panel = window.monitor.session
    qtbot.waitUntil(lambda: window.room.workflow.step is step, timeout=15000)
    qtbot.waitUntil(lambda: panel.stack.currentWidget() is panel.page_for(step),
                    timeout=15000)


def test_a_nurse_runs_a_whole_esketamine_session_with_the_two_hour_rule(
        qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    side, panel = window.monitor.side, window.monitor.session
    unlock(qtbot, window)
    side.setCurrentWidget(panel)

    check_in = panel.pages[Step.CHECK_IN]
    assert isinstance(check_in, CheckInPage)
    check_in.treatment.setCurrentIndex(check_in.treatment.findData(Treatment.ESKETAMINE.value))
    fill_check_in(qtbot, check_in, iv_site="none (nasal spray)",
                  current_medication="lorazepam 0.5 mg at night")
    click(qtbot, check_in.sign)
    _at(qtbot, window, Step.BASELINE)
    baseline = panel.pages[Step.BASELINE]
    for metric, value in ((NIBP_SYS, "124"), (NIBP_DIA, "78"), (PULSE_RATE, "72"),
                          (SPO2, "97")):
        type_into(qtbot, baseline, metric.refid, value)
    click(qtbot, baseline.confirm)  # type: ignore[attr-defined]
    _at(qtbot, window, Step.PLAN)

    dose = panel.page_for(Step.PLAN)
    assert isinstance(dose, EsketaminePlanPage) and dose.isVisible()
    assert "Esketamine dose" in panel.steps.text() and "Dosing and monitoring" in \
        panel.steps.text()
    assert [dose.dose.itemData(i) for i in range(dose.dose.count())] == [56, 84]
    dose.dose.setCurrentIndex(dose.dose.findData(56))
    type_into(qtbot, dose, "lot", "L2291A")
    click(qtbot, dose.confirm)
    _at(qtbot, window, Step.INFUSION)

    dosing = panel.page_for(Step.INFUSION)
    assert isinstance(dosing, DosingPage)
    assert dosing.administer.text() == "Device 1 administered"
    assert not dosing.begin.isEnabled()
    click(qtbot, dosing.administer)
    qtbot.waitUntil(lambda: dosing.administer.text() == "Device 2 administered", timeout=10000)
    assert "device 1 at" in dosing.devices.text()
    assert "Two-hour minimum:" in dosing.countdown.text()
    click(qtbot, dosing.administer)
    _at(qtbot, window, Step.RECOVERY)
    assert panel.page_for(Step.RECOVERY) is dosing
    qtbot.waitUntil(lambda: "device 2 at" in dosing.devices.text(), timeout=10000)

    click(qtbot, dosing.begin)  # at once: the two hours are not over
    qtbot.waitUntil(lambda: "two hours" in dosing.form.errors["early_reason"].text(),
                    timeout=10000)
    assert window.room.workflow.step is Step.RECOVERY
    assert "BP before the first device" in dosing.checks.text()

    click(qtbot, dosing.ready)  # ready to leave now (blank time)
    qtbot.waitUntil(lambda: "recorded" in dosing.ready_note.text(), timeout=10000)

    qtbot.waitUntil(lambda: dosing.countdown.text() == "Two-hour minimum reached",
                    timeout=60000)  # the monitor's frame timer refreshes the page
    click(qtbot, dosing.begin)
    _at(qtbot, window, Step.DISCHARGE)

    discharge = panel.pages[Step.DISCHARGE]
    for box in discharge.boxes.values():  # type: ignore[attr-defined]
        box.setCurrentIndex(box.findData(2))
    click(qtbot, discharge.record_button)  # type: ignore[attr-defined]
    _at(qtbot, window, Step.SIGN_OFF)
    sign_off = panel.pages[Step.SIGN_OFF]
    type_into(qtbot, sign_off, "name", "Nurse Ratched")
    click(qtbot, sign_off.sign)  # type: ignore[attr-defined]
    _at(qtbot, window, Step.DONE)
    done = panel.pages[Step.DONE]
    rems = done.export_buttons["rems"]  # type: ignore[attr-defined]
    assert rems.isVisible()
    click(qtbot, rems)
    qtbot.waitUntil(lambda: "rems.json" in done.exported.text(),  # type: ignore[attr-defined]
                    timeout=30000)
    (form_file,) = (tmp_path / "exports").glob("*-rems.json")
    form = json.loads(form_file.read_text(encoding="utf-8"))
    assert form["dose_mg"] == 56 and form["lot"] == "L2291A"
    assert form["concomitant_medications"]["benzodiazepines"] == ["lorazepam"]
    assert form["monitoring"]["ready_to_leave_at"] is not None

    service = window.room.service
    assert service is not None
    database = open_database(f"sqlite:///{tmp_path / 'record.sqlite3'}")
    try:
        kinds = [e.kind for e in timeline(database, service.session_id)]
    finally:
        database.dispose()
    for kind in ("check_in", "treatment", "baseline", "esketamine_plan", "nasal_device",
                 "ready_to_leave", "discharge_assessment_started", "signature"):
        assert kind in kinds, kind
    assert kinds.count("nasal_device") == 2
    assert "early_transfer" not in kinds and "dose_plan" not in kinds
    assert "infusion_start" not in kinds
