"""The clinic's titration rule: the next dose from the previous sessions' response and tolerability.

The rule is a profile file, like the alarm profiles (``resources/titration/default.json``
is the default). :func:`propose` reads the history of the course and proposes a dose in
mg/kg with its reason, never outside the range the prescriber approved:

- tolerability is judged from every recorded signal of the last infusion (a
  blood-pressure alarm, an SpO2 or respiration alarm or SpO2 below the rule's floor,
  vomiting, rescue medication, MOAA/S at or below the rule's level, CADSS-6 at or
  above its threshold, an adverse event); any of them steps the dose down;
- a step up never reaches a dose that was not tolerated at any earlier infusion;
- no step up when the PHQ-9 is worse than at the baseline, or the baseline is 0;
- after the clinic's number of infusions without a response (the
  ``review-after-infusions`` setting, default 6) it proposes a review by the
  prescriber instead of a dose (the last dose is held until then, and giving any dose
  needs the reviewer's reason).

The nurse or prescriber accepts it or chooses another dose with a reason
(:class:`DoseDecision`); both are recorded on the timeline with the rule and its inputs.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ketaconsole.course.measures import responded

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
    moaas_step_down_at_or_below: int = 2
    """MOAA/S at or below this (2: responds only to a shake or prod) is too deep sedation."""
    spo2_step_down_below: float = 90.0
    """An SpO2 below this at the infusion is a desaturation (CLINICAL.md: < 90 % high)."""

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
    breathing_alarm: bool = False
    """An SpO2 or respiration (RR, apnea) alarm of medium or high priority."""
    lowest_spo2: float | None = None
    vomiting: bool = False
    rescue_medications: tuple[str, ...] = ()
    lowest_moaas: int | None = None
    adverse_events: tuple[str, ...] = ()

    def not_tolerated(self, rule: TitrationRule) -> list[str]:
        """Why this infusion was not tolerated, in words (empty: tolerated)."""
        why: list[str] = []
        if rule.step_down_after_bp_alarm and self.bp_alarm:
            why.append("blood-pressure alarm")
        if self.breathing_alarm:
            why.append("SpO2 or respiration alarm")
        if self.lowest_spo2 is not None and self.lowest_spo2 < rule.spo2_step_down_below:
            why.append(f"SpO2 down to {self.lowest_spo2:g} %")
        if self.vomiting:
            why.append("vomiting")
        if self.rescue_medications:
            why.append(f"rescue medication ({', '.join(self.rescue_medications)})")
        if self.lowest_moaas is not None \
                and self.lowest_moaas <= rule.moaas_step_down_at_or_below:
            why.append(f"MOAA/S {self.lowest_moaas}")
        if self.peak_cadss6 is not None and self.peak_cadss6 >= rule.cadss6_step_down_at:
            why.append(f"CADSS-6 {self.peak_cadss6}")
        if self.adverse_events:
            why.append(f"adverse event ({', '.join(self.adverse_events)})")
        return why


@dataclass(frozen=True, slots=True)
class DoseProposal:
    mg_per_kg: float
    """The dose proposed; with ``review``, the last dose, held until the review."""
    reason: str
    rule: str
    inputs: dict[str, Any]
    review: bool = False
    """No response after the clinic's number of infusions: the prescriber reviews the
    course instead of the rule proposing a dose."""

    def headline(self) -> str:
        """What the rule proposes, in a few words ("0.5 mg/kg", "review")."""
        if self.review:
            return f"review by the prescriber (last dose {self.mg_per_kg:g} mg/kg held)"
        return f"{self.mg_per_kg:g} mg/kg"


def _clamp(value: float, low: float, high: float) -> float:
    return round(min(max(value, low), high), 3)


def propose(rule: TitrationRule, history: Sequence[PastInfusion], current_phq9: int | None,
            approved: tuple[float, float], *, review_after: int = 6) -> DoseProposal:
    """The next dose: start, step down for tolerability, review after ``review_after``
    infusions without a response, step up for an insufficient response, or stay."""
    low, high = approved
    inputs: dict[str, Any] = {"history": [asdict(h) for h in history],
                              "current_phq9": current_phq9,
                              "approved_mg_per_kg": [low, high],
                              "review_after_infusions": review_after}

    def proposal(dose: float, reason: str, *, review: bool = False) -> DoseProposal:
        chosen = _clamp(dose, low, high)
        if chosen < round(dose, 3):
            reason += f"; held at the approved maximum {high:g} mg/kg"
        elif chosen > round(dose, 3):
            reason += f"; raised to the approved minimum {low:g} mg/kg"
        return DoseProposal(chosen, reason, rule.label, inputs, review)

    if not history:
        return proposal(rule.start_mg_per_kg, "first infusion of the course: starting dose")
    last = history[-1]
    why = last.not_tolerated(rule)
    if why:
        return proposal(last.mg_per_kg - rule.step_down_mg_per_kg,
                        f"{', '.join(why)} at the last infusion: step down")
    baseline = next((h.phq9_before for h in history if h.phq9_before is not None), None)
    if baseline is None or current_phq9 is None or len(history) < rule.assess_after_infusions:
        return proposal(last.mg_per_kg, "too early to judge the response: same dose")
    fall = (baseline - current_phq9) / baseline if baseline else 0.0
    change = f"PHQ-9 from {baseline} to {current_phq9}"
    if len(history) >= review_after and not responded(baseline, current_phq9):
        return proposal(last.mg_per_kg, f"{change} ({fall:.0%} fall), no response after "
                                         f"{len(history)} infusions: review the course",
                        review=True)
    if baseline == 0:
        return proposal(last.mg_per_kg, f"{change}: a baseline of 0 leaves no response to "
                                         "judge, no step up: same dose")
    if current_phq9 > baseline:
        return proposal(last.mg_per_kg, f"{change}: worse than at the baseline, no step up: "
                                         "same dose")
    if fall < rule.insufficient_below_fraction:
        up = round(last.mg_per_kg + rule.step_up_mg_per_kg, 3)
        untolerated = [h.mg_per_kg for h in history if h.not_tolerated(rule)]
        if untolerated and up >= min(untolerated) - 1e-9:
            return proposal(last.mg_per_kg,
                            f"{change} ({fall:.0%} fall) after {len(history)} infusions, but "
                            f"{min(untolerated):g} mg/kg was not tolerated: same dose")
        return proposal(up, f"{change} ({fall:.0%} fall) after {len(history)} infusions, "
                            "tolerated: step up")
    return proposal(last.mg_per_kg, f"{change} ({fall:.0%} fall): responding, same dose")


@dataclass(frozen=True, slots=True)
class DoseDecision:
    """The proposal and what the nurse or prescriber made of it."""

    proposal: DoseProposal
    override_reason: str = ""

    def problem(self, chosen_mg_per_kg: float) -> str | None:
        if self.proposal.review and not self.override_reason.strip():
            return (f"The rule proposes a review of the course ({self.proposal.reason}); say "
                    f"what the prescriber decided for {chosen_mg_per_kg:g} mg/kg.")
        if abs(chosen_mg_per_kg - self.proposal.mg_per_kg) > 1e-9 \
                and not self.override_reason.strip():
            return (f"The rule proposes {self.proposal.mg_per_kg:g} mg/kg; say why you choose "
                    f"{chosen_mg_per_kg:g} mg/kg instead.")
        return None

    def as_record(self, chosen_mg_per_kg: float) -> dict[str, Any]:
        accepted = abs(chosen_mg_per_kg - self.proposal.mg_per_kg) <= 1e-9 \
            and not self.proposal.review
        return {"proposed_mg_per_kg": self.proposal.mg_per_kg,
                "chosen_mg_per_kg": chosen_mg_per_kg, "rule": self.proposal.rule,
                "reason": self.proposal.reason, "inputs": self.proposal.inputs,
                "decision": "accepted" if accepted else "overridden",
                "override_reason": "" if accepted else self.override_reason.strip()}
