"""The clinic's outcomes: a small clinic whose response and remission rates are known from
its inputs, given through check-in, plan, start and end, and follow-ups at the course
view's door; read with ``ketaconsole outcomes``."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from ketaconsole.course.desk import CourseDesk
from ketaconsole.course.follow_ups import DAY, URINARY_SYMPTOMS, FollowUpEntry
from ketaconsole.course.identity import PatientRecord
from ketaconsole.course.measures import score
from ketaconsole.course.outcomes import Window, clinic_outcomes
from ketaconsole.demo.story_infusions import StoryInfusion, give_infusions
from ketaconsole.security import Action, AuditLog, Guard, Role
from ketaconsole.security.users import find_user
from ketaconsole.store import Database, open_database
from tests.core.security_support import NAMES, PINS, staffed_record
from tests.course_support import approved_patient
from tests.plan_support import ketamine_plan

NOW = time.time()
T0 = (NOW - 60 * DAY) // DAY * DAY + 8 * 3600
"""The clinic's three courses begin 60 days ago, from 08:00 UTC that day: weeks 4 and 8 are
in the past."""


def _phq9(total: int) -> list[int]:
    """Nine answers adding up to ``total`` (item 9 always 0)."""
    answers = [0] * 9
    for index in range(total):
        answers[index % 8] += 1
    return answers


def _follow_up(database: Database, person: PatientRecord, interval: str, at: float,
               total: int) -> None:
    """A follow-up recorded at the course view's door by the nurse, at ``at``."""
    nurse = find_user(database, NAMES[Role.NURSE])
    desk = CourseDesk(database, Guard(AuditLog(database)), lambda: nurse, clock=lambda: at)
    desk.record_follow_up(person.patient_id, FollowUpEntry(
        interval, score("PHQ-9", _phq9(total)), "none", dict.fromkeys(URINARY_SYMPTOMS, False),
        0, False))


def _clinic(folder: Path) -> str:
    """Three courses: baseline PHQ-9 20, 16 and 10 before the first infusion, then
    week 4: 8 (response), 12 (none), 3 (response and remission);
    week 8: 4 (response and remission), not measured, 6 (neither: 6 > 10 / 2)."""
    url = staffed_record(folder)
    database = open_database(url)
    try:
        courses = (("Ann Example", 20, 0.5, 138.0, (8, 4)),
                   ("Ben Example", 16, 0.6, 190.0, (12, None)),
                   ("Cat Example", 10, 0.5, 138.0, (3, 6)))
        for number, (name, baseline, dose, peak, (week4, week8)) in enumerate(courses):
            start = T0 + number * 3600
            person, _ = approved_patient(database, name, "MRN-" + name.split()[0].upper(),
                                         assessed_at=start - DAY)
            give_infusions(url, person, [StoryInfusion(
                start, ketamine_plan(64.0, dose, 40.0, 1.0), _phq9(baseline),
                peak_systolic=peak)], nurse=NAMES[Role.NURSE], station=f"room-{number}",
                signer="Nia Nurse", age_years=40)
            _follow_up(database, person, "monthly", start + 27 * DAY, week4)
            if week8 is not None:
                _follow_up(database, person, "monthly", start + 57 * DAY, week8)
            if number == 0:
                _follow_up(database, person, "24h", start + DAY, baseline)
        approved_patient(database, "Dee Example", "MRN-DEE")  # approved, never infused
    finally:
        database.dispose()
    return url


def _ketaconsole(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ketaconsole", *args], capture_output=True,
                          text=True, timeout=120, input=stdin)


