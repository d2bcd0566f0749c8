"""What a discharge record sums up from a session: dose given, checks, scales, sign-off.

The timeline event kinds read here are the session's clinical vocabulary, as the
session workflow records them: ``check_in`` (the check-in form), ``baseline``
(``values`` by metric), ``dose_plan``, ``infusion_start`` / ``_pause`` / ``_resume`` /
``_stop`` (``reason``), ``discharge_criteria`` (``scale``, ``items``, ``total``,
``criteria_met``), ``signature`` (``name``, ``role``, ``meaning``); and further
``pre_assessment`` (``items``), ``annotation`` (``text``), ``rescue_medication``
(``drug``, ``dose``, ``unit``, ``route``), ``scale`` (``scale``, ``score``, ``meaning`` or
``items``), ``alarm`` (an alarm-system event: ``kind``, ``label``, ``priority``,
``message``, ``by``), ``device_alarm``, ``adverse_event`` (``event``, ``intervention``,
``outcome``), ``discharge`` (``criteria``, ``items``, ``score``, ``escort_present``),
``signature`` (``name``, ``role``, ``statement``), ``rate_change`` (``rate_ml_h``,
``reason``) and the recorder's ``pump_state``. Dose figures come from
:mod:`ketaconsole.dose` only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from ketaconsole.catalogue import CATALOGUE
from ketaconsole.dose import DoseDelivered, InfusionClock, InfusionClockError, reconcile
from ketaconsole.export.record import SessionRecord
from ketaconsole.store.timeline import format_time

PUMP_RATE = "MDC_FLOW_FLUID_PUMP"
VOLUME_INFUSED = "MDC_VOL_FLUID_DELIV_TOTAL"
NIBP_SYS = "MDC_PRESS_BLD_NONINV_SYS"
NIBP_DIA = "MDC_PRESS_BLD_NONINV_DIA"
NIBP_MEAN = "MDC_PRESS_BLD_NONINV_MEAN"

CHECK_COLUMNS = ("MDC_ECG_HEART_RATE", "MDC_PULS_OXIM_PULS_RATE", "MDC_PULS_OXIM_SAT_O2",
                 "MDC_RESP_RATE", "MDC_AWAY_CO2_ET", PUMP_RATE)
"""What the vitals table shows next to each blood pressure, when a device sent it."""

BP_MATCH_S = 5.0
"""Systolic, diastolic and mean of one NIBP cycle arrive within this many seconds (ours)."""


@dataclass(frozen=True, slots=True)
class RateChange:
    at: float
    rate_ml_h: float
    rate_mg_h: float | None


@dataclass(frozen=True, slots=True)
class DoseSummary:
    """The infusion as given: delivered dose, running time and every rate change."""

    delivered: DoseDelivered | None
    delivered_ml: float | None
    infusion_started_at: float | None
    infusion_ended_at: float | None
    running_s: float
    rate_changes: list[RateChange]


@dataclass(frozen=True, slots=True)
class Check:
    """The vitals at one blood-pressure check: NIBP and what was live at that moment."""

    at: float
    systolic: float | None
    diastolic: float | None
    mean: float | None
    others: dict[str, float | None]


INFUSION_ACTIONS = ("infusion_start", "infusion_pause", "infusion_resume", "infusion_stop")


def _clock_from_actions(record: SessionRecord) -> InfusionClock | None:
    """The infusion as the nurse started, paused and stopped it, if the workflow recorded it."""
    actions = record.events_of(*INFUSION_ACTIONS)
    if not actions:
        return None
    clock = InfusionClock()
    steps = {"infusion_start": clock.start, "infusion_pause": clock.pause,
             "infusion_resume": clock.resume, "infusion_stop": clock.stop}
    for event in actions:
        try:
            steps[event.kind](event.at)
        except InfusionClockError:
            continue
    return clock


def _infusion_clock(record: SessionRecord) -> InfusionClock:
    recorded = _clock_from_actions(record)
    if recorded is not None:
        return recorded
    clock = InfusionClock()
    for event in record.events_of("pump_state"):
        state = event.payload.get("state")
        try:
            if state == "infusing":
                if clock.started_at is None:
                    clock.start(event.at)
                elif clock.paused:
                    clock.resume(event.at)
            elif state in ("paused", "alarm", "stopped", "standby") and clock.running:
                clock.pause(event.at)
        except InfusionClockError:
            continue
    if clock.started_at is not None and clock.stopped_at is None:
        end = record.end_time
        if clock.paused:
            clock.stop(clock.pauses[-1][0])
        elif record.ended_at is not None:
            clock.stop(end)
    return clock


def _last_valid(record: SessionRecord, metric: str) -> float | None:
    series = record.series.get(metric)
    if series is None:
        return None
    return series.latest_before(math.inf, None)


def dose_summary(record: SessionRecord) -> DoseSummary:
    """Delivered mg and mg/kg from the pump's volume, running time, rate changes."""
    plan = record.dose_plan
    delivered_ml = _last_valid(record, VOLUME_INFUSED)
    clock = _infusion_clock(record)
    rate_changes: list[RateChange] = []
    rates = record.series.get(PUMP_RATE)
    if rates is not None:
        last: float | None = None
        for at, value in zip(rates.times.tolist(), rates.values.tolist(), strict=True):
            if math.isnan(value) or value == last or (last is None and value == 0):
                continue
            mg_h = (reconcile(plan, 0.0, value).rate_mg_h if plan is not None else None)
            rate_changes.append(RateChange(at, value, mg_h))
            last = value
    started = clock.started_at
    if started is None and rate_changes:
        started = next((c.at for c in rate_changes if c.rate_ml_h > 0), None)
    delivered = None
    if plan is not None and delivered_ml is not None:
        delivered = reconcile(plan, delivered_ml, None)
    end = record.end_time
    running = clock.running_seconds(end) if clock.started_at is not None else 0.0
    ended_at = clock.stopped_at if clock.stopped_at is not None else (
        clock.pauses[-1][0] if clock.paused else None)
    return DoseSummary(delivered, delivered_ml, started, ended_at, running, rate_changes)


