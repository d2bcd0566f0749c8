"""Hostile text is refused at the one door, in one line, and nothing is stored; what was
stored before is printed escaped.

Each case of the security review, through the real command in its own process, on a
real SQLite file: an escape sequence, a right-to-left override, 4,000 characters, CR/LF,
a tab, a date of birth of 1800-01-01; a consent document and side-effects text with
CR/LF, escapes or 4,000 characters.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from ketaconsole.store import open_database
from ketaconsole.store.models import EligibilityAssessment, FollowUp, Patient
from tests.course_support import cleared_mrn

HOSTILE = {
    "escape": "x\x1b[31mred\x1b[0m",
    "right-to-left": "ab\u202ecba",
    "4,000 characters": "x" * 4000,
    "CR/LF": "a\r\nb",
    "tab": "a\tb",
}
PRESCRIBER_PIN = "609318"


class Record:
    def __init__(self, home: Path) -> None:
        self.home = home
        self.url = f"sqlite:///{home / 'record.sqlite3'}"

    def run(self, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "KETACONSOLE_HOME": str(self.home), "KETACONSOLE_DB": self.url}
        return subprocess.run([sys.executable, "-m", "ketaconsole", *args], input=stdin,
                              capture_output=True, text=True, env=env, timeout=120)

    def count(self, table: type) -> int:
        database = open_database(self.url)
        try:
            with database.sessions() as session:
                return session.scalar(select(func.count()).select_from(table)) or 0
        finally:
            database.dispose()


@pytest.fixture
def record(tmp_path: Path) -> Record:
    return Record(tmp_path)


def refused_in_one_line(done: subprocess.CompletedProcess[str], says: str) -> None:
    assert done.returncode != 0
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and says in lines[0], done.stderr
    assert "\x1b" not in done.stderr and "\u202e" not in done.stderr


@pytest.mark.parametrize("case", list(HOSTILE))
def test_a_hostile_patient_name_is_refused_and_nothing_stored(record: Record,
                                                              case: str) -> None:
    done = record.run("patients", "--add", HOSTILE[case], "--mrn", "M1")
    says = "has 4,000 characters; the record keeps at most 200" if case == "4,000 characters" \
        else "contains a line break, tab, control or text-direction character"
    refused_in_one_line(done, f"the patient's name {says}")
    assert record.count(Patient) == 0


@pytest.mark.parametrize(("born", "says"), [
    ("1800-01-01", "the date of birth 1800-01-01 is before"),
    ("2999-01-01", "the date of birth 2999-01-01 is after"),
    ("01/02/1970", "'01/02/1970' is not the date of birth; enter it as YYYY-MM-DD")])
def test_an_implausible_date_of_birth_is_refused_and_nothing_stored(
        record: Record, born: str, says: str) -> None:
    refused_in_one_line(record.run("patients", "--add", "Ann Lee", "--dob", born), says)
    assert record.count(Patient) == 0


def _assess(record: Record, consent: str) -> subprocess.CompletedProcess[str]:
    return record.run("assess", "Ann Example", "--as", "pia", "--pin-stdin", "--bp", "120/80",
                      "--consent", consent, "--consent-version", "v1", "--infusion-range",
                      "40-60", "--max-total", "60", stdin=f"{PRESCRIBER_PIN}\n")


@pytest.mark.parametrize("case", ["escape", "4,000 characters", "CR/LF"])
def test_a_hostile_consent_document_is_refused_and_no_assessment_stored(
        record: Record, case: str) -> None:
    cleared_mrn(record.url, "Ann Example")  # registered, assessed once, prescriber "pia"
    before = record.count(EligibilityAssessment)
    done = _assess(record, HOSTILE[case])
    assert done.returncode != 0
    assert "the consent document" in done.stderr.lower() and "\x1b" not in done.stderr
    assert record.count(EligibilityAssessment) == before


@pytest.mark.parametrize("case", ["escape", "4,000 characters", "CR/LF"])
def test_hostile_side_effects_are_refused_and_no_follow_up_stored(record: Record,
                                                                 case: str) -> None:
    cleared_mrn(record.url, "Ann Example")
    done = record.run("follow-up", "Ann Example", "--as", "pia", "--pin-stdin", "--interval",
                      "1w", "--phq9", "1,1,0,2,1,0,1,0,0", "--craving", "0",
                      "--side-effects", HOSTILE[case], stdin=f"{PRESCRIBER_PIN}\n")
    assert done.returncode != 0
    assert "the side effects" in done.stderr.lower() and "\x1b" not in done.stderr
    assert record.count(FollowUp) == 0


def test_text_stored_before_the_rule_is_printed_escaped(record: Record) -> None:
    assert record.run("patients", "--add", "Eve Example", "--mrn", "E1").returncode == 0
    database = open_database(record.url)
    try:
        with database.sessions() as session, session.begin():  # as an older version stored it
            session.execute(update(Patient).values(name="x\x1b[31mred\u202eevE"))
    finally:
        database.dispose()
    listing = record.run("patients")
    assert listing.returncode == 0
    assert "\x1b" not in listing.stdout and "\u202e" not in listing.stdout
    assert "x\\x1b[31mred\\u202eevE" in listing.stdout
    (row,) = [json.loads(line) for line in record.run("patients", "--json").stdout.splitlines()]
    assert row["name"] == "x\x1b[31mred\u202eevE"  # JSON escapes it itself
