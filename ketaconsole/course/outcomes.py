"""The clinic's outcomes across patients: what a medical director reads first.

Every figure is read from each patient's :class:`~ketaconsole.course.summary.CourseSummary`
(the fold the course view and the course exports read; nothing here recomputes a
session or a score). The cohort is every patient whose course's first infusion falls in
the window asked (both ends included; no window: every patient treated). Of that cohort:

- patients treated and their infusions;
- response (PHQ-9 down by half from the baseline taken before the first infusion) and
  remission (PHQ-9 below 5; MADRS 10 or less where the clinic uses it) at 4 and 8 weeks
  from the first infusion: the visit nearest that day within a week either side counts,
  and a patient with no such visit is "not measured" (outside the rate's denominator);
- adverse events and alarms (medium and high priority, as they started) per infusion;
- dose against tolerability: per dose ordered (mg/kg), the infusions, and how many had a
  blood-pressure alarm, an adverse event or rescue medication, and the mean peak CADSS-6;
- follow-up completion: each follow-up the schedule called for before the next infusion
  (24 hours and 1 week after an induction infusion, monthly in maintenance) and fell due
  by ``now``, and how many of them were recorded in time.

The result names no patient, MRN or date of birth: it is de-identified as it is made.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from statistics import mean
from typing import Any

from ketaconsole.course.follow_ups import DAY, INTERVALS, MAINTENANCE_AFTER_INFUSIONS
from ketaconsole.course.history import SessionLine
from ketaconsole.course.identity import find_patients
from ketaconsole.course.measures import remitted_madrs, remitted_phq9, responded
from ketaconsole.course.summary import CourseSummary, Visit, course_summary
from ketaconsole.security.clinic_settings import madrs_in_use
from ketaconsole.store.database import Database

WEEKS = (4, 8)
"""The weeks from the first infusion at which response and remission are judged."""
WEEK_TOLERANCE_DAYS = 7.0
"""A visit up to a week either side of the day counts for it (ours)."""


@dataclass(frozen=True, slots=True)
class Window:
    """The first infusions the cohort takes, by UTC date (either end open)."""

    start: date | None = None
    end: date | None = None

    def holds(self, at: float) -> bool:
        day = datetime.fromtimestamp(at, UTC).date()
        return (self.start is None or day >= self.start) and \
            (self.end is None or day <= self.end)

    def as_record(self) -> dict[str, str | None]:
        return {"from": self.start.isoformat() if self.start else None,
                "to": self.end.isoformat() if self.end else None}


@dataclass(frozen=True, slots=True)
class WeekOutcome:
    """Response and remission at one week, on one scale."""

    week: int
    patients: int
    measured: int
    responded: int
    remitted: int

    def rate(self, count: int) -> float | None:
        return round(count / self.measured, 4) if self.measured else None

    def as_record(self) -> dict[str, Any]:
        return {"week": self.week, "patients": self.patients, "measured": self.measured,
                "not_measured": self.patients - self.measured,
                "responded": self.responded, "remitted": self.remitted,
                "response_rate": self.rate(self.responded),
                "remission_rate": self.rate(self.remitted)}


@dataclass(frozen=True, slots=True)
class DoseTolerability:
    """The infusions given at one dose and how they were tolerated."""

    mg_per_kg: float
    infusions: int
    bp_alarm: int
    adverse_event: int
    rescue_medication: int
    mean_peak_cadss6: float | None

    def as_record(self) -> dict[str, Any]:
        return {"mg_per_kg": self.mg_per_kg, "infusions": self.infusions,
                "with_bp_alarm": self.bp_alarm, "with_adverse_event": self.adverse_event,
                "with_rescue_medication": self.rescue_medication,
                "mean_peak_cadss6": self.mean_peak_cadss6}


@dataclass(frozen=True, slots=True)
class ClinicOutcomes:
    """The clinic's results for one window, de-identified."""

    window: Window
    patients_treated: int
    infusions: int
    phq9: tuple[WeekOutcome, ...]
    madrs: tuple[WeekOutcome, ...] | None
    """``None`` where the clinic does not use the MADRS."""
    adverse_events: int
    alarms: int
    doses: tuple[DoseTolerability, ...]
    follow_ups_due: int
    follow_ups_done: int
    made_at: float = field(default=0.0)

    def per_infusion(self, count: int) -> float | None:
        return round(count / self.infusions, 4) if self.infusions else None

    @property
    def follow_up_completion(self) -> float | None:
        return round(self.follow_ups_done / self.follow_ups_due, 4) \
            if self.follow_ups_due else None

    def as_record(self) -> dict[str, Any]:
        return {
            "window": self.window.as_record(), "patients_treated": self.patients_treated,
            "infusions": self.infusions,
            "phq9": [w.as_record() for w in self.phq9],
            "madrs": None if self.madrs is None else [w.as_record() for w in self.madrs],
            "adverse_events": self.adverse_events,
            "adverse_events_per_infusion": self.per_infusion(self.adverse_events),
            "alarms": self.alarms, "alarms_per_infusion": self.per_infusion(self.alarms),
            "dose_tolerability": [d.as_record() for d in self.doses],
            "follow_ups": {"due": self.follow_ups_due, "done": self.follow_ups_done,
                           "completion": self.follow_up_completion}}