def checks(record: SessionRecord) -> list[Check]:
    """One row per valid systolic reading, with the other vitals live at that moment."""
    systolic = record.series.get(NIBP_SYS)
    if systolic is None:
        return []
    rows: list[Check] = []
    for at, value in zip(systolic.times.tolist(), systolic.values.tolist(), strict=True):
        if math.isnan(value):
            continue
        others: dict[str, float | None] = {}
        for metric in CHECK_COLUMNS:
            series = record.series.get(metric)
            known = CATALOGUE.get(metric)
            fresh = known.fresh_for_s if known is not None else None
            others[metric] = None if series is None else series.latest_before(at, fresh)
        dia = record.series.get(NIBP_DIA)
        mean = record.series.get(NIBP_MEAN)
        rows.append(Check(at, value,
                          None if dia is None else dia.latest_before(at + BP_MATCH_S,
                                                                     2 * BP_MATCH_S),
                          None if mean is None else mean.latest_before(at + BP_MATCH_S,
                                                                       2 * BP_MATCH_S),
                          others))
    return rows


def rescue_dose_text(payload: dict[str, Any]) -> str:
    dose = payload.get("dose")
    dose_text = f"{dose:g}" if isinstance(dose, int | float) else str(dose or "?")
    return (f"{payload.get('drug', '?')} {dose_text} {payload.get('unit', '')} "
            f"{payload.get('route', 'IV')}").replace("  ", " ")


def scale_text(payload: dict[str, Any]) -> str:
    text = f"{payload.get('scale', '?')} {payload.get('score', '?')}"
    if payload.get("meaning"):
        text += f" ({payload['meaning']})"
    items = payload.get("items")
    if isinstance(items, dict) and items:
        text += ": " + ", ".join(f"{k} {v}" for k, v in items.items())
    return text


def alarm_text(payload: dict[str, Any]) -> str:
    what = payload.get("kind", "")
    label = payload.get("label") or payload.get("message") or payload.get("code") or "alarm"
    priority = payload.get("priority")
    text = f"{label} [{priority}]" if priority else str(label)
    if what:
        text = f"{what}: {text}"
    if payload.get("by"):
        text += f" by {payload['by']}"
    return text


