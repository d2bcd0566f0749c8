"""The plan page checks the order against the clinic's drug library and the approval, as
``record`` does: a hard limit refused in one sentence naming it, a soft limit asking for
the accepting clinician and the reason, which then are required. Through the real page."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from ketaconsole.session.workflow import Step
from ketaconsole.store import open_database
from ketaconsole.store.review import timeline
from tests.ui.conftest import (
    check_in_at_page,
    click,
    confirm_baseline_at_page,
    open_demo_window,
    sized,
    type_into,
    unlock,
    wait_step,
)
from tests.ui.test_layout_fits import clipped
from ui.main_window import MainWindow
from ui.session.plan_page import PlanPage

SCREENSHOTS = os.environ.get("KETACONSOLE_SCREENSHOTS")


@pytest.fixture
def window(qtbot: QtBot, tmp_path: Path,
           monkeypatch: pytest.MonkeyPatch) -> Iterator[MainWindow]:
    monkeypatch.setenv("KETACONSOLE_HOME", str(tmp_path))
    yield from open_demo_window(qtbot, tmp_path, speed=1.0)


def _at_plan(qtbot: QtBot, window: MainWindow) -> PlanPage:
    unlock(qtbot, window)
    window.monitor.side.setCurrentWidget(window.monitor.session)
    check_in_at_page(qtbot, window)
    confirm_baseline_at_page(qtbot, window)
    plan = window.monitor.session.pages[Step.PLAN]
    assert isinstance(plan, PlanPage)
    qtbot.waitUntil(lambda: "mL/h" in plan.computed.text(), timeout=5000)
    return plan


def _refused_beside(qtbot: QtBot, window: MainWindow, plan: PlanPage, field: str,
                    says: str) -> None:
    """The page shows the refusal as typed; Confirm is refused with it beside the field."""
    assert plan.limits.text().startswith(says), plan.limits.text()
    assert not plan.asks_acceptance()
    click(qtbot, plan.confirm)
    error = plan.form.errors[field]
    qtbot.waitUntil(lambda: error.text() != "", timeout=10000)
    assert error.text() == plan.limits.text()
    assert window.room.workflow.step is Step.PLAN and window.room.model.plan is None


def test_the_plan_page_refuses_an_undiluted_vial_and_each_hard_limit_naming_it(
        qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    plan = _at_plan(qtbot, window)
    assert plan.weight_basis.text() == ("Dosed on 70 kg: actual body weight: BMI 23.7 is not "
                                        "above the clinic's 30.")
    assert plan.limits.text() == (
        "Within the clinic's limits (the default ketamine library, version 1). Approved by Dr Demo "
        "Prescriber: 0.4 to 0.75 mg/kg, over 40 to 60 min, at most 60 mg.")
    type_into(qtbot, plan, "concentration_mg_ml", "100")
    _refused_beside(qtbot, window, plan, "concentration_mg_ml",
                    "Concentration 100 mg/mL is above the clinic's limit of 10 mg/mL after "
                    "dilution; an undiluted vial is not for a pump infusion")
    type_into(qtbot, plan, "concentration_mg_ml", "1")
    type_into(qtbot, plan, "mg_per_kg", "1.5")
    _refused_beside(qtbot, window, plan, "mg_per_kg",
                    "Dose 1.5 mg/kg is above the clinic's hard limit of 1.0 mg/kg; check the "
                    "order with the prescriber.")
    type_into(qtbot, plan, "mg_per_kg", "0.5")
    type_into(qtbot, plan, "duration_min", "1")
    _refused_beside(qtbot, window, plan, "duration_min",
                    "Infusion time 1 min is below the clinic's hard limit of 20 min; check "
                    "the order with the prescriber.")
    type_into(qtbot, plan, "duration_min", "90")
    _refused_beside(qtbot, window, plan, "duration_min",
                    "Infusion time 90 min is outside the 40 to 60 min the prescriber "
                    "approved; ask the prescriber to reassess the course.")
    type_into(qtbot, plan, "height_cm", "")
    type_into(qtbot, plan, "weight_kg", "118")
    _refused_beside(qtbot, window, plan, "height_cm",
                    "Enter the patient's height in cm: the clinic doses on ideal body weight "
                    "above BMI 30")
    type_into(qtbot, plan, "height_cm", "172")
    assert plan.weight_basis.text().startswith("Dosed on 65.3 kg: ideal body weight: BMI 39.9 "
                                               "is above the clinic's 30")
    database = open_database(f"sqlite:///{tmp_path / 'record.sqlite3'}")
    try:
        kinds = {e.kind for e in timeline(database, window.room.workflow.service_id())}
    finally:
        database.dispose()
    assert "dose_plan" not in kinds and "dose_limits_accepted" not in kinds


def test_past_a_soft_limit_the_page_asks_for_the_clinician_and_the_reason_and_needs_them(
        qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'record.sqlite3'}"
    lowered = subprocess.run(  # the clinic's admin lowers the usual maximum to 0.6 mg/kg
        [sys.executable, "-m", "ketaconsole", "drug-library", "set", "dose_mg_per_kg.soft_max",
         "0.6", "--as", "demo-admin", "--pin-stdin", "--db", url], input="135790\n",
        capture_output=True, text=True, timeout=120)
    assert lowered.returncode == 0, lowered.stderr
    plan = _at_plan(qtbot, window)
    sized(qtbot, window, (1366, 768))
    assert not plan.asks_acceptance()
    type_into(qtbot, plan, "mg_per_kg", "0.7")
    assert plan.asks_acceptance()
    assert plan.limits.text() == ("Dose 0.7 mg/kg is above the clinic's usual maximum of "
                                  "0.6 mg/kg. A named clinician must accept it, with the "
                                  "reason.")
    type_into(qtbot, plan, "mg_per_kg", "0.5")
    assert not plan.asks_acceptance()
    type_into(qtbot, plan, "mg_per_kg", "0.7")
    qtbot.keyClicks(plan.decision_form.fields["override_reason"],
                    "responding slowly at 0.5, tolerated well")
    click(qtbot, plan.confirm)
    errors = plan.accept_form.errors
    qtbot.waitUntil(lambda: errors["limit_reason"].text() != "", timeout=10000)
    assert errors["limit_clinician"].text() == ("Name the clinician who accepts the order past "
                                                "the clinic's usual limits.")
    assert window.room.workflow.step is Step.PLAN and window.room.model.plan is None
    qtbot.wait(100)
    assert clipped(plan, window) == []
    if SCREENSHOTS:
        assert window.grab().save(str(Path(SCREENSHOTS) / "plan-soft-limit-1366x768.png"))
    clinician = plan.accept_form.fields["limit_clinician"]
    reason = plan.accept_form.fields["limit_reason"]
    qtbot.keyClicks(clinician, "Dr Demo Prescriber")
    qtbot.keyClicks(reason, "PHQ-9 fall under 25 % after five infusions")
    click(qtbot, plan.confirm)
    wait_step(qtbot, window, Step.INFUSION)
    database = open_database(url)
    try:
        events = timeline(database, window.room.workflow.service_id())
    finally:
        database.dispose()
    kinds = [e.kind for e in events]
    accepted = next(e for e in events if e.kind == "dose_limits_accepted")
    planned = next(e for e in events if e.kind == "dose_plan")
    ordered = ("dose_proposal", "dose_limits_accepted", "dose_plan")
    assert [k for k in kinds if k in ordered] == list(ordered)
    assert (accepted.author, accepted.payload["clinician"], accepted.payload["reason"]) == (
        "demo-nurse", "Dr Demo Prescriber", "PHQ-9 fall under 25 % after five infusions")
    assert accepted.payload["limits"] == [{"quantity": "dose_mg_per_kg", "value": 0.7,
                                           "limit": 0.6, "above": True}]
    assert planned.payload["drug_library"] == "ketamine library default v2"
    assert planned.payload["mg_per_kg"] == 0.7
