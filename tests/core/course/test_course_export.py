"""The course exports: a summary PDF and a FHIR R4 bundle that validates and reads back."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest
from fhir.resources.R4B.bundle import Bundle

from ketaconsole.course.desk import CourseDesk
from ketaconsole.course.follow_ups import record_follow_up
from ketaconsole.course.identity import find_patients, register_patient
from ketaconsole.course.measures import score
from ketaconsole.demo.course import seed_demo_course
from ketaconsole.security import Action, AuditLog, Guard, NotAllowed, Role
from ketaconsole.store import open_database
from tests.core.course.test_course_follow_ups import ENTRY
from tests.core.security_support import staff


def _ketaconsole(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ketaconsole", *args], capture_output=True,
                          text=True, timeout=120)


def _demo_record(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    database = open_database(url)
    try:
        now = time.time()
        person = seed_demo_course(database, "Demo Patient", 70.0, clock=lambda: now)
        record_follow_up(database, person.patient_id,
                         replace(ENTRY, phq9=score("PHQ-9", [1, 1, 1, 1, 1, 1, 1, 1, 0])),
                         author="nia", clock=lambda: now - 3 * 86400)
        register_patient(database, "Grace Hopper", mrn="MRN-1001")
    finally:
        database.dispose()
    return url


def test_the_course_exports_as_pdf_and_a_fhir_bundle_that_validates(tmp_path: Path) -> None:
    url = _demo_record(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    done = _ketaconsole("course", "DEMO-0001", "--format", "pdf", "--format", "fhir",
                        "--out", str(out), "--db", url)
    assert done.returncode == 0, done.stderr
    bundle_file, pdf = sorted(out.iterdir())
    assert pdf.suffix == ".pdf" and bundle_file.name.endswith(".fhir.json")

    data = json.loads(bundle_file.read_text())
    bundle = Bundle.model_validate(data)
    kinds = Counter(e.resource.__resource_type__ for e in bundle.entry or [])
    assert kinds == {"Patient": 1, "Condition": 1, "Questionnaire": 1,
                     "QuestionnaireResponse": 6, "Observation": 6,
                     "MedicationAdministration": 5, "Flag": 1}
    resources = [e["resource"] for e in data["entry"]]
    (flag,) = [r for r in resources if r["resourceType"] == "Flag"]
    assert flag["status"] == "inactive"  # item 9 at the first infusion, seen at the bedside
    patient = next(r for r in resources if r["resourceType"] == "Patient")
    assert patient["identifier"][0]["value"] == "DEMO-0001"
    assert (patient["name"][0]["family"], patient["name"][0]["given"]) == ("Patient", ["Demo"])
    condition = next(r for r in resources if r["resourceType"] == "Condition")
    assert condition["code"]["coding"] == [{"system": "http://snomed.info/sct",
                                            "code": "35489007",
                                            "display": "Depressive disorder (disorder)"}]
    assert condition["code"]["text"] == "Treatment-resistant depression"
    # each answer's linkId names a Questionnaire item that carries its LOINC item code
    phq9 = next(r for r in resources if r["resourceType"] == "Questionnaire")
    assert phq9["url"] == "http://loinc.org/q/44249-1"
    assert [i["code"][0]["code"] for i in phq9["item"]] == [
        "44250-9", "44255-8", "44259-0", "44254-1", "44251-7", "44258-2", "44252-5",
        "44253-3", "44260-8"]
    coded = {i["linkId"]: i["code"][0]["code"] for i in phq9["item"]}
    for response in (r for r in resources if r["resourceType"] == "QuestionnaireResponse"):
        assert response["questionnaire"] == phq9["url"]
        assert [coded[i["linkId"]] for i in response["item"]][8] == "44260-8"
    totals = [r for r in resources if r["resourceType"] == "Observation"]
    assert {o["code"]["coding"][0]["code"] for o in totals} == {"44261-6"}
    assert sorted(o["valueQuantity"]["value"] for o in totals) == [8, 10, 12, 14, 17, 20]
    answered = next(r for r in resources if r["resourceType"] == "QuestionnaireResponse")
    assert [i["answer"][0]["valueInteger"] for i in answered["item"]] == [3, 3, 2, 2, 2, 3, 2,
                                                                          2, 1]
    doses = [r["dosage"]["text"] for r in resources
             if r["resourceType"] == "MedicationAdministration"]
    assert [d.split()[0] for d in doses] == ["0.5", "0.5", "0.6", "0.5", "0.5"]
    assert all(r["dosage"]["route"]["coding"][0]["code"] == "47625008" for r in resources
               if r["resourceType"] == "MedicationAdministration")

    text = " ".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True,
                                   text=True, check=True).stdout.split())
    assert "ketamine course summary" in text and "Approved by Dr Demo Prescriber" in text
    assert "induction, 5 infusions, response" in text and "PHQ-9 (and MADRS) per visit" in text
    assert "1-week follow-up" not in text and "24-hour follow-up: PHQ-9 8" in text


def test_patients_lists_the_course_state_and_a_bad_patient_is_one_sentence(
        tmp_path: Path) -> None:
    url = _demo_record(tmp_path)
    listed = _ketaconsole("patients", "--json", "--db", url)
    assert listed.returncode == 0, listed.stderr
    rows = [json.loads(line) for line in listed.stdout.splitlines()]
    demo = next(r for r in rows if r["mrn"] == "DEMO-0001")
    assert demo["course"] == "induction, 5 infusions, response" and demo["latest_phq9"] == 8
    assert next(r for r in rows if r["mrn"] == "MRN-1001")["course"] == "not assessed"

    out = tmp_path / "out"
    out.mkdir()
    missing = _ketaconsole("course", "Nobody Here", "--format", "pdf", "--out", str(out),
                           "--db", url)
    assert missing.returncode != 0 and list(out.iterdir()) == []
    assert missing.stderr.strip().count("\n") == 0 and "'ketaconsole patients'" in missing.stderr
    no_folder = _ketaconsole("course", "DEMO-0001", "--format", "fhir", "--out",
                             str(tmp_path / "absent"), "--db", url)
    assert no_folder.returncode != 0 and "does not exist" in no_folder.stderr


def test_the_course_views_export_door_checks_the_role_and_audits_the_files(
        tmp_path: Path) -> None:
    url = _demo_record(tmp_path)
    database = open_database(url)
    try:
        audit = AuditLog(database)
        users = staff(database, audit)
        demo = find_patients(database, mrn="DEMO-0001")[0].patient_id
        out = tmp_path / "exports"
        out.mkdir()
        with pytest.raises(NotAllowed, match="may not export a record"):
            CourseDesk(database, Guard(audit), lambda: users[Role.TECHNICIAN]).export_course(
                demo, ["pdf"], out)
        assert list(out.iterdir()) == []
        desk = CourseDesk(database, Guard(audit), lambda: users[Role.NURSE])
        written = desk.export_course(demo, ["pdf", "fhir"], out)
        entries = [e for e in audit.entries() if e.action == Action.EXPORT]
    finally:
        database.dispose()
    assert sorted(p.name for p in written) == sorted(p.name for p in out.iterdir())
    bundle = Bundle.model_validate(json.loads(next(out.glob("*.fhir.json")).read_text()))
    assert bundle.entry
    assert [(e.actor, e.target, e.detail["formats"], e.detail["via"]) for e in entries] == \
        [("nia", f"patient {demo}", ["fhir", "pdf"], "course view")]
    assert entries[0].detail["files"] == [p.name for p in written]
