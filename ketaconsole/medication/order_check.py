"""Whether an order may be given: the clinic's drug library and the prescriber's approval.

:func:`check_order` is the one check every dose plan passes: on the plan page as the
nurse types, when the session workflow confirms the plan and when headless ``record``
opens its session. It answers with the refusals (a hard limit of the library, the
dosing-weight rule, or the range the prescriber approved: one sentence each, naming
the limit) and the soft limits the order goes past, which a named clinician may accept
with a reason (:class:`LimitAcceptance`). The check is pure: the library and the
approval are read by the caller.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ketaconsole.catalogue import PUMP_RATE, VTBI
from ketaconsole.dose import DosePlan
from ketaconsole.medication.body import DosingWeightError, dosing_weight
from ketaconsole.medication.library import (
    DOSE,
    INFUSION,
    QUANTITIES,
    TOTAL,
    DrugLibrary,
    Quantity,
    shown,
)
from ketaconsole.names import Field, text_problem

PAGE_FIELDS = {DOSE.key: "mg_per_kg", INFUSION.key: "duration_min", TOTAL.key: "total_mg"}
"""The plan's field each quantity's refusal belongs beside (the plan page's field keys)."""
CHECK_AGAIN = "check the order with the prescriber"
REASSESS = "ask the prescriber to reassess the course"


@dataclass(frozen=True, slots=True)
class ApprovedOrder:
    """What a prescriber's approval allows; ``None`` where an older approval does not say
    (the library's hard limits then stand in, and :meth:`describe` says so)."""

    prescriber: str
    dose_mg_per_kg: tuple[float, float]
    infusion_minutes: tuple[float, float] | None = None
    max_total_mg: float | None = None

    def describe(self, library: DrugLibrary) -> str:
        """The approval in words: what it allows, and what stands in for what it lacks."""
        low, high = self.dose_mg_per_kg
        parts = [f"{DOSE.format(low).split()[0]} to {DOSE.format(high)}"]
        missing = []
        if self.infusion_minutes is not None:
            parts.append(f"over {shown(self.infusion_minutes[0])} to "
                         f"{INFUSION.format(self.infusion_minutes[1])}")
        else:
            missing.append(f"infusion time {library.infusion_minutes.hard(INFUSION)}")
        if self.max_total_mg is not None:
            parts.append(f"at most {TOTAL.format(self.max_total_mg)}")
        else:
            missing.append(f"total dose {library.total_mg.hard(TOTAL)}")
        text = f"Approved by {self.prescriber}: " + ", ".join(parts)
        if missing:
            text += ("; this approval predates infusion-time and total-dose approvals, so "
                     "the clinic's hard limits apply (" + ", ".join(missing) + ")")
        return text + "."


@dataclass(frozen=True, slots=True)
class SoftLimit:
    """A soft limit of the library the order goes past."""

    quantity: str
    value: float
    limit: float
    above: bool

    def sentence(self) -> str:
        """'Dose 0.8 mg/kg is above the clinic's usual maximum of 0.75 mg/kg'."""
        known = QUANTITIES[self.quantity]
        side = "above the clinic's usual maximum" if self.above \
            else "below the clinic's usual minimum"
        return f"{known.label} {known.format(self.value)} is {side} of {known.format(self.limit)}"

    def as_record(self) -> dict[str, Any]:
        return {"quantity": self.quantity, "value": round(self.value, 3), "limit": self.limit,
                "above": self.above}

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> SoftLimit:
        """Read back :meth:`as_record`; ``KeyError``/``ValueError``/``TypeError`` if not one."""
        quantity = str(record["quantity"])
        if quantity not in QUANTITIES:
            raise ValueError(f"no quantity {quantity!r}")
        return cls(quantity, float(record["value"]), float(record["limit"]),
                   bool(record["above"]))


@dataclass(frozen=True, slots=True)
class LimitAcceptance:
    """A named clinician accepts an order past the clinic's soft limits, with the reason."""

    clinician: str = ""
    reason: str = ""

    def problems(self) -> dict[str, str]:
        """What the acceptance lacks, by the plan page's field keys."""
        found = {}
        if not self.clinician.strip():
            found["limit_clinician"] = "Name the clinician who accepts the order past the " \
                                       "clinic's usual limits."
        if not self.reason.strip():
            found["limit_reason"] = "Say why the order goes past the clinic's usual limits."
        for key, text, text_field in (("limit_clinician", self.clinician, Field.CLINICIAN_NAME),
                                 ("limit_reason", self.reason, Field.REASON)):
            problem = text_problem(text, text_field, required=False)
            if problem is not None:
                found.setdefault(key, f"{problem[0].upper()}{problem[1:]}.")
        return found


@dataclass(frozen=True, slots=True)
class OrderCheck:
    """The verdict on an order: refusals by field, and the soft limits it goes past."""

    refusals: Mapping[str, str] = field(default_factory=dict)
    soft: tuple[SoftLimit, ...] = ()
    cautions: tuple[str, ...] = ()
    """What the pump cannot give as ordered (a warning, not a refusal)."""

    @property
    def refusal(self) -> tuple[str, str] | None:
        """The first refusal (field, sentence), or ``None`` when the order may be given."""
        return next(iter(self.refusals.items()), None)

    def unaccepted(self, accepted: LimitAcceptance | None) -> dict[str, str]:
        """What an order past soft limits still lacks (a clinician's name, a reason), by
        field; empty when it is within them or accepted."""
        if not self.soft:
            return {}
        return (accepted or LimitAcceptance()).problems()

    def soft_sentence(self) -> str:
        """The soft limits the order goes past, in one sentence (empty when none)."""
        return limits_sentence(self.soft)


def limits_sentence(limits: tuple[SoftLimit, ...]) -> str:
    """'Dose 0.8 mg/kg is above ...; infusion time 30 min is below ....' (empty for none)."""
    parts = [limit.sentence() for limit in limits]
    if not parts:
        return ""
    return "; ".join([parts[0], *(p[0].lower() + p[1:] for p in parts[1:])]) + "."


def _hard(quantity: Quantity, library: DrugLibrary, value: float) -> str | None:
    band = library.band(quantity)
    if value > band.hard_max + 1e-9:
        return (f"{quantity.label} {quantity.format(value)} is above the clinic's hard limit "
                f"of {quantity.format(band.hard_max)}; {CHECK_AGAIN}.")
    if band.hard_min is not None and value < band.hard_min - 1e-9:
        return (f"{quantity.label} {quantity.format(value)} is below the clinic's hard limit "
                f"of {quantity.format(band.hard_min)}; {CHECK_AGAIN}.")
    return None


def _soft(quantity: Quantity, library: DrugLibrary, value: float) -> SoftLimit | None:
    band = library.band(quantity)
    if value > band.soft_max + 1e-9:
        return SoftLimit(quantity.key, value, band.soft_max, above=True)
    if band.soft_min is not None and value < band.soft_min - 1e-9:
        return SoftLimit(quantity.key, value, band.soft_min, above=False)
    return None


def _approval(plan: DosePlan, approved: ApprovedOrder) -> dict[str, str]:
    found: dict[str, str] = {}
    low, high = approved.dose_mg_per_kg
    if not low - 1e-9 <= plan.mg_per_kg <= high + 1e-9:
        found["mg_per_kg"] = (f"{DOSE.label} {DOSE.format(plan.mg_per_kg)} is outside the "
                              f"{shown(low)} to {DOSE.format(high)} the prescriber approved; "
                              f"{REASSESS}.")
    if approved.infusion_minutes is not None:
        low, high = approved.infusion_minutes
        if not low - 1e-9 <= plan.duration_min <= high + 1e-9:
            found["duration_min"] = (
                f"{INFUSION.label} {INFUSION.format(plan.duration_min)} is outside the "
                f"{shown(low)} to {INFUSION.format(high)} the prescriber approved; {REASSESS}.")
    if approved.max_total_mg is not None and plan.dose_mg > approved.max_total_mg + 1e-9:
        found["total_mg"] = (f"{TOTAL.label} {TOTAL.format(plan.dose_mg)} is above the "
                             f"{TOTAL.format(approved.max_total_mg)} the prescriber approved; "
                             f"{REASSESS}.")
    return found


def _dosing(plan: DosePlan, library: DrugLibrary) -> dict[str, str]:
    """Whether the plan's weight is the one the clinic's rule gives for the patient."""
    rule = library.dosing_weight
    height = plan.dosing.height_cm if plan.dosing is not None else None
    actual = plan.dosing.actual_kg if plan.dosing is not None else plan.weight_kg
    try:
        expected = dosing_weight(rule, actual, height)
    except DosingWeightError as exc:
        return {"height_cm": str(exc)}
    if abs(expected.weight_kg - plan.weight_kg) > 0.05:
        return {"weight_kg": (f"The plan doses on {plan.weight_kg:g} kg, but the clinic's rule "
                              f"({rule.describe()}) gives {expected.weight_kg:g} kg; plan the "
                              "order again.")}
    return {}


def check_order(plan: DosePlan, library: DrugLibrary,
                approved: ApprovedOrder | None = None) -> OrderCheck:
    """The verdict on ``plan``: the library's allowed concentration, its dosing-weight rule,
    its hard limits, the prescriber's approved ranges (refusals, in that order, at most one
    per field), then the soft limits the order goes past (for quantities not refused)."""
    refusals: dict[str, str] = {}
    low, high = library.concentration_mg_ml
    concentration = plan.concentration_mg_ml
    if concentration > high + 1e-9:
        refusals["concentration_mg_ml"] = (
            f"Concentration {shown(concentration)} mg/mL is above the clinic's limit of "
            f"{shown(high)} mg/mL after dilution; an undiluted vial is not for a pump "
            "infusion, so dilute it and enter the concentration in the bag or syringe.")
    elif concentration < low - 1e-9:
        refusals["concentration_mg_ml"] = (
            f"Concentration {shown(concentration)} mg/mL is below the clinic's limit of "
            f"{shown(low)} mg/mL; check the dilution and enter the concentration in the bag "
            "or syringe.")
    refusals.update(_dosing(plan, library))
    values = {DOSE.key: plan.mg_per_kg, INFUSION.key: plan.duration_min,
              TOTAL.key: plan.dose_mg}
    for key, value in values.items():
        problem = _hard(QUANTITIES[key], library, value)
        if problem is not None:
            refusals.setdefault(PAGE_FIELDS[key], problem)
    if approved is not None:
        for key, problem in _approval(plan, approved).items():
            refusals.setdefault(key, problem)
    refused = set(refusals)
    soft = tuple(limit for key, value in values.items()
                 if PAGE_FIELDS[key] not in refused
                 and (limit := _soft(QUANTITIES[key], library, value)) is not None)
    return OrderCheck(refusals, soft, tuple(pump_cautions(plan, library)))


def plan_order(library: DrugLibrary, *, weight_kg: float, height_cm: float | None,
               mg_per_kg: float, duration_min: float, concentration_mg_ml: float) -> DosePlan:
    """The dose plan for an order, on the weight the clinic's rule gives for this patient.

    ``DosePlanError`` for a field the plan itself refuses; a rule that needs the height
    and none given makes a plan on the weight given, which :func:`check_order` refuses
    saying to enter the height.
    """
    try:
        dosing = dosing_weight(library.dosing_weight, weight_kg, height_cm)
    except DosingWeightError:
        return DosePlan(weight_kg, mg_per_kg, duration_min, concentration_mg_ml)
    return DosePlan(dosing.weight_kg, mg_per_kg, duration_min, concentration_mg_ml, dosing)


LEAST_WHOLE_VOLUME_ML = 1.0
"""A whole dose smaller than this is beyond a syringe pump's accuracy (ours)."""


def pump_cautions(plan: DosePlan, library: DrugLibrary) -> list[str]:
    """What the pump cannot give as ordered, one sentence each saying what to do: a whole
    dose under 1 mL, or a rate below the pump's least step."""
    cautions = []
    if plan.volume_ml < LEAST_WHOLE_VOLUME_ML:
        cautions.append(f"The whole dose is {VTBI.with_unit(plan.volume_ml)}: under "
                        f"{LEAST_WHOLE_VOLUME_ML:g} mL a syringe pump cannot give it "
                        "accurately; dilute it further.")
    if plan.rate_ml_h < library.pump_rate_step_ml_h:
        cautions.append(f"The rate {PUMP_RATE.with_unit(plan.rate_ml_h)} is below the pump's "
                        f"least rate of {library.pump_rate_step_ml_h:g} mL/h; dilute less or "
                        "change the order.")
    return cautions
