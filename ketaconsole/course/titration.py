"""The clinic's titration rule: the next dose from the previous sessions' response and tolerability.

The rule is a profile file, like the alarm profiles (``resources/titration/default.json``
is the default). :func:`propose` reads the history of the course and proposes a dose in
mg/kg with its reason, never outside the range the prescriber approved. The nurse or
prescriber accepts it or chooses another dose with a reason (:class:`DoseDecision`);
both are recorded on the timeline with the rule and its inputs.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

DEFAULT_PROFILE = Path(__file__).resolve().parents[2] / "resources" / "titration" / \
    "default.json"


class TitrationProfileError(ValueError):
    """A titration profile that cannot be used; the text says what to fix."""


@dataclass(frozen=True, slots=True)
class TitrationRule:
    name: str
    version: int
    start_mg_per_kg: float
    step_up_mg_per_kg: float
    step_down_mg_per_kg: float
    assess_after_infusions: int
    insufficient_below_fraction: float
    """A PHQ-9 fall from baseline smaller than this fraction is an insufficient response."""
    cadss6_step_down_at: int
    step_down_after_bp_alarm: bool = True
    description: str = ""

    @property
    def label(self) -> str:
        return f"titration rule {self.name} v{self.version}"


def rule_in_words(label: str, rule: TitrationRule | None = None) -> str:
    """A recorded rule (``label``, "titration rule default v1") as a clinician reads it:
    what the rule does, when it is the clinic's rule in force (``rule``, default: the
    default profile), else its name and version in words."""
    if rule is None:
        try:
            rule = load_rule()
        except TitrationProfileError:
            rule = None
    if rule is not None and label == rule.label and rule.description:
        return rule.description.replace(" (ours)", "")
    name, _, version = label.removeprefix("titration rule ").rpartition(" v")
    if not name or not version.isdigit():
        return label or "not recorded"
    return f"the clinic's titration rule \u201c{name}\u201d, version {version}"


def load_rule(path: Path = DEFAULT_PROFILE) -> TitrationRule:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise TitrationProfileError(f"cannot read the titration profile {path.name}: "
                                    f"{exc}; fix or replace the file") from None
    try:
        rule = TitrationRule(**data)
    except TypeError as exc:
        raise TitrationProfileError(f"the titration profile {path.name} is malformed ({exc}); "
                                    "compare it with the default profile") from None
    if not (0 < rule.step_up_mg_per_kg <= 0.25 and 0 < rule.step_down_mg_per_kg <= 0.25):
        raise TitrationProfileError("titration steps must be more than 0 and at most "
                                    "0.25 mg/kg")
    return rule


@dataclass(frozen=True, slots=True)
class PastInfusion:
    """What the rule reads from one previous session of the course."""

    mg_per_kg: float
    phq9_before: int | None = None
    bp_alarm: bool = False
    peak_cadss6: int | None = None


@dataclass(frozen=True, slots=True)
class DoseProposal:
    mg_per_kg: float
    reason: str
    rule: str
    inputs: dict[str, Any]


def _clamp(value: float, low: float, high: float) -> float:
    return round(min(max(value, low), high), 3)


def propose(rule: TitrationRule, history: Sequence[PastInfusion], current_phq9: int | None,
            approved: tuple[float, float]) -> DoseProposal:
    """The next dose: start, step down for tolerability, step up for response, or stay."""
    low, high = approved
    inputs: dict[str, Any] = {"history": [asdict(h) for h in history],
                              "current_phq9": current_phq9,
                              "approved_mg_per_kg": [low, high]}

    def proposal(dose: float, reason: str) -> DoseProposal:
        chosen = _clamp(dose, low, high)
        if chosen < round(dose, 3):
            reason += f"; held at the approved maximum {high:g} mg/kg"
        elif chosen > round(dose, 3):
            reason += f"; raised to the approved minimum {low:g} mg/kg"
        return DoseProposal(chosen, reason, rule.label, inputs)

    if not history:
        return proposal(rule.start_mg_per_kg, "first infusion of the course: starting dose")
    last = history[-1]
    if rule.step_down_after_bp_alarm and last.bp_alarm:
        return proposal(last.mg_per_kg - rule.step_down_mg_per_kg,
                        "blood-pressure alarm at the last infusion: step down")
    if last.peak_cadss6 is not None and last.peak_cadss6 >= rule.cadss6_step_down_at:
        return proposal(last.mg_per_kg - rule.step_down_mg_per_kg,
                        f"CADSS-6 {last.peak_cadss6} at the last infusion: step down")
    baseline = next((h.phq9_before for h in history if h.phq9_before is not None), None)
    if baseline is None or current_phq9 is None or len(history) < rule.assess_after_infusions:
        return proposal(last.mg_per_kg, "too early to judge the response: same dose")
    fall = (baseline - current_phq9) / baseline if baseline else 0.0
    if fall < rule.insufficient_below_fraction:
        return proposal(last.mg_per_kg + rule.step_up_mg_per_kg,
                        f"PHQ-9 from {baseline} to {current_phq9} ({fall:.0%} fall) after "
                        f"{len(history)} infusions, tolerated: step up")
    return proposal(last.mg_per_kg, f"PHQ-9 from {baseline} to {current_phq9} ({fall:.0%} fall): "
                                    "responding, same dose")


@dataclass(frozen=True, slots=True)
class DoseDecision:
    """The proposal and what the nurse or prescriber made of it."""

    proposal: DoseProposal
    override_reason: str = ""

    def problem(self, chosen_mg_per_kg: float) -> str | None:
        if abs(chosen_mg_per_kg - self.proposal.mg_per_kg) > 1e-9 \
                and not self.override_reason.strip():
            return (f"The rule proposes {self.proposal.mg_per_kg:g} mg/kg; say why you choose "
                    f"{chosen_mg_per_kg:g} mg/kg instead.")
        return None

    def as_record(self, chosen_mg_per_kg: float) -> dict[str, Any]:
        accepted = abs(chosen_mg_per_kg - self.proposal.mg_per_kg) <= 1e-9
        return {"proposed_mg_per_kg": self.proposal.mg_per_kg,
                "chosen_mg_per_kg": chosen_mg_per_kg, "rule": self.proposal.rule,
                "reason": self.proposal.reason, "inputs": self.proposal.inputs,
                "decision": "accepted" if accepted else "overridden",
                "override_reason": "" if accepted else self.override_reason.strip()}
