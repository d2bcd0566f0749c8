"""The patient's body as dosing reads it: one weight and height range, BMI and the dosing weight.

Every screen and command that takes a patient's weight or height checks it against
:data:`WEIGHT_KG` and :data:`HEIGHT_CM` (check-in, the plan page, ``record`` and the
dose plan itself), so one range holds everywhere. :func:`dosing_weight` applies the
clinic's rule from its drug library: dose on actual body weight, or, above a BMI the
clinic sets, on ideal body weight (Peterson 2016: the weight at a target BMI for the
patient's height, the same equation for women and men) or on adjusted body weight
(ideal + 0.4 x (actual - ideal), the usual adjustment for drug dosing). The answer
says which weight it used and why, for the plan page, the record and the PDF.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum
from typing import Any

WEIGHT_KG = (30.0, 350.0)
"""An adult patient's weight (ours): outside it, far more often a typing slip than a patient."""
HEIGHT_CM = (130.0, 230.0)
"""An adult patient's height (ours; the ideal-weight equation holds from about 150 cm)."""


class WeightBasis(Enum):
    """Which weight an order's mg/kg is given on."""

    ACTUAL = "actual"
    IDEAL = "ideal"
    ADJUSTED = "adjusted"

    @property
    def words(self) -> str:
        return f"{self.value} body weight"


class DosingWeightError(ValueError):
    """The dosing weight cannot be worked out; the text says what to enter."""


@dataclass(frozen=True, slots=True)
class DosingWeightRule:
    """The clinic's rule: the weight to dose on, and above which BMI it applies."""

    basis: WeightBasis = WeightBasis.ACTUAL
    above_bmi: float = 30.0
    """Above this BMI the ideal or adjusted weight is used (ignored for actual weight)."""
    ideal_bmi: float = 22.0
    """The target BMI of the ideal-weight equation."""
    adjusted_fraction: float = 0.4
    """Adjusted = ideal + this fraction of (actual - ideal)."""

    @property
    def needs_height(self) -> bool:
        return self.basis is not WeightBasis.ACTUAL

    def describe(self) -> str:
        """The rule in words: 'ideal body weight above BMI 30'."""
        if not self.needs_height:
            return "actual body weight"
        return f"{self.basis.words} above BMI {self.above_bmi:g}"


def bmi(weight_kg: float, height_cm: float) -> float:
    """Body mass index, kg/m2."""
    metres = height_cm / 100.0
    return weight_kg / (metres * metres)


def ideal_weight(height_cm: float, target_bmi: float) -> float:
    """The weight at ``target_bmi`` for this height (Peterson 2016, Am J Clin Nutr 103:1197):
    2.2 x BMI + 3.5 x BMI x (height in m - 1.5)."""
    return 2.2 * target_bmi + 3.5 * target_bmi * (height_cm / 100.0 - 1.5)


@dataclass(frozen=True, slots=True)
class DosingWeight:
    """The weight an order's mg/kg is given on, the patient's weight and height, and why."""

    actual_kg: float
    height_cm: float | None
    basis: WeightBasis
    weight_kg: float
    """The dosing weight: what the order's mg/kg multiplies."""
    above_bmi: float | None = None
    """The clinic's BMI threshold when its rule doses on ideal or adjusted weight above it;
    ``None`` when the clinic doses on actual weight whatever the BMI."""

    @property
    def bmi(self) -> float | None:
        if self.height_cm is None:
            return None
        return bmi(self.actual_kg, self.height_cm)

    def reason(self) -> str:
        """Which weight was used and why, in the clinic's words."""
        found = self.bmi
        if self.above_bmi is None or found is None:
            return f"{self.basis.words} (the clinic doses on actual body weight)"
        if self.basis is WeightBasis.ACTUAL:
            return (f"actual body weight: BMI {found:.1f} is not above the clinic's "
                    f"{self.above_bmi:g}")
        return (f"{self.basis.words}: BMI {found:.1f} is above the clinic's {self.above_bmi:g} "
                f"(actual weight {self.actual_kg:g} kg, height {self.height_cm:g} cm)")

    def as_record(self) -> dict[str, Any]:
        found = self.bmi
        return {"actual_weight_kg": self.actual_kg, "height_cm": self.height_cm,
                "basis": self.basis.value, "dosing_weight_kg": self.weight_kg,
                "above_bmi": self.above_bmi,
                "bmi": None if found is None else round(found, 1)}

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> DosingWeight:
        """Read back :meth:`as_record`; ``ValueError`` or ``KeyError`` if it is not one."""
        height = record.get("height_cm")
        above = record.get("above_bmi")
        return cls(float(record["actual_weight_kg"]),
                   None if height is None else float(height), WeightBasis(record["basis"]),
                   float(record["dosing_weight_kg"]), None if above is None else float(above))


def dosing_weight(rule: DosingWeightRule, actual_kg: float,
                  height_cm: float | None) -> DosingWeight:
    """The weight to dose on for this patient under the clinic's ``rule``.

    Actual body weight unless the rule doses on ideal or adjusted weight and the BMI is
    above its threshold; never more than the actual weight. A rule that needs the BMI
    and no height is :class:`DosingWeightError`.
    """
    if not rule.needs_height:
        return DosingWeight(actual_kg, height_cm, WeightBasis.ACTUAL, actual_kg)
    if height_cm is None or not math.isfinite(height_cm) or height_cm <= 0:
        raise DosingWeightError(f"Enter the patient's height in cm: the clinic doses on "
                                f"{rule.describe()}, so the plan needs the BMI.")
    if bmi(actual_kg, height_cm) <= rule.above_bmi:
        return DosingWeight(actual_kg, height_cm, WeightBasis.ACTUAL, actual_kg, rule.above_bmi)
    ideal = ideal_weight(height_cm, rule.ideal_bmi)
    weight = ideal if rule.basis is WeightBasis.IDEAL else \
        ideal + rule.adjusted_fraction * (actual_kg - ideal)
    return DosingWeight(actual_kg, height_cm, rule.basis, round(min(weight, actual_kg), 1),
                        rule.above_bmi)
