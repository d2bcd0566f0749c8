"""Orders planned the clinic's way, for tests: on the dosing weight the drug library gives."""

from __future__ import annotations

from ketaconsole.dose import DosePlan
from ketaconsole.medication.library import default_library
from ketaconsole.medication.order_check import plan_order

HEIGHT_CM = 175.0
"""The tests' patients are 175 cm tall: 70 kg is a BMI of 22.9, dosed on actual weight."""


def ketamine_plan(weight_kg: float = 70.0, mg_per_kg: float = 0.5, duration_min: float = 40.0,
                  concentration_mg_ml: float = 1.0, *,
                  height_cm: float | None = HEIGHT_CM) -> DosePlan:
    """The order as the plan page and ``record`` make it, under the default drug library."""
    return plan_order(default_library(), weight_kg=weight_kg, height_cm=height_cm,
                      mg_per_kg=mg_per_kg, duration_min=duration_min,
                      concentration_mg_ml=concentration_mg_ml)
