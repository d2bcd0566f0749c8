"""The dose plan and its reconciliation with what the pump delivered: the one computation.

Dose mg = mg/kg x weight; rate mg/min = dose / duration; mL/h = mg/h / concentration
(CLINICAL.md section 1: 70 kg at 0.5 mg/kg over 40 min -> 35 mg, 0.875 mg/min,
52.5 mg/h). Delivered mg = the pump's delivered volume x the concentration the pump
reports (its syringe's), else the plan's; the result says which it used. The pump's rate
is compared with the plan in mg/h, so a syringe of another strength at the planned mL/h
is a wrong dose, not agreement.
The monitor screen, the alarms and the exported record all use these functions.
The weight is the dosing weight: the patient's actual weight, or the ideal or adjusted
weight the clinic's rule gives (:mod:`ketaconsole.medication.body`), which the plan
carries with its reason.

A plan is checked when it is made: a weight of 0, a concentration of 1000 mg/mL or a
negative duration is refused with one sentence per bad field (the clinic's drug
library and the prescriber's approval narrow these further:
:mod:`ketaconsole.medication.order_check`). An
:class:`InfusionClock` records start, pauses and stop, so :func:`reconcile` can say
what the plan expects to be in by now and whether the pump disagrees with it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from ketaconsole.catalogue import PUMP_RATE
from ketaconsole.medication.body import HEIGHT_CM, WEIGHT_KG, DosingWeight

# Bounds for an IV ketamine order (ours): a value outside them is far more often a
# typing slip than a real order, so the console asks for the order to be checked. The
# patient's weight has its one range in ketaconsole.medication.body.
MG_PER_KG = (0.01, 2.0)
DURATION_MIN = (1.0, 480.0)
CONCENTRATION_MG_ML = (0.01, 100.0)  # 100 mg/mL is the strongest ketamine vial sold

DEFAULT_TOLERANCE = 0.10
"""Pump rate and delivered dose may differ from the plan by this fraction."""
MIN_DELIVERED_GAP_MG = 0.5
"""A delivered-dose gap smaller than this is counting noise, not disagreement (ours)."""


class DosePlanError(ValueError):
    """A dose plan with bad fields; ``problems`` holds one sentence per bad field."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(" ".join(problems))
        self.problems = problems


def _field_problem(label: str, value: object, bounds: tuple[float, float],
                   unit: str) -> str | None:
    """One sentence on what is wrong with one field of the order, or ``None``."""
    low, high = bounds
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f"{label} must be a number in {unit}; enter it again."
    number = float(value)
    if not math.isfinite(number):
        return f"{label} must be a finite number in {unit}; enter it again."
    if number <= 0:
        return f"{label} must be more than 0 {unit}; enter it from the order."
    if not low <= number <= high:
        return (f"{label} of {number:g} {unit} is outside {low:g}-{high:g} {unit}; "
                "check the order and enter it again.")
    return None


@dataclass(frozen=True, slots=True)
class DosePlan:
    """An infusion order: mg/kg over a duration, at a concentration, for a weight."""

    weight_kg: float
    """The dosing weight (the actual weight unless ``dosing`` says otherwise)."""
    mg_per_kg: float
    duration_min: float
    concentration_mg_ml: float
    dosing: DosingWeight | None = field(default=None, compare=False)
    """Which weight the order is given on and why (``None``: the weight given, for a plan
    made without the clinic's rule, as before there was one). Not part of the order's
    equality: two plans giving the same mg/kg of the same weight are the same order."""

    def __post_init__(self) -> None:
        problems = [p for p in (
            *self._weight_problems(),
            _field_problem("Dose", self.mg_per_kg, MG_PER_KG, "mg/kg"),
            _field_problem("Duration", self.duration_min, DURATION_MIN, "min"),
            _field_problem("Concentration", self.concentration_mg_ml, CONCENTRATION_MG_ML,
                           "mg/mL"),
        ) if p is not None]
        if problems:
            raise DosePlanError(problems)

    def _weight_problems(self) -> list[str | None]:
        dosing = self.dosing
        if dosing is None:
            return [_field_problem("Weight", self.weight_kg, WEIGHT_KG, "kg")]
        found = [_field_problem("Weight", dosing.actual_kg, WEIGHT_KG, "kg")]
        if dosing.height_cm is not None:
            found.append(_field_problem("Height", dosing.height_cm, HEIGHT_CM, "cm"))
        if isinstance(self.weight_kg, bool) or not isinstance(self.weight_kg, int | float) \
                or not math.isfinite(self.weight_kg) \
                or abs(self.weight_kg - dosing.weight_kg) > 0.05 or self.weight_kg <= 0:
            found.append(f"The dosing weight {self.weight_kg!r} kg is not the "
                         f"{dosing.weight_kg:g} kg its {dosing.basis.words} gives; plan the "
                         "order again.")
        return found

    @property
    def dose_mg(self) -> float:
        return self.mg_per_kg * self.weight_kg

    @property
    def rate_mg_min(self) -> float:
        return self.dose_mg / self.duration_min

    @property
    def rate_mg_h(self) -> float:
        return self.rate_mg_min * 60.0

    @property
    def rate_ml_h(self) -> float:
        return self.rate_mg_h / self.concentration_mg_ml

    @property
    def volume_ml(self) -> float:
        return self.dose_mg / self.concentration_mg_ml

    def as_record(self) -> dict[str, float]:
        return {"weight_kg": self.weight_kg, "mg_per_kg": self.mg_per_kg,
                "duration_min": self.duration_min,
                "concentration_mg_ml": self.concentration_mg_ml}

    def order_record(self) -> dict[str, Any]:
        """The order and what follows from it, as the ``dose_plan`` event records it."""
        return {**self.as_record(), "dose_mg": round(self.dose_mg, 3),
                "rate_mg_min": round(self.rate_mg_min, 4),
                "rate_ml_h": round(self.rate_ml_h, 3),
                "dosing": None if self.dosing is None else self.dosing.as_record()}

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> DosePlan:
        dosing = record.get("dosing")
        return cls(record["weight_kg"], record["mg_per_kg"], record["duration_min"],
                   record["concentration_mg_ml"],
                   DosingWeight.from_record(dosing) if isinstance(dosing, dict) else None)


