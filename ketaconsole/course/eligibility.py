"""The eligibility assessment a prescriber signs once per course, and the check-in's gate.

Contraindications are structured items with decision support: an absolute one
(active psychosis, pregnancy, blood pressure above the clinic's threshold) stops the
course; a relative one (substance use disorder, cardiovascular disease, prior ketamine
misuse, interstitial cystitis) needs the prescriber's written reasoning to go ahead.
The assessment also holds prior treatments, the consent document and its version, and
the dose range the prescriber approves; a nurse runs sessions within that range until
the assessment expires. :func:`clearance` is what check-in asks.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from ketaconsole.store.database import Database
from ketaconsole.store.models import ClinicSetting, EligibilityAssessment

ABSOLUTE = {"active_psychosis": "active psychosis", "pregnancy": "pregnancy",
            "uncontrolled_hypertension": "uncontrolled hypertension"}
RELATIVE = {"substance_use_disorder": "substance use disorder",
            "cardiovascular_disease": "cardiovascular disease",
            "prior_ketamine_misuse": "prior ketamine misuse",
            "interstitial_cystitis": "interstitial cystitis"}
PRIOR_TREATMENT_KINDS = ("antidepressant", "augmentation", "psychotherapy", "ECT", "TMS",
                         "esketamine", "ketamine")

DOSE_FLOOR_MG_PER_KG = 0.1
DOSE_CEILING_MG_PER_KG = 1.0
"""The range a prescriber may approve at all (ours: published IV protocols stay within it)."""


@dataclass(frozen=True, slots=True)
class EligibilityPolicy:
    """What the clinic set: the blood-pressure threshold and how long an approval lasts."""

    max_systolic_mmhg: float = 160.0
    max_diastolic_mmhg: float = 100.0
    valid_days: int = 180

    @classmethod
    def of_clinic(cls, database: Database) -> EligibilityPolicy:
        """The clinic's values (``eligibility-*`` clinic settings), else the defaults."""
        keys = {"eligibility-max-systolic-mmhg": "max_systolic_mmhg",
                "eligibility-max-diastolic-mmhg": "max_diastolic_mmhg",
                "eligibility-valid-days": "valid_days"}
        with database.sessions() as session:
            rows = session.scalars(select(ClinicSetting)
                                   .where(ClinicSetting.key.in_(list(keys)))).all()
        values: dict[str, Any] = {}
        for row in rows:
            if isinstance(row.value, int | float) and not isinstance(row.value, bool):
                values[keys[row.key]] = int(row.value) if keys[row.key] == "valid_days" \
                    else float(row.value)
        return cls(**values)


@dataclass(frozen=True, slots=True)
class PriorTreatment:
    kind: str
    detail: str = ""


@dataclass(frozen=True, slots=True)
class EligibilityForm:
    """What the prescriber enters; each contraindication is answered yes or no."""

    active_psychosis: bool
    pregnancy: bool
    screening_systolic_mmhg: float
    screening_diastolic_mmhg: float
    substance_use_disorder: bool
    cardiovascular_disease: bool
    prior_ketamine_misuse: bool
    interstitial_cystitis: bool
    consent_document: str
    consent_version: str
    dose_min_mg_per_kg: float = 0.5
    dose_max_mg_per_kg: float = 0.75
    prior_treatments: tuple[PriorTreatment, ...] = ()
    relative_reasoning: str = ""
    """Why the course goes ahead despite a relative contraindication."""
    diagnosis: str = "Treatment-resistant depression"

    def as_record(self) -> dict[str, Any]:
        record = asdict(self)
        record["prior_treatments"] = [asdict(t) for t in self.prior_treatments]
        return record


@dataclass(frozen=True, slots=True)
class Findings:
    """The decision support: what is absolute, what is relative, and what the form lacks."""

    absolute: tuple[str, ...]
    relative: tuple[str, ...]
    problems: dict[str, str] = field(default_factory=dict)

    @property
    def flagged(self) -> list[str]:
        return [ABSOLUTE[k] + " (absolute)" for k in self.absolute] + \
            [RELATIVE[k] + " (relative)" for k in self.relative]


def decision_support(form: EligibilityForm, policy: EligibilityPolicy) -> Findings:
    problems: dict[str, str] = {}
    absolute = [k for k in ("active_psychosis", "pregnancy") if getattr(form, k)]
    sbp, dbp = form.screening_systolic_mmhg, form.screening_diastolic_mmhg
    if not all(isinstance(v, int | float) and math.isfinite(v) and 40 <= v <= 300
               for v in (sbp, dbp)):
        problems["screening_bp"] = "Enter the screening blood pressure in mmHg."
    elif sbp > policy.max_systolic_mmhg or dbp > policy.max_diastolic_mmhg:
        absolute.append("uncontrolled_hypertension")
    relative = tuple(k for k in RELATIVE if getattr(form, k))
    if relative and not form.relative_reasoning.strip():
        problems["relative_reasoning"] = (
            "Say why the course goes ahead despite " +
            ", ".join(RELATIVE[k] for k in relative) + ".")
    if not form.consent_document.strip() or not form.consent_version.strip():
        problems["consent"] = "Record the consent document and its version."
    low, high = form.dose_min_mg_per_kg, form.dose_max_mg_per_kg
    if not (DOSE_FLOOR_MG_PER_KG <= low <= high <= DOSE_CEILING_MG_PER_KG):
        problems["dose_range"] = (f"Approve a dose range from {DOSE_FLOOR_MG_PER_KG:g} to "
                                  f"{DOSE_CEILING_MG_PER_KG:g} mg/kg, lowest first.")
    for treatment in form.prior_treatments:
        if treatment.kind not in PRIOR_TREATMENT_KINDS:
            problems["prior_treatments"] = (
                f"Prior treatment {treatment.kind!r} is not one of "
                f"{', '.join(PRIOR_TREATMENT_KINDS)}.")
    return Findings(tuple(absolute), relative, problems)