def describe_event(kind: str, payload: dict[str, Any]) -> str:
    """One line for a timeline event, in the clinic's words."""
    if kind == "pre_assessment":
        items = payload.get("items")
        if isinstance(items, dict):
            return "Pre-assessment: " + "; ".join(f"{k}: {v}" for k, v in items.items())
        return "Pre-assessment"
    if kind == "annotation":
        return str(payload.get("text", ""))
    if kind == "rescue_medication":
        return "Rescue medication: " + rescue_dose_text(payload)
    if kind == "scale":
        return scale_text(payload)
    if kind == "alarm":
        return "Alarm " + alarm_text(payload)
    if kind == "device_alarm":
        return (f"Device alarm {payload.get('device', '')}: "
                f"{payload.get('text') or payload.get('code', '')}")
    if kind == "adverse_event":
        return (f"Adverse event: {payload.get('event', '?')}; intervention: "
                f"{payload.get('intervention') or 'none'}; outcome: "
                f"{payload.get('outcome') or 'not recorded'}")
    if kind == "signature":
        meaning = f": {payload['meaning']}" if payload.get("meaning") else ""
        return f"Signed by {payload.get('name', '?')} ({payload.get('role', '')}){meaning}"
    if kind == "rate_change":
        return f"Rate set to {payload.get('rate_ml_h', '?')} mL/h: {payload.get('reason', '')}"
    if kind == "pump_state":
        return f"Pump {payload.get('device', '')} {payload.get('state', '')}"
    if kind == "phase":
        return f"Phase: {payload.get('phase', '')}"
    if kind == "export":
        return f"Exported as {payload.get('format', '?')}"
    if kind == "discharge":
        return f"Discharge: {payload.get('criteria', '')} {payload.get('score', '')}"
    if kind == "discharge_criteria":
        met = "criteria met" if payload.get("criteria_met") else "criteria NOT met"
        return f"Discharge: {payload.get('scale', '')} {payload.get('total', '')} ({met})"
    if kind == "discharge_assessment_started":
        return "Discharge assessment started"
    if kind in INFUSION_ACTIONS:
        reason = f": {payload['reason']}" if payload.get("reason") else ""
        return f"Infusion {kind.removeprefix('infusion_')}{reason}"
    if kind == "dose_plan":
        return (f"Dose plan: {payload.get('mg_per_kg', '?')} mg/kg over "
                f"{payload.get('duration_min', '?')} min at "
                f"{payload.get('concentration_mg_ml', '?')} mg/mL")
    if kind == "check_in":
        return f"Check-in: {payload.get('patient_name', '')}"
    if kind == "baseline":
        values = payload.get("values")
        if isinstance(values, dict):
            return "Baseline: " + ", ".join(
                f"{CATALOGUE[m].short if m in CATALOGUE else m} {v:g}"
                for m, v in values.items() if isinstance(v, int | float))
        return "Baseline confirmed"
    if kind == "session_start":
        return "Session started"
    if kind == "session_end":
        return "Session ended"
    if kind == "gap":
        return f"Gap in the record{_extent(payload)}: {payload.get('reason', '')}"
    if kind == "store_outage":
        return (f"Record not written{_extent(payload)} ({payload.get('cause', '?')}): "
                f"{payload.get('written', 0)} held items written later, "
                f"{payload.get('lost', 0)} lost")
    if kind == "record_loss":
        return (f"Lost from the record{_extent(payload)}: {payload.get('count', '?')} "
                f"items; {payload.get('reason', '')}")
    if kind == "link":
        return f"Device {payload.get('device', '')} link {payload.get('status', '')}"
    shown = {k: v for k, v in payload.items() if not isinstance(v, dict | list)}
    return f"{kind}: " + ", ".join(f"{k}={v}" for k, v in shown.items())


def _extent(payload: dict[str, Any]) -> str:
    """The span of an event that covers a time, as " from ... to ... (3 min 29 s)"."""
    start, end = payload.get("from"), payload.get("to")
    if not isinstance(start, int | float) or not isinstance(end, int | float):
        return ""
    minutes, seconds = divmod(round(end - start), 60)
    length = f"{minutes} min {seconds} s" if minutes else f"{seconds} s"
    return f" from {format_time(start)} to {format_time(end)} ({length})"