class InfusionClockError(ValueError):
    """A start, pause, resume or stop that does not fit what the infusion is doing."""


@dataclass(slots=True)
class InfusionClock:
    """When the infusion ran: its start, its pauses and its stop, in console seconds."""

    started_at: float | None = None
    stopped_at: float | None = None
    pauses: list[tuple[float, float | None]] = field(default_factory=list)
    pace: float = 1.0
    """Infusion seconds per console second: above 1 only for a simulated patient whose
    story runs faster than the wall clock (a demo at --speed)."""

    @property
    def paused(self) -> bool:
        return bool(self.pauses) and self.pauses[-1][1] is None

    @property
    def running(self) -> bool:
        return self.started_at is not None and self.stopped_at is None and not self.paused

    def start(self, at: float) -> None:
        if self.started_at is not None:
            raise InfusionClockError(
                "The infusion has already started; resume it instead of starting it again.")
        self.started_at = at

    def pause(self, at: float) -> None:
        if not self.running:
            raise InfusionClockError("The infusion is not running, so it cannot be paused.")
        self.pauses.append((at, None))

    def resume(self, at: float) -> None:
        if not self.paused:
            raise InfusionClockError("The infusion is not paused, so it cannot be resumed.")
        began, _ = self.pauses[-1]
        self.pauses[-1] = (began, max(at, began))

    def stop(self, at: float) -> None:
        if self.started_at is None or self.stopped_at is not None:
            raise InfusionClockError(
                "The infusion is not under way, so it cannot be stopped.")
        if self.paused:
            self.resume(at)
        self.stopped_at = at

    def running_seconds(self, now: float) -> float:
        """Seconds the infusion has run by ``now``, pauses left out."""
        if self.started_at is None or now <= self.started_at:
            return 0.0
        end = now if self.stopped_at is None else min(now, self.stopped_at)
        total = end - self.started_at
        for began, ended in self.pauses:
            until = end if ended is None else min(ended, end)
            if until > began:
                total -= until - began
        return max(0.0, total)

    def expected_mg(self, plan: DosePlan, now: float) -> float:
        """What the plan says should be in by ``now``: the planned rate over running time."""
        return min(plan.dose_mg,
                   plan.rate_mg_min * self.running_seconds(now) * self.pace / 60.0)