@dataclass(frozen=True, slots=True)
class Assessment:
    """A stored assessment: who signed it, what it allows, until when, what it flagged."""

    assessment_id: int
    patient_id: int
    assessed_at: float
    expires_at: float
    prescriber: str
    approved: bool
    dose_min_mg_per_kg: float
    dose_max_mg_per_kg: float
    record: dict[str, Any]

    @property
    def flagged(self) -> list[str]:
        return list(self.record.get("flagged", []))

    def expires(self) -> str:
        return datetime.fromtimestamp(self.expires_at, UTC).date().isoformat()

    def dose_problem(self, mg_per_kg: float) -> str | None:
        """Why ``mg_per_kg`` may not be given under this course (outside the approved range)."""
        if self.dose_min_mg_per_kg - 1e-9 <= mg_per_kg <= self.dose_max_mg_per_kg + 1e-9:
            return None
        return (f"{mg_per_kg:g} mg/kg is outside the range the prescriber approved "
                f"({self.dose_min_mg_per_kg:g} to {self.dose_max_mg_per_kg:g} mg/kg); "
                "ask the prescriber to reassess the course.")

    def clearance_record(self, mrn: str | None = None) -> dict[str, Any]:
        """The ``course_clearance`` timeline payload a session starts under."""
        return {"assessment_id": self.assessment_id, "prescriber": self.prescriber,
                "dose_min_mg_per_kg": self.dose_min_mg_per_kg,
                "dose_max_mg_per_kg": self.dose_max_mg_per_kg, "expires": self.expires(),
                "flagged": self.flagged, "patient_id": self.patient_id, "mrn": mrn}


def _assessment(row: EligibilityAssessment) -> Assessment:
    return Assessment(row.id, row.patient_id, row.assessed_at, row.expires_at, row.prescriber,
                      row.approved, row.dose_min_mg_per_kg, row.dose_max_mg_per_kg,
                      dict(row.assessment))


def store_assessment(database: Database, patient_id: int, form: EligibilityForm,
                     findings: Findings, *, prescriber: str, policy: EligibilityPolicy,
                     clock: Callable[[], float] = time.time) -> Assessment:
    """Record an assessment (unguarded: the prescriber's door is ``CourseDesk``)."""
    now = clock()
    approved = not findings.absolute
    record = form.as_record() | {"flagged": findings.flagged,
                                 "absolute": list(findings.absolute),
                                 "relative": list(findings.relative),
                                 "policy": asdict(policy)}
    with database.sessions() as session, session.begin():
        row = EligibilityAssessment(
            patient_id=patient_id, assessed_at=now, expires_at=now + policy.valid_days * 86400,
            prescriber=prescriber, approved=approved,
            dose_min_mg_per_kg=form.dose_min_mg_per_kg,
            dose_max_mg_per_kg=form.dose_max_mg_per_kg, assessment=record)
        session.add(row)
        session.flush()
        return _assessment(row)


def latest_assessment(database: Database, patient_id: int) -> Assessment | None:
    with database.sessions() as session:
        row = session.scalars(select(EligibilityAssessment)
                              .where(EligibilityAssessment.patient_id == patient_id)
                              .order_by(EligibilityAssessment.assessed_at.desc(),
                                        EligibilityAssessment.id.desc())).first()
        return _assessment(row) if row is not None else None


class NotCleared(LookupError):
    """No approved, unexpired assessment: the text says what the prescriber must do."""


def clearance(database: Database, patient_id: int, name: str, now: float) -> Assessment:
    """The approved, unexpired assessment a session for this patient runs under."""
    latest = latest_assessment(database, patient_id)
    if latest is None:
        raise NotCleared(f"{name} has no eligibility assessment; a prescriber must assess "
                         "and approve the course before the first infusion.")
    if not latest.approved:
        raise NotCleared(f"{name}'s eligibility assessment found "
                         f"{', '.join(latest.flagged) or 'a contraindication'}; the course "
                         "is not approved.")
    if latest.expires_at <= now:
        raise NotCleared(f"{name}'s eligibility assessment expired on {latest.expires()}; "
                         "a prescriber must reassess the patient.")
    return latest
