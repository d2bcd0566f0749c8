"""Check-in and pre-assessment: the checklist that cannot be signed with a required item empty.

Items follow CLINICAL.md section 1 (identity, weight, allergies, medication, substance
use, psychiatric screen, BP history, fasting, consent, IV site, escort), the pregnancy
question asked at every session (the eligibility assessment asks it once per course; a
pregnancy can begin between infusions; "not applicable" where it cannot apply), and the
height
the clinic's dosing-weight rule reads the BMI from. Weight and height are checked
against the one range every screen and command uses (:mod:`ketaconsole.medication.body`).
Fasting is asked as two answers, solid food and clear liquids, each against the clinic's
own hours (:class:`FastingRule`): a meal two hours ago is not a drink of water two hours
ago. The baseline rating scales (PHQ-9 and the others) are answered item by item before
dosing, on the plan page, never typed here as a total. Each problem is one sentence that
says what to enter.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

from ketaconsole.medication.body import HEIGHT_CM, WEIGHT_KG
from ketaconsole.names import BadText, Field, check_birth_date, text_problem

PREGNANCY_ANSWERS = ("no", "not applicable", "yes")
"""Could the patient be pregnant now: "yes" (or not sure) stops the session."""

FASTING_SOLIDS_H = 6.0
"""No solid food (a light meal) for 6 h before (CLINICAL.md section 1)."""
FASTING_CLEAR_LIQUIDS_H = 2.0
"""No clear liquids for 2 h before (CLINICAL.md section 1)."""


def _hours(value: float) -> str:
    return f"{value:g} h"


@dataclass(frozen=True, slots=True)
class FastingRule:
    """How long the clinic wants the patient without solid food and without clear liquids.

    The defaults are CLINICAL.md's; a clinic sets its own hours (the settings
    ``fasting-solids-hours`` and ``fasting-clear-liquids-hours``), which the room reads
    when its record opens and which each check-in records beside the answers.
    """

    solids_h: float = FASTING_SOLIDS_H
    clear_liquids_h: float = FASTING_CLEAR_LIQUIDS_H

    def problems(self, solids_hours: float | None,
                 clear_liquids_hours: float | None) -> dict[str, str]:
        """Field name -> what to do; empty when the patient has fasted long enough."""
        found: dict[str, str] = {}
        for key, hours, needed, what in (
                ("solids_hours", solids_hours, self.solids_h, "solid food"),
                ("clear_liquids_hours", clear_liquids_hours, self.clear_liquids_h,
                 "clear liquids")):
            if hours is None or not math.isfinite(hours) or hours < 0:
                found[key] = f"Enter the hours since the patient last had {what}."
            elif hours < needed:
                found[key] = (f"{what.capitalize()} {_hours(hours)} ago; this clinic asks for "
                              f"{_hours(needed)}: wait {_hours(round(needed - hours, 2))} "
                              "more before dosing.")
        return found

    def as_record(self) -> dict[str, float]:
        """The hours in force, as the check-in records them."""
        return {"solids_needed_h": self.solids_h,
                "clear_liquids_needed_h": self.clear_liquids_h}

    def describe(self) -> str:
        """'6 h without solid food, 2 h without clear liquids'."""
        return (f"{_hours(self.solids_h)} without solid food, "
                f"{_hours(self.clear_liquids_h)} without clear liquids")


@dataclass(frozen=True, slots=True)
class PatientNamed:
    """Whose session it is, as check-in (or ``record``) names them: what finds their record
    (the record picked, else the MRN, else the name with the date of birth), with the age
    and weight given."""

    name: str
    mrn: str | None = None
    date_of_birth: str | None = None
    patient_id: int | None = None
    age_years: int | None = None
    weight_kg: float | None = None


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
    solids_hours: float | None
    """Hours since the patient last had solid food (a meal, a snack, milk)."""
    clear_liquids_hours: float | None
    """Hours since the patient last had clear liquids (water, clear juice, black tea)."""
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
    pregnancy: str | None = None
    """One of :data:`PREGNANCY_ANSWERS`; ``None`` until asked."""

    def problems(self, fasting: FastingRule = FastingRule()) -> dict[str, str]:
        """Field name -> what to fix; empty when the checklist can be signed."""
        found: dict[str, str] = {}
        problem = text_problem(str(self.patient_name), Field.PATIENT_NAME)
        if problem is not None:
            found["patient_name"] = f"{problem[0].upper()}{problem[1:]}."
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
            elif (problem := text_problem(str(getattr(self, name)), Field.ANSWER,
                                          what=label.split(" (")[0])) is not None:
                found[name] = f"{problem[0].upper()}{problem[1:]}."
        if self.psychosis_or_mania is None:
            found["psychosis_or_mania"] = "Answer the psychosis / mania screen."
        elif self.psychosis_or_mania:
            found["psychosis_or_mania"] = ("A positive psychosis or mania screen needs the "
                                           "prescriber's review before dosing.")
        if self.pregnancy not in PREGNANCY_ANSWERS:
            found["pregnancy"] = ("Ask whether the patient could be pregnant now: no, not "
                                  "applicable, or yes.")
        elif self.pregnancy == "yes":
            found["pregnancy"] = ("A possible pregnancy stops the infusion: ketamine is not "
                                  "given in pregnancy; the prescriber must review the course.")
        found.update(fasting.problems(self.solids_hours, self.clear_liquids_hours))
        if not self.consent_signed:
            found["consent_signed"] = "The consent form must be signed before the session."
        born = (self.date_of_birth or "").strip()
        if born:
            try:
                check_birth_date(born)
            except BadText as exc:
                found["date_of_birth"] = f"{str(exc)[0].upper()}{str(exc)[1:]}."
        if not self.escort_present:
            found["escort_present"] = "Confirm that an escort will take the patient home."
        return found

    def patient(self) -> PatientNamed:
        """Whose session this check-in opens."""
        return PatientNamed(self.patient_name.strip(), self.mrn or None,
                            self.date_of_birth or None, self.patient_id, self.age_years,
                            self.weight_kg)

    def as_record(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_record(cls, recorded: Mapping[str, Any]) -> CheckIn:
        """The form as a check-in entry recorded it, in either shape: a record from before
        solids and clear liquids were asked apart holds one ``fasting_hours`` (since the
        patient last ate or drank anything), which stands for both. ``TypeError`` when a
        field is missing."""
        values = {f.name: recorded[f.name] for f in fields(cls) if f.name in recorded}
        if "fasting_hours" in recorded:
            values.setdefault("solids_hours", recorded["fasting_hours"])
            values.setdefault("clear_liquids_hours", recorded["fasting_hours"])
        return cls(**values)
