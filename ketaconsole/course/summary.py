"""A patient's course at a glance: what the course view plots and the course exports print.

One :class:`CourseSummary` per patient: the eligibility assessment, each session's
line (dose, measures, peak systolic BP, lowest SpO2, peak CADSS-6, rescue medication,
adverse events), the follow-ups, the safety flags and their acknowledgements, the
PHQ-9 per visit with the response (50 % of the baseline) and remission (below 5) lines,
and when the next infusion is due.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ketaconsole.course.eligibility import Assessment, latest_assessment
from ketaconsole.course.follow_ups import DAY, MAINTENANCE_AFTER_INFUSIONS, follow_ups_of
from ketaconsole.course.history import SessionLine, course_history
from ketaconsole.course.identity import PatientRecord, get_patient
from ketaconsole.course.measures import PHQ9_REMISSION_BELOW, RESPONSE_FRACTION
from ketaconsole.course.safety_flags import SafetyFlag, patient_flags
from ketaconsole.security.clinic_settings import madrs_in_use
from ketaconsole.store.database import Database

INDUCTION_INTERVAL_DAYS = 3.0
"""Six infusions over two to three weeks: one every two to four days (ours: three)."""
MAINTENANCE_INTERVAL_DAYS = 30.0


@dataclass(frozen=True, slots=True)
class Visit:
    """A PHQ-9 (or MADRS) taken before an infusion or at a follow-up."""

    at: float
    where: str
    """"infusion N" or the follow-up's interval."""
    phq9: int | None
    madrs: int | None = None


@dataclass(frozen=True, slots=True)
class CourseSummary:
    patient: PatientRecord
    assessment: Assessment | None
    sessions: list[SessionLine]
    visits: list[Visit]
    follow_ups: list[dict[str, Any]]
    madrs_in_use: bool = True
    """The clinic uses the MADRS (when not, no visit carries one and nothing plots it)."""
    safety_flags: tuple[SafetyFlag, ...] = ()
    """Every safety flag of the course, oldest first, open or acknowledged."""

    @property
    def open_flags(self) -> list[SafetyFlag]:
        return [flag for flag in self.safety_flags if flag.open]

    @property
    def infusions(self) -> list[SessionLine]:
        return [s for s in self.sessions if s.infused]

    @property
    def baseline_phq9(self) -> int | None:
        return next((v.phq9 for v in self.visits if v.phq9 is not None), None)

    @property
    def response_line(self) -> float | None:
        """PHQ-9 at or below this is a response (a 50 % fall from the baseline)."""
        base = self.baseline_phq9
        return base * (1 - RESPONSE_FRACTION) if base is not None else None

    remission_line: float = PHQ9_REMISSION_BELOW

    @property
    def latest_phq9(self) -> int | None:
        return next((v.phq9 for v in reversed(self.visits) if v.phq9 is not None), None)

    def state(self) -> str:
        """The course in a few words: where it stands and whether it works."""
        if self.assessment is None:
            return "not assessed"
        if not self.assessment.approved:
            return "not approved"
        count = len(self.infusions)
        phase = "maintenance" if count >= MAINTENANCE_AFTER_INFUSIONS else "induction"
        latest, line = self.latest_phq9, self.response_line
        if latest is not None and latest < self.remission_line:
            outcome = "remission"
        elif latest is not None and line is not None and latest <= line:
            outcome = "response"
        elif count:
            outcome = "no response yet"
        else:
            outcome = "not started"
        flags = len(self.open_flags)
        held = f"; {flags} safety flag{'s' if flags > 1 else ''} open" if flags else ""
        return f"{phase}, {count} infusions, {outcome}{held}"

    def next_infusion_due(self) -> float | None:
        if not self.infusions or self.assessment is None or not self.assessment.approved:
            return None
        days = MAINTENANCE_INTERVAL_DAYS if len(self.infusions) >= \
            MAINTENANCE_AFTER_INFUSIONS else INDUCTION_INTERVAL_DAYS
        return self.infusions[-1].started_at + days * DAY


def course_summary(database: Database, patient_id: int) -> CourseSummary:
    patient = get_patient(database, patient_id)
    sessions = course_history(database, patient.patient_id)
    rows = follow_ups_of(database, patient.patient_id)
    follow_ups = [{"at": f.at, "interval": f.interval, "author": f.author, "id": f.id,
                   **f.answers} for f in rows]
    madrs = madrs_in_use(database)
    visits: list[Visit] = []
    number = 0
    for line in sessions:
        if line.infused:
            number += 1
        rated = line.measures.get("MADRS") if madrs else None
        if "PHQ-9" in line.measures or rated is not None:
            visits.append(Visit(line.started_at, f"infusion {number}",
                                line.measures.get("PHQ-9"), rated))
    for entry in follow_ups:
        visits.append(Visit(float(entry["at"]), f"follow-up {entry['interval']}",
                            int(entry["phq9"]["total"])))
    visits.sort(key=lambda v: v.at)
    flags = patient_flags(database, patient.patient_id, sessions=sessions, follow_ups=rows)
    return CourseSummary(patient, latest_assessment(database, patient.patient_id), sessions,
                         visits, follow_ups, madrs, tuple(flags))
