"""From the command line: register a patient, a prescriber assesses, the check-in finds them."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from ketaconsole.course.eligibility import clearance
from ketaconsole.course.identity import find_for_check_in
from ketaconsole.security import Action, AuditLog, Role
from ketaconsole.store import open_database
from tests.core.security_support import NAMES, PINS, staff


def _ketaconsole(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ketaconsole", *args], capture_output=True,
                          text=True, timeout=120, input=stdin)


ASSESS = ("assess", "MRN-1001", "--bp", "128/82", "--consent", "IV ketamine consent",
          "--consent-version", "2026-03", "--dose-range", "0.4-0.75",
          "--prior", "antidepressant:sertraline 12 weeks", "--prior", "TMS:36 sessions")


def test_register_assess_and_the_check_in_finds_the_approved_patient(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'record.sqlite3'}"
    database = open_database(url)
    staff(database, AuditLog(database))
    database.dispose()

    no_id = _ketaconsole("patients", "--add", "Grace Hopper", "--db", url)
    assert no_id.returncode != 0 and "--mrn or --dob" in no_id.stderr
    added = _ketaconsole("patients", "--add", "Grace Hopper", "--mrn", "MRN-1001", "--dob",
                         "1906-12-09", "--db", url)
    assert added.returncode == 0, added.stderr
    again = _ketaconsole("patients", "--add", "Grace Hopper", "--mrn", "MRN-1001", "--db", url)
    assert again.returncode != 0 and "already Grace Hopper's record" in again.stderr

    unsigned = _ketaconsole(*ASSESS, "--db", url)
    assert unsigned.returncode != 0 and "give --as USER" in unsigned.stderr
    nurse = _ketaconsole(*ASSESS, "--as", NAMES[Role.NURSE], "--pin-stdin", "--db", url,
                         stdin=f"{PINS[Role.NURSE]}\n")
    assert nurse.returncode != 0 and "ask a prescriber" in nurse.stderr
    bad_bp = _ketaconsole(*ASSESS[:3], "high", *ASSESS[4:], "--as", "pia", "--pin-stdin",
                          "--db", url, stdin=f"{PINS[Role.PRESCRIBER]}\n")
    assert bad_bp.returncode != 0 and "SYS/DIA" in bad_bp.stderr
    hypertensive = _ketaconsole(*ASSESS[:3], "172/106", *ASSESS[4:], "--as", "pia",
                                "--pin-stdin", "--db", url, stdin=f"{PINS[Role.PRESCRIBER]}\n")
    assert hypertensive.returncode == 3
    assert "not approved (uncontrolled hypertension (absolute))" in hypertensive.stdout
    signed = _ketaconsole(*ASSESS, "--substance-use-disorder", "--reasoning",
                          "alcohol, in remission 4 years", "--as", "pia", "--pin-stdin",
                          "--db", url, stdin=f"{PINS[Role.PRESCRIBER]}\n")
    assert signed.returncode == 0, signed.stderr
    assert "course approved for 0.4 to 0.75 mg/kg" in signed.stdout
    assert "substance use disorder (relative)" in signed.stdout

    database = open_database(url)
    try:
        grace = find_for_check_in(database, "Grace Hopper", date_of_birth="1906-12-09")
        assessment = clearance(database, grace.patient_id, grace.name, time.time())
        assert assessment.record["prior_treatments"][1] == {"kind": "TMS",
                                                            "detail": "36 sessions"}
        audit = AuditLog(database)
        assert [e.actor for e in audit.entries(action=Action.COURSE_ASSESSED)] == ["pia",
                                                                                 "pia"]
        assert len(audit.entries(action=Action.PATIENT_REGISTERED)) == 1
    finally:
        database.dispose()