def test_outcomes_json_reports_the_response_and_remission_rates_the_inputs_give(
        tmp_path: Path) -> None:
    url = _clinic(tmp_path)
    prescriber = ("--as", NAMES[Role.PRESCRIBER], "--pin-stdin", "--db", url)
    done = _ketaconsole("outcomes", "--json", *prescriber, stdin=f"{PINS[Role.PRESCRIBER]}\n")
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert (found["patients_treated"], found["infusions"]) == (3, 3)
    week4, week8 = found["phq9"]
    assert (week4["measured"], week4["responded"], week4["remitted"]) == (3, 2, 1)
    assert (week4["response_rate"], week4["remission_rate"]) == (0.6667, 0.3333)
    assert (week8["measured"], week8["not_measured"], week8["responded"],
            week8["remitted"]) == (2, 1, 1, 1)
    assert (week8["response_rate"], week8["remission_rate"]) == (0.5, 0.5)
    assert [w["measured"] for w in found["madrs"]] == [0, 0]  # the MADRS was never asked
    # Ben's 190 mmHg at 0.6 mg/kg: the one blood-pressure alarm, at that dose
    doses = {d["mg_per_kg"]: d for d in found["dose_tolerability"]}
    assert (doses[0.5]["infusions"], doses[0.5]["with_bp_alarm"]) == (2, 0)
    assert (doses[0.6]["infusions"], doses[0.6]["with_bp_alarm"]) == (1, 1)
    assert found["alarms"] >= 1 and found["alarms_per_infusion"] == round(found["alarms"] / 3, 4)
    assert (found["adverse_events"], found["adverse_events_per_infusion"]) == (0, 0.0)
    # each course's single infusion called for a 24-hour and a 1-week follow-up: Ann's
    # 24-hour one is the only one recorded in time
    assert found["follow_ups"] == {"due": 6, "done": 1, "completion": 0.1667}
    for private in ("Example", "MRN-", "Ann", "born"):
        assert private not in done.stdout  # de-identified

    today = datetime.fromtimestamp(NOW, UTC).date().isoformat()
    later = _ketaconsole("outcomes", "--json", "--from", today, *prescriber,
                         stdin=f"{PINS[Role.PRESCRIBER]}\n")
    assert json.loads(later.stdout)["patients_treated"] == 0


def test_outcomes_are_for_prescribers_and_admins_and_bad_input_is_one_sentence(
        tmp_path: Path) -> None:
    url = staffed_record(tmp_path)
    nurse = _ketaconsole("outcomes", "--as", NAMES[Role.NURSE], "--pin-stdin", "--db", url,
                         stdin=f"{PINS[Role.NURSE]}\n")
    assert nurse.returncode != 0 and "read the clinic's outcomes" in nurse.stderr
    admin = _ketaconsole("outcomes", "--as", NAMES[Role.ADMIN], "--pin-stdin", "--db", url,
                         stdin=f"{PINS[Role.ADMIN]}\n")
    assert admin.returncode == 0 and "patients treated: 0" in admin.stdout
    bad_day = _ketaconsole("outcomes", "--from", "last week", "--db", url)
    assert bad_day.returncode != 0 and bad_day.stderr.count("\n") == 1
    assert "--from takes a day as YYYY-MM-DD" in bad_day.stderr
    half = _ketaconsole("outcomes", "--format", "pdf", "--db", url)
    assert half.returncode != 0 and "both --format pdf and --out DIR" in half.stderr
    database = open_database(url)
    try:
        listed = AuditLog(database).entries(action=Action.RECORDS_LISTED)
        assert [e.actor for e in listed if e.target == "clinic outcomes"] == [NAMES[Role.ADMIN]]
    finally:
        database.dispose()


def test_the_outcomes_pdf_holds_the_rates_and_no_patient(tmp_path: Path) -> None:
    url = _clinic(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    done = _ketaconsole("outcomes", "--format", "pdf", "--out", str(out), "--as",
                        NAMES[Role.ADMIN], "--pin-stdin", "--db", url,
                        stdin=f"{PINS[Role.ADMIN]}\n")
    assert done.returncode == 0, done.stderr
    (pdf,) = out.iterdir()
    text = " ".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True,
                                   text=True, check=True).stdout.split())
    assert "clinic outcomes" in text and "3 patients, 3 infusions" in text
    assert "2 (67%)" in text and "1 (33%)" in text  # week 4: response, remission
    assert "Dose against tolerability" in text
    assert "Example" not in text and "MRN-" not in text


def test_the_window_takes_courses_by_their_first_infusion(tmp_path: Path) -> None:
    url = _clinic(tmp_path)
    database = open_database(url)
    try:
        first = datetime.fromtimestamp(T0, UTC).date()
        assert clinic_outcomes(database, Window(first, first), NOW).patients_treated == 3
        assert clinic_outcomes(database, Window(None, first), NOW).patients_treated == 3
        before = datetime.fromtimestamp(T0 - DAY, UTC).date()
        assert clinic_outcomes(database, Window(None, before), NOW).patients_treated == 0
    finally:
        database.dispose()
