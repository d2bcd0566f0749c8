"""Discharge criteria: modified Aldrete and modified PADSS, suggested from the record.

Each item scores 0-2; discharge needs a total of at least 9 on the scale used
(CLINICAL.md section 3). The console suggests items it can judge from the devices
(SpO2 on room air, blood pressure against the baseline); the nurse decides every item.
"""

from __future__ import annotations

from dataclasses import dataclass

DISCHARGE_AT = 9


@dataclass(frozen=True, slots=True)
class Item:
    key: str
    label: str
    choices: tuple[tuple[int, str], ...]


ALDRETE: tuple[Item, ...] = (
    Item("activity", "Activity", ((2, "moves all four limbs"), (1, "moves two limbs"),
                                  (0, "moves no limbs"))),
    Item("respiration", "Respiration", ((2, "breathes deeply, coughs freely"),
                                        (1, "dyspnoea or limited breathing"), (0, "apnoeic"))),
    Item("circulation", "Circulation", ((2, "BP within 20 mmHg of baseline"),
                                        (1, "BP within 20-50 mmHg of baseline"),
                                        (0, "BP more than 50 mmHg from baseline"))),
    Item("consciousness", "Consciousness", ((2, "fully awake"), (1, "arousable on calling"),
                                            (0, "not responding"))),
    Item("spo2", "SpO\u2082", ((2, "> 92% on room air"), (1, "needs O\u2082 to keep > 90%"),
                               (0, "< 90% even with O\u2082"))),
)

PADSS: tuple[Item, ...] = (
    Item("vitals", "Vital signs", ((2, "within 20% of baseline"), (1, "20-40% of baseline"),
                                   (0, "more than 40% from baseline"))),
    Item("ambulation", "Ambulation", ((2, "steady gait, no dizziness"),
                                      (1, "walks with assistance"), (0, "cannot walk"))),
    Item("nausea", "Nausea / vomiting", ((2, "minimal"), (1, "moderate"), (0, "severe"))),
    Item("pain", "Pain", ((2, "minimal"), (1, "moderate"), (0, "severe"))),
    Item("bleeding", "Bleeding (IV site)", ((2, "minimal"), (1, "moderate"), (0, "severe"))),
)

SCALES: dict[str, tuple[Item, ...]] = {"Aldrete": ALDRETE, "PADSS": PADSS}


def total(scores: dict[str, int]) -> int:
    return sum(scores.values())


def fit_for_discharge(scores: dict[str, int]) -> bool:
    return total(scores) >= DISCHARGE_AT


def suggest_aldrete(spo2: float | None, sbp: float | None,
                    baseline_sbp: float | None) -> dict[str, int]:
    """Items the devices can speak to; the nurse confirms or changes them."""
    found: dict[str, int] = {}
    if spo2 is not None:
        found["spo2"] = 2 if spo2 > 92 else 1 if spo2 >= 90 else 0
    if sbp is not None and baseline_sbp is not None:
        off = abs(sbp - baseline_sbp)
        found["circulation"] = 2 if off <= 20 else 1 if off <= 50 else 0
    return found


def suggest_padss(sbp: float | None, baseline_sbp: float | None) -> dict[str, int]:
    found: dict[str, int] = {}
    if sbp is not None and baseline_sbp:
        off = abs(sbp - baseline_sbp) / baseline_sbp
        found["vitals"] = 2 if off <= 0.2 else 1 if off <= 0.4 else 0
    return found