def _near(visits: Iterable[Visit], day: float, score: str) -> int | None:
    """The score of the visit nearest ``day``, within the tolerance; ``None`` without one."""
    found = [(abs(v.at - day), value) for v in visits
             if (value := getattr(v, score)) is not None
             and abs(v.at - day) <= WEEK_TOLERANCE_DAYS * DAY]
    return min(found)[1] if found else None


def _baseline(summary: CourseSummary, first: float, score: str) -> int | None:
    """The score taken at or before the first infusion (its pre-infusion measure)."""
    return next((value for v in summary.visits
                 if v.at <= first and (value := getattr(v, score)) is not None), None)


def _week_outcomes(courses: list[CourseSummary], score: str) -> tuple[WeekOutcome, ...]:
    remitted = remitted_phq9 if score == "phq9" else remitted_madrs
    outcomes = []
    for week in WEEKS:
        measured = responders = remitters = 0
        for summary in courses:
            first = summary.infusions[0].started_at
            baseline = _baseline(summary, first, score)
            value = _near(summary.visits, first + week * 7 * DAY, score)
            if value is None or baseline is None:
                continue
            measured += 1
            responders += responded(baseline, value)
            remitters += remitted(value)
        outcomes.append(WeekOutcome(week, len(courses), measured, responders, remitters))
    return tuple(outcomes)


def _doses(infusions: list[SessionLine]) -> tuple[DoseTolerability, ...]:
    by_dose: dict[float, list[SessionLine]] = {}
    for line in infusions:
        if line.mg_per_kg is not None:
            by_dose.setdefault(round(line.mg_per_kg, 3), []).append(line)
    rows = []
    for dose in sorted(by_dose):
        lines = by_dose[dose]
        cadss = [line.peak_cadss6 for line in lines if line.peak_cadss6 is not None]
        rows.append(DoseTolerability(
            dose, len(lines), sum(line.bp_alarm for line in lines),
            sum(bool(line.adverse_events) for line in lines),
            sum(bool(line.rescue_medications) for line in lines),
            round(mean(cadss), 2) if cadss else None))
    return tuple(rows)


def _follow_ups(summary: CourseSummary, now: float) -> tuple[int, int]:
    """(due, done): the follow-ups the schedule called for before the next infusion."""
    infusions = summary.infusions
    done_at = [(str(f["interval"]), float(f["at"])) for f in summary.follow_ups]
    due = done = 0
    for number, line in enumerate(infusions):
        ended = line.ended_at if line.ended_at is not None else line.started_at
        following = infusions[number + 1].started_at if number + 1 < len(infusions) \
            else float("inf")
        wanted = ("monthly",) if number >= MAINTENANCE_AFTER_INFUSIONS else ("24h", "1w")
        for interval in wanted:
            if ended + INTERVALS[interval] > min(now, following):
                continue  # not yet due, or the next infusion came first
            due += 1
            done += any(kind == interval and ended <= at < following for kind, at in done_at)
    return due, done


def clinic_outcomes(database: Database, window: Window, now: float) -> ClinicOutcomes:
    """The clinic's outcomes for the courses whose first infusion lies in ``window``."""
    courses = []
    for patient in find_patients(database):
        summary = course_summary(database, patient.patient_id)
        if summary.infusions and window.holds(summary.infusions[0].started_at):
            courses.append(summary)
    infusions = [line for summary in courses for line in summary.infusions]
    follow_ups = [_follow_ups(summary, now) for summary in courses]
    return ClinicOutcomes(
        window, len(courses), len(infusions), _week_outcomes(courses, "phq9"),
        _week_outcomes(courses, "madrs") if madrs_in_use(database) else None,
        sum(len(line.adverse_events) for line in infusions),
        sum(line.alarms for line in infusions), _doses(infusions),
        sum(d for d, _ in follow_ups), sum(d for _, d in follow_ups), made_at=now)


def outcome_lines(outcomes: ClinicOutcomes) -> list[str]:
    """The outcomes as a reader scans them, a line each (the command's and the page's)."""
    def rate(value: float | None) -> str:
        return "-" if value is None else f"{value:.0%}"

    found = [f"patients treated: {outcomes.patients_treated}; infusions: {outcomes.infusions}"]
    for scale, weeks in (("PHQ-9", outcomes.phq9), ("MADRS", outcomes.madrs or ())):
        for week in weeks:
            found.append(f"{scale} week {week.week}: response {rate(week.rate(week.responded))}"
                         f", remission {rate(week.rate(week.remitted))} "
                         f"({week.measured} of {week.patients} measured)")
    found.append(f"adverse events per infusion: "
                 f"{outcomes.per_infusion(outcomes.adverse_events) or 0:.2f}; alarms per "
                 f"infusion: {outcomes.per_infusion(outcomes.alarms) or 0:.2f}")
    for dose in outcomes.doses:
        found.append(f"{dose.mg_per_kg:g} mg/kg: {dose.infusions} infusions, "
                     f"{dose.bp_alarm} with a BP alarm, {dose.adverse_event} with an adverse "
                     f"event, {dose.rescue_medication} with rescue medication")
    found.append(f"follow-ups: {outcomes.follow_ups_done} of {outcomes.follow_ups_due} "
                 f"done ({rate(outcomes.follow_up_completion)})")
    return found
