"""The eligibility assessment a prescriber signs once per course, and the check-in's gate.

Contraindications are structured items with decision support: the list, and which are
absolute by default, is :mod:`ketaconsole.course.contraindications`; the clinic's settings
make any of them absolute or relative. An absolute one stops the course; a relative one
needs the prescriber's written reasoning to go ahead. Two screening blood-pressure
readings are taken and their mean is judged: above 140/90 mmHg it needs the prescriber's
note, above the clinic's hard threshold (default 160/100) it stops the course.
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

from ketaconsole.course.contraindications import (
    CONTRAINDICATIONS,
    RAISED_SCREENING_BP,
    UNCONTROLLED_HYPERTENSION,
    label,
)
from ketaconsole.medication.library import DOSE, INFUSION, TOTAL, DrugLibrary, shown
from ketaconsole.medication.order_check import ApprovedOrder
from ketaconsole.names import Field, text_problem
from ketaconsole.security.clinic_settings import setting_value
from ketaconsole.store.database import Database
from ketaconsole.store.models import ClinicSetting, EligibilityAssessment

ADVISED_SYSTOLIC_MMHG, ADVISED_DIASTOLIC_MMHG = 140.0, 90.0
"""Above this mean screening reading the prescriber writes why the course goes ahead
(CLINICAL.md section 2: Spravato label 5.6; the consensus advises evaluation)."""
PRIOR_TREATMENT_KINDS = ("antidepressant", "augmentation", "psychotherapy", "ECT", "TMS",
                         "esketamine", "ketamine")

@dataclass(frozen=True, slots=True)
class EligibilityPolicy:
    """What the clinic set: the blood-pressure threshold, how long an approval lasts, and
    which contraindications are absolute."""

    max_systolic_mmhg: float = 160.0
    max_diastolic_mmhg: float = 100.0
    valid_days: int = 180
    absolute: frozenset[str] = frozenset(c.key for c in CONTRAINDICATIONS if c.absolute)
    """The contraindications that stop the course (the others need reasoning)."""

    @classmethod
    def of_clinic(cls, database: Database) -> EligibilityPolicy:
        """The clinic's values (``eligibility-*`` clinic settings), else the defaults."""
        keys = {"eligibility-max-systolic-mmhg": "max_systolic_mmhg",
                "eligibility-max-diastolic-mmhg": "max_diastolic_mmhg",
                "eligibility-valid-days": "valid_days"}
        with database.sessions() as session:
            rows = session.scalars(select(ClinicSetting)
                                   .where(ClinicSetting.key.in_(list(keys)))).all()
        values: dict[str, Any] = {"absolute": absolute_in_clinic(database)}
        for row in rows:
            if isinstance(row.value, int | float) and not isinstance(row.value, bool):
                values[keys[row.key]] = int(row.value) if keys[row.key] == "valid_days" \
                    else float(row.value)
        return cls(**values)


def absolute_in_clinic(database: Database) -> frozenset[str]:
    """The contraindications the clinic's ``absolute-*`` settings make absolute."""
    return frozenset(c.key for c in CONTRAINDICATIONS
                     if setting_value(database, c.setting) == 1)


@dataclass(frozen=True, slots=True)
class PriorTreatment:
    kind: str
    detail: str = ""


@dataclass(frozen=True, slots=True)
class EligibilityForm:
    """What the prescriber enters: the contraindications present (every other one of
    :data:`CONTRAINDICATIONS` was asked and is absent) and the screening readings."""

    present: frozenset[str]
    screening_bp: tuple[tuple[float, float], ...]
    """The screening readings (systolic, diastolic) in mmHg: two, or one where only one
    was taken; their mean is judged."""
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
        record["present"] = sorted(self.present)
        record["screening_bp"] = [list(reading) for reading in self.screening_bp]
        record["absent"] = [c.key for c in CONTRAINDICATIONS if c.key not in self.present]
        mean = self.mean_bp()
        record["screening_bp_mean"] = None if mean is None else list(mean)
        return record

    def mean_bp(self) -> tuple[float, float] | None:
        """The mean of the screening readings; ``None`` where a reading is not a pressure."""
        readings = self.screening_bp
        if not 1 <= len(readings) <= 2 or not all(
                len(r) == 2 and _finite(*r) and all(40 <= v <= 300 for v in r)
                for r in readings):
            return None
        return (sum(r[0] for r in readings) / len(readings),
                sum(r[1] for r in readings) / len(readings))


@dataclass(frozen=True, slots=True)
class Findings:
    """The decision support: what is absolute, what is relative, and what the form lacks."""

    absolute: tuple[str, ...]
    relative: tuple[str, ...]
    problems: dict[str, str] = field(default_factory=dict)

    @property
    def flagged(self) -> list[str]:
        return [label(k) + " (absolute)" for k in self.absolute] + \
            [label(k) + " (relative)" for k in self.relative]


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
    unknown = sorted(form.present - {c.key for c in CONTRAINDICATIONS})
    if unknown:
        problems["contraindications"] = (f"{unknown[0]!r} is not a contraindication this "
                                         "assessment asks.")
    ticked = [c.key for c in CONTRAINDICATIONS if c.key in form.present]
    absolute = [k for k in ticked if k in policy.absolute]
    relative = [k for k in ticked if k not in policy.absolute]
    mean = form.mean_bp()
    if mean is None:
        problems["screening_bp"] = ("Enter the screening blood pressure in mmHg: two "
                                    "readings, systolic over diastolic.")
    elif mean[0] > policy.max_systolic_mmhg or mean[1] > policy.max_diastolic_mmhg:
        absolute.append(UNCONTROLLED_HYPERTENSION)
    elif mean[0] > ADVISED_SYSTOLIC_MMHG or mean[1] > ADVISED_DIASTOLIC_MMHG:
        relative.append(RAISED_SCREENING_BP)
    if relative and not form.relative_reasoning.strip():
        problems["relative_reasoning"] = (
            "Say why the course goes ahead despite " +
            ", ".join(label(k) for k in relative) + ".")
    if not form.consent_document.strip() or not form.consent_version.strip():
        problems["consent"] = "Record the consent document and its version."
    problems.update(_text_problems(form))
    problems.update(_order_problems(form, library))
    for treatment in form.prior_treatments:
        if treatment.kind not in PRIOR_TREATMENT_KINDS:
            problems["prior_treatments"] = (
                f"Prior treatment {treatment.kind!r} is not one of "
                f"{', '.join(PRIOR_TREATMENT_KINDS)}.")
    return Findings(tuple(absolute), tuple(relative), problems)


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
                                 "policy": asdict(policy) | {
                                     "absolute": sorted(policy.absolute)}}
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
