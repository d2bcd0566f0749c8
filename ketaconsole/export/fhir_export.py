"""FHIR R4 export: one Bundle (type collection) with the session's discharge record.

Resources: Patient, Encounter, one Device per device used, vital-sign Observations at
each blood-pressure check (blood pressure as the 85354-9 panel with 8480-6 / 8462-4
components; heart and pulse rate, SpO2 and respiration rate beside it; body weight),
every metric's charted value, minimum and maximum per chart interval and its value at
each alarm start (see ``fhir_vitals``),
MedicationAdministration for the ketamine infusion (effectivePeriod, dose in mg,
rateQuantity in mL/h, route IV SNOMED 47625008) and for each rescue medication (a
bolus: effectiveDateTime), and an Observation per scale score. The second-by-second
values are in the CSV and .vital exports; this record holds the charted vitals.

The Bundle's ``meta.tag`` gives the record's status (``final``, ``unsigned`` or
``interim``, see ``export.status``) and, for a session without a check-in checklist, a
second tag ``unchecked``; the Observations are ``final`` only in a final record, else
``preliminary``.

Codes: LOINC and IEEE 11073 MDC codes come from the catalogue (CLINICAL.md section 5;
MDC system ``urn:iso:std:iso:11073:10101``); units are UCUM. A maker's own quantity
with neither code is coded in the project's own system (``urn:ketaconsole:metric``).
"""

from __future__ import annotations

import json
import uuid
from typing import Any, BinaryIO

from ketaconsole.catalogue import (
    CATALOGUE,
    LOINC_BLOOD_PRESSURE_PANEL,
    LOINC_BODY_WEIGHT,
)
from ketaconsole.dose import infusion_outcome
from ketaconsole.export.fhir_vitals import (
    DEFAULT_CHART_INTERVAL_S,
    alarm_observations,
    interval_observations,
    metric_code,
    vital_profile,
)
from ketaconsole.export.record import SessionRecord
from ketaconsole.export.status import (
    STATUS_WORDS,
    UNCHECKED_WARNING,
    RecordStatus,
)
from ketaconsole.export.summary import NIBP_DIA, NIBP_SYS, Check, checks, dose_summary
from ketaconsole.names import family_and_given
from ketaconsole.store.timeline import format_time

LOINC = "http://loinc.org"
MDC = "urn:iso:std:iso:11073:10101"
UCUM = "http://unitsofmeasure.org"
SNOMED = "http://snomed.info/sct"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
ROUTE_IV = {"coding": [{"system": SNOMED, "code": "47625008",
                        "display": "Intravenous route"}]}
IDENTIFIER_SYSTEM = "urn:ketaconsole"
INTEGRITY_SYSTEM = "urn:ketaconsole:integrity"
STATUS_SYSTEM = "urn:ketaconsole:record-status"
_NAMESPACE = uuid.UUID("5f0e7a52-6c1b-4d8e-9a35-2b7c0e4f9d11")

VITAL_METRICS = ("MDC_ECG_HEART_RATE", "MDC_PULS_OXIM_PULS_RATE", "MDC_PULS_OXIM_SAT_O2",
                 "MDC_RESP_RATE")
UCUM_UNIT = {"mcg": "ug", "microgram": "ug", "mg": "mg", "g": "g", "mL": "mL", "ml": "mL"}


def _ref(full_url: str) -> dict[str, str]:
    return {"reference": full_url}


class _Bundle:
    def __init__(self, record: SessionRecord) -> None:
        self.record = record
        self.entries: list[dict[str, Any]] = []

    def url(self, *parts: object) -> str:
        name = "/".join(str(p) for p in (self.record.session_id, *parts))
        return f"urn:uuid:{uuid.uuid5(_NAMESPACE, name)}"

    def add(self, resource: dict[str, Any], *parts: object) -> str:
        full_url = self.url(resource["resourceType"], *parts)
        self.entries.append({"fullUrl": full_url, "resource": resource})
        return full_url


def _quantity(value: float, unit: str) -> dict[str, Any]:
    return {"value": value, "unit": unit, "system": UCUM, "code": unit}


def _vital_category() -> list[dict[str, Any]]:
    return [{"coding": [{"system": OBSERVATION_CATEGORY, "code": "vital-signs",
                         "display": "Vital Signs"}]}]


def _observation_base(record: SessionRecord, patient: str, encounter: str, at: float,
                      status: str) -> dict[str, Any]:
    return {"resourceType": "Observation", "status": status, "category": _vital_category(),
            "subject": _ref(patient), "encounter": _ref(encounter),
            "effectiveDateTime": format_time(at)}


