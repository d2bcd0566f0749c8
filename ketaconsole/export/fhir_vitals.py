"""The session's vital signs as FHIR Observations: charted values, interval extremes, alarms.

For every numeric metric the record holds (pump quantities go to the infusion's
MedicationAdministration instead), per chart interval (5 minutes unless the caller
says otherwise): the first valid value of the interval, as charted, and one
Observation over the interval (``effectivePeriod``) whose two components are the
interval's minimum and maximum. Every value at an alarm's start is an Observation of
its own. Blood-pressure readings are written by the caller, each as a panel.

Codes: LOINC where the catalogue has one and the IEEE 11073 MDC code beside it, and for
a maker's own quantity with neither (PVI from Masimo) the refid in the project's own
code system. An Observation of one value whose LOINC code has an HL7 vital-signs
profile (heart rate, oxygen saturation, respiratory rate, body temperature, body
weight, the blood-pressure panel) names that profile in ``meta.profile``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from ketaconsole.catalogue import CATALOGUE
from ketaconsole.export.record import Series, SessionRecord
from ketaconsole.live.cleaning import PUMP_METRICS
from ketaconsole.store.timeline import format_time

LOINC = "http://loinc.org"
MDC = "urn:iso:std:iso:11073:10101"
UCUM = "http://unitsofmeasure.org"
METRIC_SYSTEM = "urn:ketaconsole:metric"
"""The project's own code system: a metric's refid, for quantities without LOINC or MDC."""
STATISTIC_SYSTEM = "urn:ketaconsole:statistic"
DEFAULT_CHART_INTERVAL_S = 300.0
NOT_CHARTED = frozenset(refid for refid, _ in PUMP_METRICS)

Observation = dict[str, Any]
Base = Callable[[float], Observation]
"""Makes an Observation's common part (status, category, subject, encounter) at a time."""


VITAL_PROFILE = "http://hl7.org/fhir/StructureDefinition/"
PROFILE_BY_LOINC = {"8867-4": "heartrate", "59408-5": "oxygensat", "2708-6": "oxygensat",
                    "9279-1": "resprate", "8310-5": "bodytemp", "29463-7": "bodyweight",
                    "85354-9": "bp"}
"""The FHIR R4 vital-signs profiles (hl7.org/fhir/R4/observation-vitalsigns.html) by the
LOINC code each requires."""


def vital_profile(code: dict[str, Any]) -> dict[str, list[str]] | None:
    """``meta`` naming the vital-signs profile an Observation of ``code`` follows."""
    for coding in code.get("coding", ()):
        name = PROFILE_BY_LOINC.get(coding.get("code", "")) \
            if coding.get("system") == LOINC else None
        if name is not None:
            return {"profile": [VITAL_PROFILE + name]}
    return None


def metric_code(refid: str) -> dict[str, Any]:
    """LOINC where known, the MDC code where confirmed, else the project's own code."""
    known = CATALOGUE.get(refid)
    if known is None:
        return {"coding": [{"system": METRIC_SYSTEM, "code": refid}], "text": refid}
    coding = [{"system": LOINC, "code": code} for code in known.loinc]
    if known.code is not None:
        coding.append({"system": MDC, "code": str(known.code), "display": refid})
    if not coding:
        coding.append({"system": METRIC_SYSTEM, "code": refid, "display": known.label})
    return {"coding": coding, "text": known.label}


def _profiled(observation: Observation) -> None:
    meta = vital_profile(observation["code"])
    if meta is not None:
        observation["meta"] = meta


def _quantity(value: float, unit: str) -> dict[str, Any]:
    known_unit = unit or "1"
    return {"value": round(value, 6), "unit": known_unit, "system": UCUM, "code": known_unit}


def _statistic(code: str) -> dict[str, Any]:
    return {"coding": [{"system": STATISTIC_SYSTEM, "code": code}], "text": code}


def charted_metrics(record: SessionRecord) -> list[Series]:
    """Every numeric metric of the record but the pump's, in refid order."""
    return [record.series[m] for m in sorted(record.series) if m not in NOT_CHARTED]


def interval_observations(record: SessionRecord, base: Base, device_ref: Callable[[str], str],
                          interval_s: float = DEFAULT_CHART_INTERVAL_S
                          ) -> Iterator[tuple[Observation, str]]:
    """(Observation, key) per metric and interval: the charted value, then min and max."""
    start = record.started_at
    for series in charted_metrics(record):
        valid = ~np.isnan(series.values)
        times, values = series.times[valid], series.values[valid]
        if not len(times):
            continue
        slots = np.floor((times - start) / interval_s).astype(np.int64)
        edges = np.flatnonzero(np.r_[True, np.diff(slots) != 0])
        ends = np.r_[edges[1:], len(slots)]
        for first, end in zip(edges.tolist(), ends.tolist(), strict=True):
            slot = int(slots[first])
            chunk = values[first:end]
            charted = base(float(times[first]))
            charted["code"] = metric_code(series.metric)
            _profiled(charted)
            charted["valueQuantity"] = _quantity(float(chunk[0]), series.unit)
            charted["device"] = {"reference": device_ref(series.device_id)}
            yield charted, f"{series.metric}/chart/{slot}"
            extremes = base(start + slot * interval_s)
            del extremes["effectiveDateTime"]
            extremes["effectivePeriod"] = {
                "start": format_time(start + slot * interval_s),
                "end": format_time(start + (slot + 1) * interval_s)}
            extremes["code"] = metric_code(series.metric)
            extremes["component"] = [
                {"code": _statistic(name), "valueQuantity": _quantity(value, series.unit)}
                for name, value in (("minimum", float(chunk.min())),
                                    ("maximum", float(chunk.max())))]
            extremes["device"] = {"reference": device_ref(series.device_id)}
            yield extremes, f"{series.metric}/range/{slot}"


def alarm_observations(record: SessionRecord, base: Base
                       ) -> Iterator[tuple[Observation, str]]:
    """(Observation, key) for the value that started each physiological alarm."""
    for event in record.events_of("alarm"):
        payload = event.payload
        values = payload.get("values") or {}
        if payload.get("kind") != "started" or not isinstance(values, dict):
            continue
        metric, value = values.get("metric"), values.get("value")
        if not isinstance(metric, str) or not isinstance(value, int | float):
            continue
        if not math.isfinite(value):
            continue
        known = CATALOGUE.get(metric)
        unit = str(values.get("unit") or (known.unit if known else "1"))
        observation = base(float(payload.get("at", event.at)))
        observation["code"] = metric_code(metric)
        _profiled(observation)
        observation["valueQuantity"] = _quantity(float(value), unit)
        observation["note"] = [{"text": f"Value at the start of the alarm "
                                        f"{payload.get('label') or payload.get('alarm_id')}"}]
        yield observation, f"{metric}/alarm/{event.seq}"
