"""Check-in and pre-assessment: the checklist that cannot be signed with a required item empty.

Items follow CLINICAL.md section 1 (identity, weight, allergies, medication, substance
use, psychiatric screen, BP history, fasting, consent, IV site, escort), and the height
the clinic's dosing-weight rule reads the BMI from. Weight and height are checked
against the one range every screen and command uses
(:mod:`ketaconsole.medication.body`). The baseline
rating scales (PHQ-9 and the others) are answered item by item before dosing, on the
plan page, never typed here as a total. Each problem is one sentence that says what to
enter.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from ketaconsole.medication.body import HEIGHT_CM, WEIGHT_KG
from ketaconsole.names import BadName, check_name

FASTING_CLEAR_LIQUIDS_H = 2.0
"""Clear liquids up to 2 h before (CLINICAL.md section 1)."""


@dataclass(frozen=True, slots=True)
class CheckIn:
    """What the nurse records before the infusion."""

    patient_name: str
    age_years: int | None
    weight_kg: float | None
    allergies: str
    current_medication: str
    substance_use: str
    psychosis_or_mania: bool | None
    """None until the screen was done; True stops the session for a prescriber's review."""
    bp_history: str
    fasting_hours: float | None
    consent_signed: bool
    iv_site: str
    escort_present: bool
    mrn: str = ""
    """The clinic identifier; with the date of birth it finds the patient's record."""
    date_of_birth: str = ""
    """YYYY-MM-DD, or empty."""
    patient_id: int | None = None
    """The record picked from the search; ``None``: found or registered at check-in."""
    height_cm: float | None = None
    """Measured at check-in, for the BMI the dosing-weight rule reads (the plan asks for
    it where the clinic's rule needs it and it was not entered here)."""

    def problems(self) -> dict[str, str]:
        """Field name -> what to fix; empty when the checklist can be signed."""
        found: dict[str, str] = {}
        try:
            check_name(self.patient_name)
        except BadName as exc:
            found["patient_name"] = f"{str(exc)[0].upper()}{str(exc)[1:]}."
        if self.age_years is None or not 18 <= self.age_years <= 110:
            found["age_years"] = "Enter the patient's age in years (18 to 110)."
        low, high = WEIGHT_KG
        if self.weight_kg is None or not math.isfinite(self.weight_kg) \
                or not low <= self.weight_kg <= high:
            found["weight_kg"] = (f"Weigh the patient and enter the weight in kg ({low:g} to "
                                  f"{high:g}).")
        low, high = HEIGHT_CM
        if self.height_cm is not None and (not math.isfinite(self.height_cm)
                                           or not low <= self.height_cm <= high):
            found["height_cm"] = (f"Enter the patient's height in cm ({low:g} to {high:g}), "
                                  "or leave it empty.")
        for name, label in (("allergies", "allergies (or 'none known')"),
                            ("current_medication", "current medication (or 'none')"),
                            ("substance_use", "substance use (or 'none')"),
                            ("bp_history", "blood-pressure history (or 'none')"),
                            ("iv_site", "the IV site")):
            if not str(getattr(self, name)).strip():
                found[name] = f"Enter {label}."
        if self.psychosis_or_mania is None:
            found["psychosis_or_mania"] = "Answer the psychosis / mania screen."
        elif self.psychosis_or_mania:
            found["psychosis_or_mania"] = ("A positive psychosis or mania screen needs the "
                                           "prescriber's review before dosing.")
        if self.fasting_hours is None or self.fasting_hours < 0:
            found["fasting_hours"] = "Enter the hours since the patient last ate or drank."
        elif self.fasting_hours < FASTING_CLEAR_LIQUIDS_H:
            found["fasting_hours"] = (f"Less than {FASTING_CLEAR_LIQUIDS_H:g} h since the last "
                                      "intake; wait, or ask the prescriber.")
        if not self.consent_signed:
            found["consent_signed"] = "The consent form must be signed before the session."
        born = (self.date_of_birth or "").strip()
        if born:
            try:
                date.fromisoformat(born)
            except ValueError:
                found["date_of_birth"] = "Enter the date of birth as YYYY-MM-DD."
        if not self.escort_present:
            found["escort_present"] = "Confirm that an escort will take the patient home."
        return found

    def as_record(self) -> dict[str, Any]:
        return asdict(self)