def _check_observations(bundle: _Bundle, check: Check, index: int, patient: str,
                        encounter: str, status: str) -> None:
    record = bundle.record
    if check.systolic is not None and check.diastolic is not None:
        panel = _observation_base(record, patient, encounter, check.at, status)
        panel["code"] = {"coding": [{"system": LOINC, "code": LOINC_BLOOD_PRESSURE_PANEL,
                                     "display": "Blood pressure panel"}],
                         "text": "Blood pressure"}
        panel["meta"] = vital_profile(panel["code"])
        panel["component"] = [
            {"code": metric_code(refid), "valueQuantity": _quantity(value, "mm[Hg]")}
            for refid, value in ((NIBP_SYS, check.systolic), (NIBP_DIA, check.diastolic))]
        device = record.series[NIBP_SYS].device_id
        panel["device"] = _ref(bundle.url("Device", device))
        bundle.add(panel, "bp", index)
    for refid in VITAL_METRICS:
        value = check.others.get(refid)
        if value is None:
            continue
        known = CATALOGUE[refid]
        observation = _observation_base(record, patient, encounter, check.at, status)
        observation["code"] = metric_code(refid)
        observation["meta"] = vital_profile(observation["code"])
        observation["valueQuantity"] = _quantity(value, known.unit)
        observation["device"] = _ref(bundle.url("Device", record.series[refid].device_id))
        bundle.add(observation, refid, index)


def _infusion(bundle: _Bundle, patient: str, encounter: str) -> None:
    record = bundle.record
    plan = record.dose_plan
    dose = dose_summary(record)
    if plan is None or dose.infusion_started_at is None:
        return
    period: dict[str, str] = {"start": format_time(dose.infusion_started_at)}
    if dose.infusion_ended_at is not None:
        period["end"] = format_time(dose.infusion_ended_at)
    delivered = dose.delivered
    dosage: dict[str, Any] = {
        "text": (f"{plan.mg_per_kg:g} mg/kg ({plan.dose_mg:.1f} mg) over "
                 f"{plan.duration_min:g} min at {plan.concentration_mg_ml:g} mg/mL"),
        "route": ROUTE_IV,
        "rateQuantity": {"value": round(plan.rate_ml_h, 2), "unit": "mL/h",
                         "system": UCUM, "code": "mL/h"}}
    if delivered is not None:
        dosage["dose"] = _quantity(round(delivered.delivered_mg, 2), "mg")
    status = infusion_outcome(
        session_ended=not record.interim, infusion_stopped=record.state.infusion.stopped_at
        is not None, fraction_of_plan=delivered.fraction_of_plan if delivered else None)
    administration = {
        "resourceType": "MedicationAdministration", "status": status,
        "medicationCodeableConcept": {"text": "Ketamine (IV infusion)"},
        "subject": _ref(patient), "context": _ref(encounter),
        "effectivePeriod": period, "dosage": dosage}
    bundle.add(administration, "ketamine")


def _rescues(bundle: _Bundle, patient: str, encounter: str) -> None:
    for event in bundle.record.events_of("rescue_medication"):
        payload = event.payload
        dose = payload.get("dose")
        dosage: dict[str, Any] = {"route": ROUTE_IV}
        if isinstance(dose, int | float):
            unit = str(payload.get("unit", "mg"))
            dosage["dose"] = {"value": dose, "unit": unit, "system": UCUM,
                              "code": UCUM_UNIT.get(unit, unit)}
        bundle.add({"resourceType": "MedicationAdministration", "status": "completed",
                    "medicationCodeableConcept": {"text": str(payload.get("drug", "?"))},
                    "subject": _ref(patient), "context": _ref(encounter),
                    "effectiveDateTime": format_time(event.at), "dosage": dosage,
                    "performer": [{"actor": {"display": event.author}}]},
                   "rescue", event.seq)


def _scales(bundle: _Bundle, patient: str, encounter: str, status: str) -> None:
    for event in bundle.record.events_of("scale"):
        payload = event.payload
        observation: dict[str, Any] = {
            "resourceType": "Observation", "status": status,
            "category": [{"coding": [{"system": OBSERVATION_CATEGORY, "code": "survey"}]}],
            "code": {"text": str(payload.get("scale", "scale"))},
            "subject": _ref(patient), "encounter": _ref(encounter),
            "effectiveDateTime": format_time(event.at),
            "performer": [{"display": event.author}]}
        score = payload.get("score")
        if isinstance(score, int):
            observation["valueInteger"] = score
        if payload.get("meaning"):
            observation["note"] = [{"text": str(payload["meaning"])}]
        items = payload.get("items")
        if isinstance(items, dict):
            observation["component"] = [
                {"code": {"text": str(name)}, "valueInteger": int(value)}
                for name, value in items.items() if isinstance(value, int)]
        bundle.add(observation, "scale", event.seq)


