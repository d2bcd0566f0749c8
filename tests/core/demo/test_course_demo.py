"""The demo's course in progress: five past infusions, improving PHQ-9, one BP alarm."""

from __future__ import annotations

import subprocess
from pathlib import Path

from ketaconsole.course.history import course_history
from ketaconsole.demo.course import DEMO_MRN
from ketaconsole.demo.room import DEMO_PATIENT, demo_room
from ketaconsole.devices.registry import DriverRegistry, built_ins_only
from ketaconsole.export.service import ExportFormat, export_session
from ketaconsole.session.checkin import CheckIn
from ketaconsole.session.workflow import Step, WorkflowError
from ketaconsole.sim.virtual_patient import SCENARIOS
from ketaconsole.store.review import timeline
from tests.plan_support import ketamine_plan
from tests.room_support import end_and_stop, log_in_demo_nurse


def test_a_nurse_sees_the_course_and_the_proposed_dose_before_planning_the_sixth(
        tmp_path: Path) -> None:
    story = SCENARIOS["normal"]
    room = demo_room(story, speed=60.0, database_url=f"sqlite:///{tmp_path / 'demo.sqlite3'}",
                     registry=DriverRegistry.discover(allowed=built_ins_only))
    try:
        log_in_demo_nurse(room)
        expected = room.options.expected_patient
        assert expected is not None and expected.identifier == DEMO_MRN
        room.workflow.check_in(CheckIn(
            DEMO_PATIENT[0], DEMO_PATIENT[1], story.weight_kg, "none known", "none", "none",
            False, "none", 8.0, 3.0, True, "left antecubital", True, mrn=DEMO_MRN, pregnancy="no"))
        room.workflow.confirm_baseline({"MDC_PRESS_BLD_NONINV_SYS": 126.0})
        assert room.workflow.step is Step.PLAN and room.model.course is not None
        advice = room.plan_advice()
        assert advice is not None
        lines = advice.previous
        assert [line.measures["PHQ-9"] for line in lines] == [20, 17, 14, 12, 10]
        assert [line.mg_per_kg for line in lines] == [0.5, 0.5, 0.6, 0.5, 0.5]
        assert [line.bp_alarm for line in lines] == [False, False, True, False, False]
        assert advice.proposal.mg_per_kg == 0.5 and "responding" in advice.proposal.reason

        from ketaconsole.course.titration import DoseDecision
        too_high = ketamine_plan(story.weight_kg, 0.8, 40.0, 1.0)
        try:
            room.workflow.confirm_plan(too_high,
                                       decision=DoseDecision(advice.proposal, "patient asks"))
            raise AssertionError("a dose above the approved maximum was accepted")
        except WorkflowError as refused:
            assert "0.8 mg/kg is outside the 0.4 to 0.75 mg/kg the prescriber approved" in \
                str(refused)
        room.workflow.confirm_plan(ketamine_plan(story.weight_kg, 0.5, 40.0, 1.0),
                                   decision=DoseDecision(advice.proposal))
        assert room.database is not None
        events = timeline(room.database, room.workflow.service_id())
        decided = next(e for e in events if e.kind == "dose_proposal")
        assert decided.payload["decision"] == "accepted"
        assert len(decided.payload["inputs"]["history"]) == 5
        assert len(course_history(room.database, room.model.course.patient_id)) == 6

        (pdf,) = export_session(room.database, room.workflow.service_id(), ExportFormat.PDF,
                                tmp_path).files
        text = " ".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True,
                                       text=True, check=True).stdout.split())
        assert "Default titration for IV ketamine courses" in text  # the rule in words
        assert "0.5 mg/kg: PHQ-9 from 20 to 10 (50% fall): responding, same dose" in text
        assert "Course approved by Dr Demo Prescriber for 0.4 to 0.75 mg/kg" in text
    finally:
        end_and_stop(room)


def test_each_infusion_at_one_bedside_counts_only_its_own_pump_volume(tmp_path: Path) -> None:
    """Five infusions at one bedside: the pump check and the live ledger start afresh with
    each session, so no infusion is judged on the last patient's volume."""
    from ketaconsole.bedside.security import BedsideSecurity
    from ketaconsole.demo.course import seed_demo_course
    from ketaconsole.export.record import load_record
    from ketaconsole.export.summary import dose_summary
    from ketaconsole.store import open_database

    database = open_database(f"sqlite:///{tmp_path / 'demo.sqlite3'}")
    try:
        BedsideSecurity(database).seed_demo_users()
        person = seed_demo_course(database, "Demo Patient", 70.0)
        lines = course_history(database, person.patient_id)
        assert len(lines) == 5
        for line in lines:
            mismatches = [e for e in timeline(database, line.session_id)
                          if e.kind == "alarm" and str(e.payload.get("alarm_id", ""))
                          .startswith("pump-mismatch")]
            assert mismatches == [], line.session_id
            given = dose_summary(load_record(database, line.session_id)).delivered
            assert given is not None and line.planned_mg is not None
            assert given.delivered_mg == line.delivered_mg
            assert abs(given.delivered_mg - line.planned_mg) < 0.5  # its own plan, no more
    finally:
        database.dispose()
