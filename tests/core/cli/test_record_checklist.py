"""Headless ``record`` takes the check-in checklist, or records the session as unchecked.

Each ``record`` runs as its own process against a simulated oximeter on a pty, as a
clinic runs it; the exports are written by ``ketaconsole export`` and read back with
poppler's ``pdftotext``, the csv module, JSON and the HL7 and .vital bytes. The patient
is registered and their course approved first, as ``record`` requires; the clinic's
fasting hours are changed by an admin with ``ketaconsole settings``.
"""

from __future__ import annotations

import csv
import gzip
import json
from typing import Any

import pytest

from ketaconsole.cli import main
from tests.core.cli.record_support import PATIENT, Clinic, one_line, pdf_text


def test_a_session_recorded_with_a_checklist_file_exports_the_checklist_but_is_not_final(
        clinic: Clinic) -> None:
    session_id = clinic.recorded("--patient", PATIENT, "--checklist",
                                 clinic.checklist("signed"))
    (checked,) = clinic.events(session_id, "check_in")
    assert (checked["solids_hours"], checked["clear_liquids_hours"]) == (8, 3)
    assert (checked["solids_needed_h"], checked["clear_liquids_needed_h"]) == (6, 2)
    assert clinic.events(session_id, "check_in_skipped") == []
    (pdf,) = clinic.export(session_id, "pdf")
    text = " ".join(pdf_text(pdf).split())  # one line per table row, single spaces
    for row in ("Hours since solid food 8", "Hours since clear liquids 3",
                "Clinic asks: hours without solid food 6",
                "Clinic asks: hours without clear liquids 2", "Escort present yes",
                "Psychosis or mania no", "Consent signed yes", "IV site left antecubital"):
        assert row in text, row
    assert "UNCHECKED" not in text and "No pre-assessment recorded" not in text
    # ended by stopping the command, never signed off: not the final record
    assert "UNSIGNED RECORD" in text and "final record" not in text
    _, events = clinic.export(session_id, "csv")
    with events.open(newline="", encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    assert {(r["record"], r["check_in"]) for r in rows} == {("unsigned", "checked")}


def test_a_session_recorded_without_a_checklist_says_unchecked_in_every_export(
        clinic: Clinic) -> None:
    done = clinic.record()
    assert done.returncode == 0, done.stderr
    session_id = int(done.stdout.splitlines()[0])
    assert f"session {session_id} is recorded UNCHECKED" in done.stderr
    assert clinic.events(session_id, "check_in") == []
    assert clinic.events(session_id, "check_in_skipped") == [
        {"reason": "opened by 'ketaconsole record' without a checklist"}]

    (pdf,) = clinic.export(session_id, "pdf")
    first_page = pdf_text(pdf).split("\f")[0]
    heading = " ".join(first_page.split("Patient")[0].split())  # above the patient's details
    assert "UNCHECKED SESSION: no check-in checklist was recorded; escort, fasting, " \
        "psychosis / mania screen, consent and the rest were not checked" in heading
    whole = " ".join(pdf_text(pdf).split())
    assert "final record" not in whole and "No pre-assessment recorded" not in whole
    assert "UNSIGNED record (ended without the discharge sign-off); UNCHECKED" in whole

    _, events = clinic.export(session_id, "csv")
    with events.open(newline="", encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    assert rows and {(r["record"], r["check_in"]) for r in rows} == {("unsigned", "unchecked")}

    (fhir,) = clinic.export(session_id, "fhir")
    bundle = json.loads(fhir.read_text(encoding="utf-8"))
    assert [t["code"] for t in bundle["meta"]["tag"]] == ["unsigned", "unchecked"]
    statuses = {e["resource"]["status"] for e in bundle["entry"]
                if e["resource"]["resourceType"] == "Observation"}
    assert statuses == {"preliminary"}

    (hl7,) = clinic.export(session_id, "hl7")
    segments = hl7.read_bytes().decode("utf-8").split("\r")
    assert "UNCHECKED: no check-in checklist" in segments[0]  # FHS
    notes = [s for s in segments if s.startswith("NTE|")]
    assert notes and all("UNCHECKED" in note for note in notes)
    assert not any(s.startswith("OBR|") and s.endswith("|F") for s in segments)

    (vital,) = clinic.export(session_id, "vital")
    assert b"UNCHECKED SESSION: no check-in checklist" in gzip.decompress(vital.read_bytes())


def test_a_meal_three_hours_ago_stops_record_in_one_sentence_and_starts_nothing(
        clinic: Clinic) -> None:
    before = clinic.sessions()
    done = clinic.record("--patient", PATIENT, "--checklist",
                         clinic.checklist("meal", solids_hours=3))
    assert (done.returncode, done.stdout) == (1, "")
    assert one_line(done.stderr) == (
        'ketaconsole: checklist answer "solids_hours": Solid food 3 h ago; this clinic asks '
        "for 6 h: wait 3 h more before dosing.")
    assert clinic.sessions() == before


@pytest.mark.parametrize(("changed", "extra", "code", "says"), [
    ({"clear_liquids_hours": 1.5}, (), 1,
     'checklist answer "clear_liquids_hours": Clear liquids 1.5 h ago; this clinic asks for '
     "2 h: wait 0.5 h more before dosing."),
    ({"escort_present": False}, (), 1,
     'checklist answer "escort_present": Confirm that an escort will take the patient home.'),
    ({"psychosis_or_mania": True}, (), 1, 'checklist answer "psychosis_or_mania": A positive'),
    ({"iv_site": "", "consent_signed": False}, (), 1,
     'checklist answer "consent_signed": The consent form must be signed before the '
     'session. (also check checklist answer "iv_site")'),
    ({"escort_present": "yes"}, (), 2,
     'the checklist\'s "escort_present" must be true or false, not "yes"'),
    ({"pregnancy": "yes"}, (), 1,
     'checklist answer "pregnancy": A possible pregnancy stops the infusion: ketamine is not '
     "given in pregnancy; the prescriber must review the course."),
    ({"pregnancy": "maybe"}, (), 2, 'the checklist\'s "pregnancy" must be one of "no", '
     '"not applicable", "yes", not "maybe"'),
    ({"solids_hours": "eight"}, (), 2, 'the checklist\'s "solids_hours" must be a number'),
    ({"fasting_hours": 8}, (), 2, 'has no answer "fasting_hours"; its answers are'),
    ({"mrn": "MRN-OTHER"}, (), 2,
     'the checklist names no patient: leave out "mrn" and give --mrn on the command line'),
    ({}, ("--weight", "72"), 2,
     "the checklist says weight_kg 70 and --weight says 72; give the weight once"),
    ({}, ("--escort-present",), 2, "give the checklist as --checklist FILE or as options"),
])
def test_wrong_checklist_content_is_one_sentence_naming_the_answer_and_starts_nothing(
        changed: dict[str, Any], extra: tuple[str, ...], code: int, says: str,
        clinic: Clinic, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("KETACONSOLE_HOME", str(clinic.home))
    monkeypatch.setenv("KETACONSOLE_STATION", "bay-8")
    before = clinic.sessions()
    assert main(["record", "--device", f"masimo-ascii={clinic.port}", "--mrn", clinic.mrn,
                 "--patient", PATIENT, "--checklist", clinic.checklist("wrong", **changed),
                 "--minutes", "0.02", "--db", clinic.url, *extra]) == code
    out, err = capsys.readouterr()
    assert out == "" and says in one_line(err)
    assert clinic.sessions() == before


def test_a_checklist_without_the_patients_name_is_refused_before_anything_opens(
        clinic: Clinic) -> None:
    done = clinic.record("--checklist", clinic.checklist("nameless"))
    assert done.returncode == 2
    assert "a checklist is signed for a named patient: add --patient NAME" in \
        one_line(done.stderr)


def test_the_clinics_solid_food_hours_changed_with_settings_are_the_rule_record_checks(
        clinic: Clinic) -> None:
    seven_hours = clinic.checklist("seven", solids_hours=7)
    first = clinic.recorded("--patient", PATIENT, "--checklist", seven_hours)
    assert clinic.events(first, "check_in")[0]["solids_needed_h"] == 6

    clinic.set_setting("fasting-solids-hours", "8")

    refused = clinic.record("--patient", PATIENT, "--checklist", seven_hours)
    assert refused.returncode == 1
    assert one_line(refused.stderr) == (
        'ketaconsole: checklist answer "solids_hours": Solid food 7 h ago; this clinic asks '
        "for 8 h: wait 1 h more before dosing.")
    assert clinic.sessions() == 1

    # the same questions as options, under the new rule
    answers = ("--age", "44", "--weight", "70", "--allergies", "none known", "--medication",
               "none", "--substance-use", "none", "--psychosis-screen", "negative",
               "--bp-history", "none", "--solids-hours", "9", "--clear-liquids-hours", "3",
               "--consent-signed", "--iv-site", "right forearm", "--escort-present",
               "--pregnancy", "not-applicable")
    second = clinic.recorded("--patient", PATIENT, *answers)
    (checked,) = clinic.events(second, "check_in")
    assert (checked["solids_hours"], checked["solids_needed_h"], checked["iv_site"],
            checked["psychosis_or_mania"], checked["pregnancy"]) == (
        9, 8, "right forearm", False, "not applicable")
