"""Bedside rating scales the nurse enters during a session: MOAA/S, RASS and CADSS-6.

Levels and items as CLINICAL.md section 3 lists them. A score is checked here (one
sentence per problem) before it is recorded.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Scale:
    key: str
    title: str
    levels: tuple[tuple[int, str], ...] = ()
    """(score, meaning) for single-choice scales."""
    items: tuple[str, ...] = ()
    """Item names for summed scales, each scored ``item_range``."""
    item_range: tuple[int, int] = (0, 4)

    def check(self, scores: list[int]) -> list[str]:
        """Problems with the given scores (empty when they can be recorded)."""
        if self.levels:
            allowed = {score for score, _ in self.levels}
            if len(scores) != 1 or scores[0] not in allowed:
                low, high = min(allowed), max(allowed)
                return [f"{self.title} takes one score from {low} to {high}."]
            return []
        low, high = self.item_range
        if len(scores) != len(self.items):
            return [f"{self.title} needs a score for each of its {len(self.items)} items."]
        return [f"{self.title} item '{name}' must be {low} to {high}."
                for name, score in zip(self.items, scores, strict=True)
                if not low <= score <= high]

    def payload(self, scores: list[int]) -> dict[str, object]:
        """The timeline payload of a checked entry."""
        if self.levels:
            meaning = dict(self.levels)[scores[0]]
            return {"scale": self.key, "score": scores[0], "meaning": meaning}
        return {"scale": self.key, "items": dict(zip(self.items, scores, strict=True)),
                "score": sum(scores)}


MOAAS = Scale("MOAA/S", "MOAA/S", levels=(
    (5, "responds readily to name spoken in normal tone"),
    (4, "lethargic response to name spoken in normal tone"),
    (3, "responds only after name is called loudly or repeatedly"),
    (2, "responds only after mild prodding or shaking"),
    (1, "responds only after trapezius squeeze"),
    (0, "no response after trapezius squeeze"),
))

RASS = Scale("RASS", "RASS", levels=(
    (4, "combative"), (3, "very agitated"), (2, "agitated"), (1, "restless"),
    (0, "alert and calm"), (-1, "drowsy"), (-2, "light sedation"), (-3, "moderate sedation"),
    (-4, "deep sedation"), (-5, "unarousable"),
))

# CADSS short form: items 1, 2, 6, 7, 15 and 22 of the 23-item ketamine-study version.
CADSS6 = Scale("CADSS-6", "CADSS-6", items=(
    "1 things moving in slow motion", "2 things seem unreal", "6 sense of time changed",
    "7 body feels changed", "15 separated from what is happening",
    "22 feel disconnected from own body",
))

SCALES: dict[str, Scale] = {s.key: s for s in (MOAAS, RASS, CADSS6)}
