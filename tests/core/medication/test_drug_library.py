"""The drug library: its defaults and sources, every problem named, the admin's door and audit."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ketaconsole.medication.body import WeightBasis
from ketaconsole.medication.clinic_library import clinic_library, library_in_force
from ketaconsole.medication.library import (
    DEFAULT_LIBRARY,
    LibraryError,
    default_library,
    library_from_record,
    load_library,
    with_value,
)
from ketaconsole.security import Action, AuditLog, Guard, NotAllowed, Role
from ketaconsole.security.admin import change_drug_library
from ketaconsole.store import Database, open_database
from tests.core.security_support import NAMES, PINS, staff


def test_the_default_library_holds_the_documented_limits() -> None:
    library = default_library()
    assert library.label == "ketamine library default v1"
    assert library.concentration_mg_ml == (0.1, 10.0)
    dose, time, total = library.dose_mg_per_kg, library.infusion_minutes, library.total_mg
    assert (dose.hard_min, dose.soft_min, dose.soft_max, dose.hard_max) == (0.1, 0.2, 0.75, 1.0)
    assert (time.hard_min, time.soft_min, time.soft_max, time.hard_max) == (20, 40, 100, 240)
    assert (total.soft_max, total.hard_max) == (75, 120) and total.hard_min is None
    rule = library.dosing_weight
    assert (rule.basis, rule.above_bmi, rule.ideal_bmi) == (WeightBasis.IDEAL, 30, 22)
    assert library.pump_rate_step_ml_h == 0.1
    documented = (Path(__file__).resolve().parents[3] / "docs" / "drug_library.md").read_text(
        encoding="utf-8")
    for figure in ("0.1 to 10 mg/mL", "0.1 / 0.2 / 0.75 / 1.0 mg/kg", "20 / 40 / 100 / 240 min",
                   "75 / 120 mg", "BMI 30", "0.1 mL/h"):
        assert figure in documented, figure


def test_every_problem_in_a_library_gets_its_own_sentence() -> None:
    record = default_library().as_record()
    record["concentration_mg_ml"]["max"] = 100
    record["dose_mg_per_kg"]["soft_max"] = 1.5
    record["infusion_minutes"]["hard_min"] = "twenty"
    record["dosing_weight"]["basis"] = "lean"
    record["colour"] = "red"
    with pytest.raises(LibraryError) as bad:
        library_from_record(record)
    problems = bad.value.problems
    assert any("no field 'colour'" in p for p in problems)
    assert any("infusion_minutes: hard_min must be a number" in p for p in problems)
    assert any("basis must be one of actual, ideal, adjusted" in p for p in problems)
    record["infusion_minutes"]["hard_min"] = 20
    record["dosing_weight"]["basis"] = "ideal"
    del record["colour"]
    with pytest.raises(LibraryError) as bad:
        library_from_record(record)
    assert bad.value.problems == [
        "concentration_mg_ml: max 100 mg/mL is above 10 mg/mL; stronger solutions are vial "
        "concentrates (50 and 100 mg/mL) that are diluted before a pump infusion.",
        "dose_mg_per_kg: soft_max 1.5 is above hard_max 1; the soft limits lie within the "
        "hard ones, lowest first."]


def test_a_broken_file_is_named_and_a_field_is_set_checked_as_a_whole(tmp_path: Path) -> None:
    broken = tmp_path / "mine.json"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(LibraryError, match=r"mine\.json is not valid JSON"):
        load_library(broken)
    library = default_library()
    changed = with_value(library, "infusion_minutes.hard_min", "30")
    assert changed.infusion_minutes.hard_min == 30 and changed.as_record()["version"] == 1
    with pytest.raises(LibraryError, match="hard_min 50 is above soft_min 40"):
        with_value(library, "infusion_minutes.hard_min", "50")
    with pytest.raises(LibraryError, match="no drug-library field 'dose'"):
        with_value(library, "dose", "1")
    with pytest.raises(LibraryError, match="must be a number, not 'lots'"):
        with_value(library, "total_mg.hard_max", "lots")


def test_only_an_admin_changes_the_library_and_each_change_is_audited_and_versioned(
        database: Database) -> None:
    audit = AuditLog(database)
    users = staff(database, audit)
    guard = Guard(audit)
    lower = with_value(clinic_library(database), "dose_mg_per_kg.soft_max", "0.6")
    for role in (Role.NURSE, Role.PRESCRIBER, Role.TECHNICIAN):
        with pytest.raises(NotAllowed, match="may not change the drug library; ask an admin"):
            change_drug_library(guard, users[role], lower)
    assert library_in_force(database).changed_by is None  # still the default
    now = change_drug_library(guard, users[Role.ADMIN], lower)
    assert (now.library.version, now.changed_by) == (2, NAMES[Role.ADMIN])
    assert clinic_library(database).dose_mg_per_kg.soft_max == 0.6
    entry = audit.entries(action=Action.DRUG_LIBRARY_CHANGED)[-1]
    assert entry.actor == NAMES[Role.ADMIN] and entry.target == "ketamine library"
    assert entry.detail == {"version": [1, 2],
                            "changes": {"dose_mg_per_kg.soft_max": [0.75, 0.6]}}
    with pytest.raises(ValueError, match="already holds these values"):
        change_drug_library(guard, users[Role.ADMIN], clinic_library(database))
    assert [e.detail["permission"] for e in audit.entries(action=Action.DENIED)] == [
        "EDIT_DRUG_LIBRARY"] * 3
    assert audit.verify() is None


def _cli(*args: str, url: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ketaconsole", "drug-library", *args,
                           "--db", url], capture_output=True, text=True, timeout=120,
                          input=stdin, env={**os.environ})


def test_an_it_person_shows_sets_loads_and_resets_the_library_from_the_command_line(
        tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'record.sqlite3'}"
    database = open_database(url)
    staff(database, AuditLog(database))
    database.dispose()
    shown = _cli("show", url=url)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.splitlines()[0] == "ketamine library default v1 (the default)"
    assert "hard 20 to 240 min; soft 40 to 100 min" in shown.stdout
    unsigned = _cli("set", "infusion_minutes.hard_min", "30", url=url)
    assert unsigned.returncode == 2 and "add --as ADMIN" in unsigned.stderr
    nurse = _cli("set", "infusion_minutes.hard_min", "30", "--as", NAMES[Role.NURSE],
                 "--pin-stdin", url=url, stdin=f"{PINS[Role.NURSE]}\n")
    assert nurse.returncode == 1 and "may not change the drug library" in nurse.stderr
    bad = _cli("set", "infusion_minutes.hard_min", "60", "--as", NAMES[Role.ADMIN],
               "--pin-stdin", url=url, stdin=f"{PINS[Role.ADMIN]}\n")
    assert bad.returncode == 2 and "hard_min 60 is above soft_min 40" in bad.stderr
    done = _cli("set", "infusion_minutes.hard_min", "30", "--as", NAMES[Role.ADMIN],
                "--pin-stdin", url=url, stdin=f"{PINS[Role.ADMIN]}\n")
    assert done.returncode == 0, done.stderr
    assert "now ketamine library default v2" in done.stdout
    exported = _cli("show", "--json", url=url)
    record = json.loads(exported.stdout)
    assert record["version"] == 2 and record["infusion_minutes"]["hard_min"] == 30
    record["name"], record["total_mg"]["hard_max"] = "riverside", 100
    mine = tmp_path / "riverside.json"
    mine.write_text(json.dumps(record), encoding="utf-8")
    loaded = _cli("load", str(mine), "--as", NAMES[Role.ADMIN], "--pin-stdin", url=url,
                  stdin=f"{PINS[Role.ADMIN]}\n")
    assert loaded.returncode == 0 and "ketamine library riverside v3" in loaded.stdout
    assert "(set by ada on " in _cli("show", url=url).stdout
    reset = _cli("reset", "--as", NAMES[Role.ADMIN], "--pin-stdin", url=url,
                 stdin=f"{PINS[Role.ADMIN]}\n")
    assert reset.returncode == 0 and "ketamine library default v4" in reset.stdout
    database = open_database(url)
    try:
        changes = [e.detail["changes"] for e in
                   AuditLog(database).entries(action=Action.DRUG_LIBRARY_CHANGED)]
        assert changes == [{"infusion_minutes.hard_min": [20.0, 30.0]},
                           {"name": ["default", "riverside"],
                            "total_mg.hard_max": [120.0, 100.0]},
                           {"infusion_minutes.hard_min": [30.0, 20.0],
                            "name": ["riverside", "default"],
                            "total_mg.hard_max": [100.0, 120.0]}]
    finally:
        database.dispose()
    assert DEFAULT_LIBRARY.name == "ketamine.json"


def test_a_recorded_library_reads_in_words_never_as_its_id() -> None:
    from ketaconsole.medication.library import library_in_words

    assert library_in_words("ketamine library default v1") == \
        "the default ketamine library, version 1"
    assert library_in_words("ketamine library riverside v4") == \
        "the clinic's ketamine library \u201criverside\u201d, version 4"
