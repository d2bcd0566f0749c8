"""From the command line: a follow-up's safety signal holds `record` until a prescriber
acknowledges it with a note."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from contextlib import ExitStack
from pathlib import Path

from ketaconsole.course.follow_ups import follow_ups_of
from ketaconsole.course.identity import find_patients
from ketaconsole.security import Action, AuditLog, Role
from ketaconsole.sim.virtual_patient import SCENARIOS
from ketaconsole.store import open_database
from tests.core.security_support import NAMES, PINS, staff
from tests.course_support import cleared_mrn
from tests.room_support import serve_simulators

PATIENT = "Ann Example"


def _run(home: Path, url: str, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KETACONSOLE_HOME": str(home), "KETACONSOLE_STATION": "bay-3"}
    return subprocess.run([sys.executable, "-m", "ketaconsole", *args, "--db", url],
                          input=stdin, capture_output=True, text=True, env=env, timeout=120)


def _staffed_clinic(home: Path) -> tuple[str, str]:
    """A clinic's record with its staff and an approved patient: its URL and the MRN."""
    url = f"sqlite:///{home / 'record.sqlite3'}"
    database = open_database(url)
    staff(database, AuditLog(database))
    database.dispose()
    return url, cleared_mrn(url, PATIENT)


def test_a_follow_up_with_item_9_holds_record_until_a_prescriber_acknowledges_it(
        tmp_path: Path) -> None:
    url, mrn = _staffed_clinic(tmp_path)
    with ExitStack() as stack:
        (port,) = serve_simulators(stack, SCENARIOS["normal"], ["masimo-ascii"])
        record = ("record", "--device", f"masimo-ascii={port}", "--mrn", mrn, "--minutes",
                  "0.05")
        nurse = ("--as", NAMES[Role.NURSE], "--pin-stdin")
        prescriber = ("--as", NAMES[Role.PRESCRIBER], "--pin-stdin")

        followed = _run(tmp_path, url, "follow-up", mrn, "--interval", "1w", "--phq9",
                        "1,1,1,1,1,1,1,0,2", "--side-effects", "none", "--craving", "2",
                        *nurse, stdin=f"{PINS[Role.NURSE]}\n")
        assert followed.returncode == 0, followed.stderr
        assert "safety flag FU1-phq9-item9: thoughts of self-harm (PHQ-9 item 9), " \
               "answered 2 (1-week follow-up" in followed.stdout

        held = _run(tmp_path, url, *record)
        assert held.returncode == 1
        (sentence,) = held.stderr.strip().splitlines()
        assert "Ann Example has an open safety flag FU1-phq9-item9 (thoughts of self-harm " \
               "(PHQ-9 item 9), answered 2, 1-week follow-up on" in sentence
        assert "a prescriber must acknowledge it with a note before the next infusion " \
               "(ketaconsole follow-up --acknowledge FU1-phq9-item9 --note TEXT --as " \
               "PRESCRIBER" in sentence

        listed = _run(tmp_path, url, "follow-up", "--flags", "--json")
        assert listed.returncode == 0, listed.stderr
        (flag,) = [json.loads(line) for line in listed.stdout.splitlines()]
        assert (flag["flag"], flag["kind"], flag["status"], flag["name"]) == (
            "FU1-phq9-item9", "phq9-item9", "open", PATIENT)
        patients = _run(tmp_path, url, "patients", "--json")
        (row,) = [json.loads(line) for line in patients.stdout.splitlines()]
        assert [f["flag"] for f in row["safety_flags"]] == ["FU1-phq9-item9"]
        assert row["course"].endswith("1 safety flag open")

        by_nurse = _run(tmp_path, url, "follow-up", "--acknowledge", "FU1-phq9-item9",
                        "--note", "seen", *nurse, stdin=f"{PINS[Role.NURSE]}\n")
        assert by_nurse.returncode == 1
        assert "acknowledge a patient's safety flag" in by_nurse.stderr
        no_note = _run(tmp_path, url, "follow-up", "--acknowledge", "FU1-phq9-item9",
                       *prescriber, stdin=f"{PINS[Role.PRESCRIBER]}\n")
        assert no_note.returncode == 1 and "--note TEXT" in no_note.stderr
        unknown = _run(tmp_path, url, "follow-up", "--acknowledge", "FU9-phq9-item9",
                       "--note", "seen", *prescriber, stdin=f"{PINS[Role.PRESCRIBER]}\n")
        assert unknown.returncode == 1 and "There is no safety flag 'FU9-phq9-item9'" \
            in unknown.stderr
        assert _run(tmp_path, url, *record).returncode == 1  # still held

        acknowledged = _run(tmp_path, url, "follow-up", "--acknowledge", "FU1-phq9-item9",
                            "--note", "phoned, safety plan reviewed, no intent",
                            *prescriber, stdin=f"{PINS[Role.PRESCRIBER]}\n")
        assert acknowledged.returncode == 0, acknowledged.stderr
        assert "acknowledged by Dr" in acknowledged.stdout
        started = _run(tmp_path, url, *record)
        assert started.returncode == 0, started.stderr
        again = _run(tmp_path, url, "follow-up", "--flags")
        assert again.stdout.strip() == "no safety flag is open"
        listed = _run(tmp_path, url, "follow-up", "--flags", "--json")
        (flag,) = [json.loads(line) for line in listed.stdout.splitlines()]
        assert (flag["status"], flag["note"]) == ("acknowledged",
                                                  "phoned, safety plan reviewed, no intent")

    database = open_database(url)
    try:
        (person,) = find_patients(database, name=PATIENT)
        (stored,) = follow_ups_of(database, person.patient_id)
        audit = AuditLog(database)
        (entry,) = audit.entries(action=Action.SAFETY_FLAG_ACKNOWLEDGED)
    finally:
        database.dispose()
    assert stored.answers["urinary"] is None  # left out: not asked, never "no symptoms"
    assert stored.answers["used_since_last_infusion"] is None
    assert entry.actor == NAMES[Role.PRESCRIBER]
    assert entry.detail["flag"] == "FU1-phq9-item9"


def test_a_monthly_follow_up_asks_the_bladder_score_and_one_at_the_referral_score_flags(
        tmp_path: Path) -> None:
    url, mrn = _staffed_clinic(tmp_path)
    nurse = ("--as", NAMES[Role.NURSE], "--pin-stdin")
    monthly = ("follow-up", mrn, "--interval", "monthly", "--phq9", "1,1,1,1,1,1,1,0,0",
               "--side-effects", "none", "--craving", "0", *nurse)

    not_asked = _run(tmp_path, url, *monthly, stdin=f"{PINS[Role.NURSE]}\n")
    assert not_asked.returncode == 0, not_asked.stderr
    assert "the bladder score (ICSI) was not asked: monthly follow-ups ask it " \
           "(--bladder-score)" in not_asked.stdout
    wrong = _run(tmp_path, url, *monthly, "--bladder-score", "1,1,1,x",
                 stdin=f"{PINS[Role.NURSE]}\n")
    assert wrong.returncode == 1
    assert wrong.stderr.strip().splitlines() == [
        "ketaconsole: give the bladder score's 4 answers as numbers, e.g. "
        "--bladder-score 1,2,1,0"]
    high = _run(tmp_path, url, *monthly, "--bladder-score", "4,3,2,3",
                stdin=f"{PINS[Role.NURSE]}\n")
    assert high.returncode == 0, high.stderr
    assert "safety flag FU2-bladder-score: bladder score (ICSI), 12 of 20, at or above 8: " \
           "test the urine (urinalysis) and consider referral to urology" in high.stdout
