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

from ketaconsole.catalogue import CATALOGUE, VOLUME_INFUSED
from ketaconsole.dose import DoseDelivered, reconcile
from ketaconsole.export.record import SessionRecord
from ketaconsole.live.pump_ledger import recorded_ledger
from ketaconsole.session import events as timeline_events

PUMP_RATE = "MDC_FLOW_FLUID_PUMP"
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


def delivered_ml(record: SessionRecord, channel: str | None) -> float | None:
    """The pump ledger over the recorded volume readings: the same total as the live one."""
    table = record.table
    readings = ((device, value) for device, metric, value in
                zip(table.devices, table.metrics, table.values.tolist(), strict=True)
                if metric == VOLUME_INFUSED.refid)
    ledger = recorded_ledger(readings, channel)
    return None if ledger is None else ledger.delivered_ml


def dose_summary(record: SessionRecord) -> DoseSummary:
    """Delivered mg and mg/kg from the pump ledger, running time, rate changes."""
    plan = record.dose_plan
    clock = record.state.infusion
    volume = delivered_ml(record, record.state.pump_channel)
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
    delivered = None
    if plan is not None and volume is not None:
        delivered = reconcile(plan, volume, None)
    running = clock.running_seconds(record.end_time)
    ended_at = clock.stopped_at if clock.stopped_at is not None else (
        clock.pauses[-1][0] if clock.paused else None)
    return DoseSummary(delivered, volume, clock.started_at, ended_at, running, rate_changes)


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


def describe_event(kind: str, payload: dict[str, Any]) -> str:
    """One line for a timeline event, in the clinic's words (the event's own sentence)."""
    return timeline_events.sentence(kind, payload)
