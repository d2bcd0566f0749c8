"""A patient's course as a FHIR R4 bundle: who, why, each measure, each score, each infusion.

Patient (MRN, birth date), Condition (the diagnosis the course treats), a
QuestionnaireResponse for each measure taken (items as answered), an Observation per
score (PHQ-9 total LOINC 44261-6, GAD-7 total 70274-6; MADRS by text, as it has no
total code we confirmed) derived from its response, a MedicationAdministration per
infusion (mg/kg ordered, mg, route IV SNOMED 47625008), and a Flag per safety flag
(active while open, inactive once a prescriber acknowledged it, with the note).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from ketaconsole.course.follow_ups import TITLES
from ketaconsole.course.measures import INSTRUMENTS, Instrument
from ketaconsole.course.safety_flags import SafetyFlag
from ketaconsole.course.summary import CourseSummary
from ketaconsole.names import family_and_given

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
SNOMED = "http://snomed.info/sct"
MRN_SYSTEM = "urn:ketaconsole:mrn"
SURVEY = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category",
                      "code": "survey", "display": "Survey"}]}
ROUTE_IV = {"coding": [{"system": SNOMED, "code": "47625008", "display": "Intravenous route"}]}
FLAG_CATEGORY = "http://terminology.hl7.org/CodeSystem/flag-category"
FLAG_ACKNOWLEDGEMENT = "urn:ketaconsole:safety-flag-acknowledgement"
TREATMENT_RESISTANT = "treatment-resistant depression"
DEPRESSIVE_DISORDER = {"system": SNOMED, "code": "35489007",
                       "display": "Depressive disorder (disorder)"}
"""SNOMED CT 35489007 |Depressive disorder (disorder)|, as OHDSI's LEGEND depression
concept set (OHDSI/Legend, inst/cohorts/Depression.json) names it. We could not confirm
a concept id for treatment-resistant depression itself, so the Condition is coded with
this parent concept and says "treatment-resistant" in its text."""
_NAMESPACE = uuid.UUID("0b7d5a8e-33f1-4c55-9d0a-6c2f8e1b4a90")


def _when(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).isoformat(timespec="seconds")


class _Entries:
    def __init__(self, patient_id: int) -> None:
        self.patient_id = patient_id
        self.entries: list[dict[str, Any]] = []
        self.questionnaires: set[str] = set()
        """The instruments whose Questionnaire is in the bundle already."""

    def add(self, resource: dict[str, Any], *key: object) -> str:
        url = "urn:uuid:" + str(uuid.uuid5(_NAMESPACE, "/".join(
            str(k) for k in (self.patient_id, resource["resourceType"], *key))))
        self.entries.append({"fullUrl": url, "resource": resource})
        return url


def questionnaire_url(scale: Instrument) -> str:
    """The canonical a response names: LOINC's panel where it has one."""
    if scale.panel_loinc:
        return f"http://loinc.org/q/{scale.panel_loinc}"
    return f"urn:ketaconsole:questionnaire:{scale.key}"


def _questionnaire(scale: Instrument) -> dict[str, Any]:
    """The instrument as a Questionnaire: each item's linkId, text and LOINC code."""
    items = []
    for number, text in enumerate(scale.items, start=1):
        item: dict[str, Any] = {"linkId": str(number), "text": text, "type": "integer"}
        if scale.item_loinc:
            item["code"] = [{"system": LOINC, "code": scale.item_loinc[number - 1],
                             "display": text}]
        items.append(item)
    questionnaire: dict[str, Any] = {
        "resourceType": "Questionnaire", "url": questionnaire_url(scale),
        "name": scale.key.replace("-", ""), "title": scale.title, "status": "active",
        "subjectType": ["Patient"], "item": items}
    if scale.panel_loinc:
        questionnaire["code"] = [{"system": LOINC, "code": scale.panel_loinc,
                                  "display": scale.title}]
    return questionnaire


def _measure(entries: _Entries, patient: str, record: dict[str, Any], key: str) -> None:
    name = str(record.get("instrument", "?"))
    scale = INSTRUMENTS.get(name)
    if scale is not None and scale.key not in entries.questionnaires:
        entries.questionnaires.add(scale.key)
        entries.add(_questionnaire(scale), scale.key)
    at = _when(float(record["at"]))
    items = [{"linkId": str(number), "text": scale.items[number - 1] if scale else None,
              "answer": [{"valueInteger": int(value)}]}
             for number, value in enumerate(record.get("items") or [], start=1)]
    for item in items:
        if item["text"] is None:
            del item["text"]
    response: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse", "status": "completed",
        "subject": {"reference": patient}, "authored": at,
        "meta": {"tag": [{"system": "urn:ketaconsole:instrument-version",
                          "code": str(record.get("version") or name)}]},
        "item": items}
    if scale is not None:
        response["questionnaire"] = questionnaire_url(scale)
    answered = entries.add(response, key, name)
    code: dict[str, Any] = {"text": f"{name} total score"}
    if record.get("loinc"):
        code["coding"] = [{"system": LOINC, "code": str(record["loinc"]),
                           "display": f"{name} total score"}]
    entries.add({
        "resourceType": "Observation", "status": "final", "category": [SURVEY],
        "code": code, "subject": {"reference": patient}, "effectiveDateTime": at,
        "valueQuantity": {"value": int(record["total"]), "unit": "{score}", "system": UCUM,
                          "code": "{score}"},
        "interpretation": [{"text": str(record.get("band", ""))}] if record.get("band")
        else [], "derivedFrom": [{"reference": answered}]}, key, name, "total")


