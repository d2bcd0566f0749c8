"""The eligibility assessment a prescriber signs once per course, and the check-in's gate.

Contraindications are structured items with decision support: an absolute one
(active psychosis, pregnancy, blood pressure above the clinic's threshold) stops the
course; a relative one (substance use disorder, cardiovascular disease, prior ketamine
misuse, interstitial cystitis) needs the prescriber's written reasoning to go ahead.
The assessment also holds prior treatments, the consent document and its version, and
the order the prescriber approves: the dose range, the infusion-time range and the
maximum total dose, each within the hard limits of the clinic's drug library; a nurse
runs sessions within them until the assessment expires (an approval signed before the
infusion time and total dose were asked has the library's hard limits in their place,
and says so). :func:`clearance` is what check-in asks.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from ketaconsole.medication.library import DOSE, INFUSION, TOTAL, DrugLibrary, shown
from ketaconsole.medication.order_check import ApprovedOrder
from ketaconsole.names import Field, text_problem
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
    infusion_min_minutes: float | None = None
    infusion_max_minutes: float | None = None
    """The infusion times approved (shortest, longest): the prescriber states them."""
    max_total_mg: float | None = None
    """The most ketamine one infusion may give, in mg: the prescriber states it."""

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


def _finite(*values: object) -> bool:
    return all(isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
               for v in values)


def _order_problems(form: EligibilityForm, library: DrugLibrary) -> dict[str, str]:
    """The approved order against the hard limits of the clinic's drug library."""
    problems: dict[str, str] = {}
    band = library.dose_mg_per_kg
    low, high = form.dose_min_mg_per_kg, form.dose_max_mg_per_kg
    assert band.hard_min is not None
    if not (_finite(low, high) and band.hard_min <= low <= high <= band.hard_max):
        problems["dose_range"] = (f"Approve a dose range within the clinic's hard limits, "
                                  f"{band.hard(DOSE)}, lowest first.")
    band = library.infusion_minutes
    low_t, high_t = form.infusion_min_minutes, form.infusion_max_minutes
    assert band.hard_min is not None
    if low_t is None or high_t is None or not (
            _finite(low_t, high_t) and band.hard_min <= low_t <= high_t <= band.hard_max):
        problems["infusion_range"] = (f"Approve an infusion-time range within the clinic's "
                                      f"hard limits, {band.hard(INFUSION)}, shortest first.")
    most = form.max_total_mg
    if most is None or not (_finite(most) and 0 < most <= library.total_mg.hard_max):
        problems["max_total"] = ("Approve the most one infusion may give, in mg, up to the "
                                 "clinic's hard limit of "
                                 f"{TOTAL.format(library.total_mg.hard_max)}.")
    return problems


def _text_problems(form: EligibilityForm) -> dict[str, str]:
    """The form's free text by the console's one text rule (:mod:`ketaconsole.names`)."""
    problems: dict[str, str] = {}
    for key, value, text_field in (
            ("consent", form.consent_document, Field.CONSENT_DOCUMENT),
            ("consent", form.consent_version, Field.CONSENT_VERSION),
            ("relative_reasoning", form.relative_reasoning, Field.REASON),
            ("diagnosis", form.diagnosis, Field.DIAGNOSIS),
            *(("prior_treatments", t.detail, Field.PRIOR_TREATMENT)
              for t in form.prior_treatments)):
        problem = text_problem(str(value), text_field, required=False)
        if problem is not None and key not in problems:
            problems[key] = f"{problem[0].upper()}{problem[1:]}."
    return problems


def decision_support(form: EligibilityForm, policy: EligibilityPolicy,
                     library: DrugLibrary) -> Findings:
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
    problems.update(_text_problems(form))
    problems.update(_order_problems(form, library))
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

    @property
    def infusion_minutes(self) -> tuple[float, float] | None:
        """The infusion times approved; ``None`` for an approval made before they were asked."""
        low, high = (self.record.get("infusion_min_minutes"),
                     self.record.get("infusion_max_minutes"))
        return (float(low), float(high)) if _finite(low, high) and low is not None \
            and high is not None else None

    @property
    def max_total_mg(self) -> float | None:
        """The most one infusion may give; ``None`` for an approval made before it was asked."""
        most = self.record.get("max_total_mg")
        return float(most) if most is not None and _finite(most) else None

    def expires(self) -> str:
        return datetime.fromtimestamp(self.expires_at, UTC).date().isoformat()

    def approved_order(self) -> ApprovedOrder:
        """What this approval allows, as the order check reads it."""
        return ApprovedOrder(self.prescriber, (self.dose_min_mg_per_kg, self.dose_max_mg_per_kg),
                             self.infusion_minutes, self.max_total_mg)

    def clearance_record(self, mrn: str | None = None) -> dict[str, Any]:
        """The ``course_clearance`` timeline payload a session starts under."""
        infusion = self.infusion_minutes
        return {"assessment_id": self.assessment_id, "prescriber": self.prescriber,
                "dose_min_mg_per_kg": self.dose_min_mg_per_kg,
                "dose_max_mg_per_kg": self.dose_max_mg_per_kg, "expires": self.expires(),
                "flagged": self.flagged, "patient_id": self.patient_id, "mrn": mrn,
                "infusion_min_minutes": None if infusion is None else infusion[0],
                "infusion_max_minutes": None if infusion is None else infusion[1],
                "max_total_mg": self.max_total_mg}

    def summary(self) -> str:
        """The approved order in a line: '0.4-0.75 mg/kg over 40-100 min, at most 75 mg'."""
        text = f"{shown(self.dose_min_mg_per_kg)}-{DOSE.format(self.dose_max_mg_per_kg)}"
        infusion = self.infusion_minutes
        if infusion is not None:
            text += f" over {shown(infusion[0])}-{INFUSION.format(infusion[1])}"
        if self.max_total_mg is not None:
            text += f", at most {TOTAL.format(self.max_total_mg)}"
        return text


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