def build_bundle(record: SessionRecord, *, stamp_line: str = "",
                 chart_interval_s: float = DEFAULT_CHART_INTERVAL_S) -> dict[str, Any]:
    """The Bundle as a JSON-ready dict; vitals are charted every ``chart_interval_s``."""
    bundle = _Bundle(record)
    status = "final" if record.status is RecordStatus.FINAL else "preliminary"
    family, given = family_and_given(record.patient_name)
    patient_resource: dict[str, Any] = {
        "resourceType": "Patient",
        "identifier": [{"system": f"{IDENTIFIER_SYSTEM}:patient",
                        "value": record.patient_identifier or f"session-{record.session_id}"}],
        "name": [{"text": record.patient_name, "family": family,
                  "given": list(given)}]}
    if record.date_of_birth:
        patient_resource["birthDate"] = record.date_of_birth
    patient = bundle.add(patient_resource)
    period = {"start": format_time(record.started_at)}
    if record.ended_at is not None:
        period["end"] = format_time(record.ended_at)
    encounter = bundle.add({
        "resourceType": "Encounter",
        "status": "in-progress" if record.interim else "finished",
        "class": {"system": ACT_CODE, "code": "AMB", "display": "ambulatory"},
        "identifier": [{"system": f"{IDENTIFIER_SYSTEM}:session",
                        "value": str(record.session_id)}],
        "subject": _ref(patient), "period": period,
        "location": [{"location": {"display": record.station}}]})
    for device_id in record.device_ids():
        device: dict[str, Any] = {
            "resourceType": "Device",
            "identifier": [{"system": f"{IDENTIFIER_SYSTEM}:device", "value": device_id}],
            "deviceName": [{"name": device_id, "type": "user-friendly-name"}],
            "patient": _ref(patient)}
        slug = record.device_slug(device_id)
        if slug:
            device["deviceName"].append({"name": slug, "type": "model-name"})
        bundle.add(device, device_id)
    if record.weight_kg is not None:
        weight = _observation_base(record, patient, encounter, record.started_at, status)
        weight["code"] = {"coding": [{"system": LOINC, "code": LOINC_BODY_WEIGHT}],
                          "text": "Body weight"}
        weight["meta"] = vital_profile(weight["code"])
        weight["valueQuantity"] = _quantity(record.weight_kg, "kg")
        bundle.add(weight, "weight")
    for index, check in enumerate(checks(record)):
        _check_observations(bundle, check, index, patient, encounter, status)

    def base(at: float) -> dict[str, Any]:
        return _observation_base(record, patient, encounter, at, status)

    for observation, key in interval_observations(
            record, base, lambda device: bundle.url("Device", device), chart_interval_s):
        bundle.add(observation, key)
    for observation, key in alarm_observations(record, base):
        bundle.add(observation, key)
    _infusion(bundle, patient, encounter)
    _rescues(bundle, patient, encounter)
    _scales(bundle, patient, encounter, status)
    result: dict[str, Any] = {
        "resourceType": "Bundle", "type": "collection",
        "meta": {"tag": _status_tags(record)},
        "timestamp": format_time(record.end_time),
        "entry": bundle.entries}
    if stamp_line:
        result["identifier"] = {"system": INTEGRITY_SYSTEM, "value": stamp_line}
    return result


def _status_tags(record: SessionRecord) -> list[dict[str, str]]:
    """The record's status, and ``unchecked`` for a session without a check-in."""
    tags = [{"system": STATUS_SYSTEM, "code": record.status.value,
             "display": STATUS_WORDS[record.status]}]
    if record.unchecked:
        tags.append({"system": STATUS_SYSTEM, "code": "unchecked",
                     "display": UNCHECKED_WARNING})
    return tags


def write(record: SessionRecord, stream: BinaryIO, *, stamp_line: str = "") -> None:
    bundle = build_bundle(record, stamp_line=stamp_line)
    stream.write(json.dumps(bundle, indent=1, ensure_ascii=False).encode("utf-8"))
