"""The pump's own programme against the confirmed plan: drug, concentration, volume to infuse.

A smart pump checks its programme against a drug library; the console checks it against
the order. Whenever the pump reports its programme (B. Braun: the syringe's drug and
concentration, and the VTBI; Alaris: the drug and the VTBI) the console compares:

- another drug, or a syringe of another strength, gives a wrong dose at any rate: a
  *serious* disagreement, raised at high priority before the infusion starts;
- a volume to be infused beyond the plan's volume would run past the order if nobody
  stops it: a disagreement at the clinic's priority for the pump's programme.

What the pump does not report is not judged (``None``), and a reported concentration
of 0 means "not set" on the pumps we know.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ketaconsole.dose import DosePlan
from ketaconsole.observations import PumpStatus

PLANNED_DRUG = "ketamine"
"""The drug every plan of this console orders."""
CONCENTRATION_MATCH = 0.01
"""A reported concentration this close (as a fraction of the plan's) is the plan's."""
VTBI_SLACK_ML = 0.05
"""Rounding of a pump's VTBI display (ours)."""


@dataclass(frozen=True, slots=True)
class ProgrammeCheck:
    """What in the pump's programme disagrees with the plan, one clause each."""

    serious: list[str] = field(default_factory=list)
    other: list[str] = field(default_factory=list)

    @property
    def agrees(self) -> bool:
        return not self.serious and not self.other

    def describe(self) -> str:
        return "; ".join([*self.serious, *self.other])


def _is_planned_drug(name: str) -> bool:
    words = name.strip().lower().replace("-", " ").split()
    return bool(words) and words[0] == PLANNED_DRUG


def check_programme(plan: DosePlan, status: PumpStatus, tolerance: float) -> ProgrammeCheck:
    """Compare the programme ``status`` reports with ``plan`` (``tolerance`` as for the
    rate: the VTBI may exceed the plan's volume by that fraction)."""
    serious: list[str] = []
    other: list[str] = []
    if status.drug is not None and status.drug.strip() and not _is_planned_drug(status.drug):
        serious.append(f"the pump is programmed for {status.drug.strip()}, not "
                       f"{PLANNED_DRUG}")
    reported = status.concentration_mg_ml
    planned = plan.concentration_mg_ml
    if reported is not None and reported > 0 and \
            abs(reported - planned) > CONCENTRATION_MATCH * planned:
        serious.append(f"the pump's syringe is {reported:g} mg/mL where the plan is "
                       f"{planned:g} mg/mL")
    vtbi = status.vtbi_ml
    if vtbi is not None and vtbi > plan.volume_ml * (1 + tolerance) + VTBI_SLACK_ML:
        other.append(f"the pump is set to infuse {vtbi:g} mL where the plan's whole dose "
                     f"is {plan.volume_ml:.2f} mL")
    return ProgrammeCheck(serious, other)
