"""The dose plan and its reconciliation with what the pump delivered: the one computation.

Dose mg = mg/kg x weight; rate mg/min = dose / duration; mL/h = mg/h / concentration
(CLINICAL.md section 1: 70 kg at 0.5 mg/kg over 40 min -> 35 mg, 0.875 mg/min,
52.5 mg/h). Delivered mg = the pump's delivered volume x the plan's concentration.
The monitor screen, the alarms and the exported record all use these functions.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class DosePlan:
    """An infusion order: mg/kg over a duration, at a concentration, for a weight."""

    weight_kg: float
    mg_per_kg: float
    duration_min: float
    concentration_mg_ml: float

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


@dataclass(frozen=True, slots=True)
class DoseDelivered:
    """What the pump has delivered, in the plan's terms."""

    delivered_ml: float
    delivered_mg: float
    delivered_mg_per_kg: float
    fraction_of_plan: float
    rate_mg_h: float | None


def reconcile(plan: DosePlan, delivered_ml: float, rate_ml_h: float | None) -> DoseDelivered:
    """Delivered mg and mg/kg from the pump's volume; mg/h from its live rate (if any)."""
    delivered_mg = delivered_ml * plan.concentration_mg_ml
    return DoseDelivered(
        delivered_ml=delivered_ml,
        delivered_mg=delivered_mg,
        delivered_mg_per_kg=delivered_mg / plan.weight_kg,
        fraction_of_plan=delivered_mg / plan.dose_mg if plan.dose_mg > 0 else 0.0,
        rate_mg_h=None if rate_ml_h is None else rate_ml_h * plan.concentration_mg_ml,
    )
