"""What the plan page shows: the previous infusions and the titration rule's proposal."""

from __future__ import annotations

from dataclasses import dataclass

from ketaconsole.course.eligibility import Assessment
from ketaconsole.course.history import SessionLine, course_history, past_infusions
from ketaconsole.course.measures import MeasureResult
from ketaconsole.course.summary import CourseSummary, course_summary
from ketaconsole.course.titration import DoseProposal, TitrationRule, load_rule, propose
from ketaconsole.security.clinic_settings import REVIEW_AFTER_SETTING, setting_value
from ketaconsole.store.database import Database


@dataclass(frozen=True, slots=True)
class PlanAdvice:
    previous: list[SessionLine]
    proposal: DoseProposal
    course: CourseSummary
    """The whole course, for the course view the nurse opens from the plan page."""
    not_tolerated: list[list[str]]
    """Per previous infusion, why the rule judged it not tolerated (empty: tolerated)."""


def plan_advice(database: Database, course: Assessment, session_id: int,
                measures: list[MeasureResult], rule: TitrationRule | None = None) -> PlanAdvice:
    """The previous sessions of this course and the proposed dose for this one."""
    lines = [line for line in course_history(database, course.patient_id)
             if line.session_id != session_id and line.infused]
    phq9 = next((m.total for m in reversed(measures) if m.instrument == "PHQ-9"), None)
    if phq9 is None:  # not answered yet today: the course's latest
        phq9 = next((line.measures["PHQ-9"] for line in reversed(lines)
                     if "PHQ-9" in line.measures), None)
    rule = rule or load_rule()
    history = past_infusions(lines)
    proposal = propose(rule, history, phq9,
                       (course.dose_min_mg_per_kg, course.dose_max_mg_per_kg),
                       review_after=setting_value(database, REVIEW_AFTER_SETTING))
    return PlanAdvice(lines, proposal, course_summary(database, course.patient_id),
                      [infusion.not_tolerated(rule) for infusion in history])