def _flag(flag: SafetyFlag, patient: str) -> dict[str, Any]:
    """A safety flag as a FHIR Flag: active while open, inactive once acknowledged."""
    ack = flag.acknowledgement
    period = {"start": _when(flag.raised_at)}
    resource: dict[str, Any] = {
        "resourceType": "Flag", "status": "active" if ack is None else "inactive",
        "identifier": [{"system": "urn:ketaconsole:safety-flag", "value": flag.flag_id}],
        "category": [{"coding": [{"system": FLAG_CATEGORY, "code": "clinical",
                                  "display": "Clinical"}], "text": flag.kind}],
        "code": {"text": f"{flag.what} ({flag.source})"},
        "subject": {"reference": patient}, "period": period}
    if ack is not None:
        period["end"] = _when(ack.at)
        resource["extension"] = [{"url": FLAG_ACKNOWLEDGEMENT,
                                  "valueString": f"acknowledged by {ack.prescriber}: "
                                                 f"{ack.note}"}]
    return resource


def course_bundle(summary: CourseSummary) -> dict[str, Any]:
    person = summary.patient
    entries = _Entries(person.patient_id)
    family, given_names = family_and_given(person.name)
    patient: dict[str, Any] = {"resourceType": "Patient", "name": [
        {"text": person.name, "family": family, "given": list(given_names)}]}
    if person.mrn:
        patient["identifier"] = [{"system": MRN_SYSTEM, "value": person.mrn}]
    if person.date_of_birth:
        patient["birthDate"] = person.date_of_birth
    patient_url = entries.add(patient)
    assessment = summary.assessment
    diagnosis = str(assessment.record.get("diagnosis", "")) if assessment else ""
    condition: dict[str, Any] = {
        "resourceType": "Condition", "subject": {"reference": patient_url},
        "code": {"text": diagnosis or "Depression treated with IV ketamine"},
        "category": [{"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/condition-category",
            "code": "problem-list-item"}]}],
        "clinicalStatus": {"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
            "code": "active"}]}}
    if diagnosis.strip().lower() == TREATMENT_RESISTANT:
        condition["code"]["coding"] = [DEPRESSIVE_DISORDER]
    if assessment is not None:
        condition["recordedDate"] = _when(assessment.assessed_at)
        decided = "approved" if assessment.approved else "not approved"
        condition["note"] = [{"text": f"Eligibility {decided} by {assessment.prescriber}: "
                                      f"{', '.join(assessment.flagged) or 'nothing flagged'}; "
                                      f"approved order {assessment.summary()}"}]
    entries.add(condition)
    number = 0
    for line in summary.sessions:
        for index, record in enumerate(line.measure_records):
            _measure(entries, patient_url, record, f"session-{line.session_id}-{index}")
        if not line.infused:
            continue
        number += 1
        given = (f"; {line.delivered_mg:.2f} mg delivered of {line.planned_mg:.1f} mg planned"
                 if line.delivered_mg is not None and line.planned_mg is not None
                 else "; no delivered volume reported by a pump")
        dosage: dict[str, Any] = {
            "route": ROUTE_IV,
            "text": f"{line.mg_per_kg:g} mg/kg ordered (infusion {number}){given}"}
        if line.delivered_mg is not None:
            dosage["dose"] = {"value": round(line.delivered_mg, 2), "unit": "mg",
                              "system": UCUM, "code": "mg"}
        period = {"start": _when(line.started_at)}
        if line.ended_at is not None:
            period["end"] = _when(line.ended_at)
        entries.add({
            "resourceType": "MedicationAdministration",
            "status": line.outcome,
            "medicationCodeableConcept": {"text": "Ketamine (IV infusion)"},
            "subject": {"reference": patient_url}, "effectivePeriod": period,
            "dosage": dosage}, "session", line.session_id)
    for index, entry in enumerate(summary.follow_ups):
        record = dict(entry["phq9"]) | {"at": entry["at"]}
        _measure(entries, patient_url, record,
                 f"follow-up-{index}-{TITLES.get(entry['interval'])}")
    for flag in summary.safety_flags:
        entries.add(_flag(flag, patient_url), flag.flag_id)
    return {"resourceType": "Bundle", "type": "collection",
            "timestamp": _when(course_time(summary)),
            "entry": entries.entries}


def course_time(summary: CourseSummary) -> float:
    """The time of the latest fact in the course (so the bundle is the same when re-made)."""
    times = [line.started_at for line in summary.sessions] + \
        [float(f["at"]) for f in summary.follow_ups]
    if summary.assessment is not None:
        times.append(summary.assessment.assessed_at)
    return max(times) if times else 0.0