@dataclass(frozen=True, slots=True)
class DoseDelivered:
    """What the pump has delivered, in the plan's terms."""

    delivered_ml: float
    delivered_mg: float
    delivered_mg_per_kg: float
    fraction_of_plan: float
    rate_mg_h: float | None
    expected_mg: float | None = None
    """What the plan expects by now; ``None`` without an infusion clock."""
    rate_off_fraction: float | None = None
    """(pump rate - planned rate now) / the plan's rate, while the pump infuses."""
    delivered_off_mg: float | None = None
    """Delivered mg - expected mg (given the infusion clock)."""
    rate_mismatch: bool = False
    delivered_mismatch: bool = False
    concentration_mg_ml: float | None = None
    """The concentration the delivered mg was counted at."""
    concentration_from: str = "plan"
    """Whose concentration that is: ``"pump"`` (the syringe it reports) or ``"plan"``."""
    rate_factor: float | None = None
    """The pump's drug rate (mg/h) as a multiple of the plan's, while the pump infuses."""

    @property
    def mismatch(self) -> bool:
        return self.rate_mismatch or self.delivered_mismatch

    def describe(self, plan: DosePlan, rate_ml_h: float | None = None) -> str:
        """One sentence on how the pump stands against the plan."""
        parts: list[str] = []
        if self.rate_mismatch and rate_ml_h is not None:
            parts.append(f"pump rate {PUMP_RATE.with_unit(rate_ml_h)} against a planned "
                         f"{PUMP_RATE.with_unit(plan.rate_ml_h)}")
        if self.delivered_mismatch and self.expected_mg is not None:
            parts.append(f"{self.delivered_mg:.1f} mg delivered where the plan expects "
                         f"{self.expected_mg:.1f} mg by now")
        if parts and self.concentration_from == "pump" and \
                self.concentration_mg_ml != plan.concentration_mg_ml:
            parts.append(f"counted at the pump's {self.concentration_mg_ml:g} mg/mL, not the "
                         f"plan's {plan.concentration_mg_ml:g} mg/mL")
        if not parts:
            return "The pump agrees with the dose plan."
        return "The pump disagrees with the dose plan: " + "; ".join(parts) + "."

    def as_record(self) -> dict[str, Any]:
        return {"delivered_ml": self.delivered_ml, "delivered_mg": self.delivered_mg,
                "delivered_mg_per_kg": self.delivered_mg_per_kg,
                "fraction_of_plan": self.fraction_of_plan, "rate_mg_h": self.rate_mg_h,
                "expected_mg": self.expected_mg, "rate_off_fraction": self.rate_off_fraction,
                "delivered_off_mg": self.delivered_off_mg,
                "rate_mismatch": self.rate_mismatch,
                "delivered_mismatch": self.delivered_mismatch,
                "concentration_mg_ml": self.concentration_mg_ml,
                "concentration_from": self.concentration_from,
                "rate_factor": self.rate_factor}


def infusion_outcome(*, session_ended: bool, infusion_stopped: bool,
                     fraction_of_plan: float | None,
                     tolerance: float = DEFAULT_TOLERANCE) -> str:
    """How an infusion ended, in FHIR MedicationAdministration's words: ``in-progress``
    while the session is open and the infusion not stopped; ``completed`` when the pump
    delivered the planned dose (within the tolerance), or, with no delivered volume
    known, when the infusion was stopped; else ``stopped`` (ended short of the plan)."""
    if not session_ended and not infusion_stopped:
        return "in-progress"
    if fraction_of_plan is not None:
        return "completed" if fraction_of_plan >= 1 - tolerance else "stopped"
    return "completed" if infusion_stopped else "stopped"


def reconcile(plan: DosePlan, delivered_ml: float, rate_ml_h: float | None, *,
              infusion: InfusionClock | None = None, now: float | None = None,
              pump_infusing: bool | None = None,
              tolerance: float = DEFAULT_TOLERANCE,
              min_gap_mg: float = MIN_DELIVERED_GAP_MG,
              pump_concentration_mg_ml: float | None = None) -> DoseDelivered:
    """Delivered mg and mg/kg from the pump's volume; mg/h from its live rate (if any).

    Counted at the pump's concentration where it reports one (``pump_concentration_mg_ml``),
    else the plan's. Given the infusion clock and ``now``, also what the plan expects by
    now and whether the pump disagrees: its drug rate (mg/h) more than ``tolerance`` off
    the planned rate while it infuses (``pump_infusing``; the planned rate is 0 while the
    plan's infusion is not running), or the delivered dose more than ``tolerance`` (and
    more than ``min_gap_mg``) off the expected dose.
    """
    reported = pump_concentration_mg_ml is not None and pump_concentration_mg_ml > 0
    concentration = pump_concentration_mg_ml if reported else plan.concentration_mg_ml
    assert concentration is not None
    delivered_mg = delivered_ml * concentration
    rate_off: float | None = None
    factor: float | None = None
    if rate_ml_h is not None and pump_infusing:
        # while the plan's infusion is not running (not started, paused, stopped) the
        # planned rate is 0, so a pump infusing behind the plan's back disagrees with it
        planned = plan.rate_mg_h if infusion is None or infusion.running else 0.0
        factor = rate_ml_h * concentration / plan.rate_mg_h
        rate_off = (rate_ml_h * concentration - planned) / plan.rate_mg_h
    expected: float | None = None
    delivered_off: float | None = None
    if infusion is not None and now is not None:
        expected = infusion.expected_mg(plan, now)
        delivered_off = delivered_mg - expected
    return DoseDelivered(
        delivered_ml=delivered_ml,
        delivered_mg=delivered_mg,
        delivered_mg_per_kg=delivered_mg / plan.weight_kg,
        fraction_of_plan=delivered_mg / plan.dose_mg if plan.dose_mg > 0 else 0.0,
        rate_mg_h=None if rate_ml_h is None else rate_ml_h * concentration,
        expected_mg=expected,
        rate_off_fraction=rate_off,
        delivered_off_mg=delivered_off,
        rate_mismatch=rate_off is not None and abs(rate_off) > tolerance,
        delivered_mismatch=(delivered_off is not None and expected is not None
                            and abs(delivered_off) > tolerance * expected
                            and abs(delivered_off) > min_gap_mg),
        concentration_mg_ml=concentration,
        concentration_from="pump" if reported else "plan",
        rate_factor=factor,
    )
