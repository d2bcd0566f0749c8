"""Follow-ups between infusions: 24 hours and 1 week after an infusion, monthly in maintenance.

A follow-up records a PHQ-9 (item by item), side effects since the last infusion,
urinary symptoms and the bladder score (ketamine's bladder risk; monthly follow-ups ask
the score) and craving / use, tolerance and early or
extra requests (its dependence risk). A question left unanswered is recorded as not
asked (``None``), never as "no". What a follow-up raises (thoughts of self-harm,
blood in urine, use outside the clinic...) is read from these answers by
:mod:`ketaconsole.course.safety_flags`. :func:`due_follow_ups` lists, for the clinic,
every follow-up that is due and not yet done.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import select

from ketaconsole.course.bladder_score import INDEX, MOST, BladderScoreError, bladder_score
from ketaconsole.course.measures import MeasureResult
from ketaconsole.names import Field, text_problem
from ketaconsole.store.database import Database
from ketaconsole.store.models import ClinicSession, FollowUp
from ketaconsole.store.models import Patient as PatientRow
from ketaconsole.store.review import session_states

DAY = 86400.0
INTERVALS = {"24h": 1 * DAY, "1w": 7 * DAY, "monthly": 30 * DAY}
TITLES = {"24h": "24-hour follow-up", "1w": "1-week follow-up", "monthly": "monthly follow-up"}
MAINTENANCE_AFTER_INFUSIONS = 6
"""After the induction series (typically six infusions) follow-ups are monthly."""
URINARY_SYMPTOMS = ("frequency", "urgency", "pain_passing_urine", "blood_in_urine")


class FollowUpError(ValueError):
    """A follow-up that cannot be recorded; the text says what to enter."""


@dataclass(frozen=True, slots=True)
class FollowUpEntry:
    interval: str
    phq9: MeasureResult
    side_effects: str
    urinary: dict[str, bool] | None
    """Each urinary symptom present or not; ``None``: the questions were not asked."""
    craving_0_to_10: int
    used_since_last_infusion: bool | None
    """Ketamine or other drugs used outside the clinic; ``None``: not asked."""
    use_detail: str = ""
    tolerance: bool | None = None
    """The same dose does less than it did (a dependence sign); ``None``: not asked."""
    early_request: bool | None = None
    """Asked for an infusion earlier or an extra one; ``None``: not asked."""
    bladder_score: tuple[int, ...] | None = None
    """The bladder score's four answers (:mod:`ketaconsole.course.bladder_score`);
    ``None``: not asked (monthly follow-ups ask it)."""

    def problems(self) -> dict[str, str]:
        found: dict[str, str] = {}
        if self.interval not in INTERVALS:
            found["interval"] = f"Choose the follow-up: {', '.join(INTERVALS)}."
        if self.phq9.instrument != "PHQ-9":
            found["phq9"] = "A follow-up takes a PHQ-9."
        if not self.side_effects.strip():
            found["side_effects"] = "Enter the side effects since the last infusion (or 'none')."
        if self.urinary is not None and set(self.urinary) != set(URINARY_SYMPTOMS):
            found["urinary"] = ("Answer each urinary question: " +
                                ", ".join(s.replace("_", " ") for s in URINARY_SYMPTOMS) + ".")
        if self.bladder_score is not None:
            try:
                bladder_score(self.bladder_score)
            except BladderScoreError as exc:
                found["bladder_score"] = str(exc)
        if isinstance(self.craving_0_to_10, bool) or not isinstance(self.craving_0_to_10, int) \
                or not 0 <= self.craving_0_to_10 <= 10:
            found["craving"] = "Rate craving for ketamine from 0 (none) to 10."
        if self.used_since_last_infusion and not self.use_detail.strip():
            found["use_detail"] = "Say what was used, when and how much."
        for key, value, text_field in (("side_effects", self.side_effects, Field.SIDE_EFFECTS),
                                       ("use_detail", self.use_detail, Field.USE_DETAIL)):
            problem = text_problem(str(value), text_field, required=False)
            if problem is not None:
                found.setdefault(key, f"{problem[0].upper()}{problem[1:]}.")
        return found

    def as_record(self) -> dict[str, Any]:
        record = asdict(self)
        record["phq9"] = self.phq9.as_record()
        return record


def answered(value: object) -> str:
    """A yes / no question's answer in words: "yes", "no" or "not asked"."""
    return "not asked" if not isinstance(value, bool) else "yes" if value else "no"


def answers_in_words(answers: Mapping[str, Any]) -> str:
    """A stored follow-up's bladder and dependence answers in words ("not asked" where
    a question was not asked), as the course view and the course PDF print them."""
    urinary = answers.get("urinary")
    bladder = "not asked" if not isinstance(urinary, dict) else ", ".join(
        s.replace("_", " ") for s in URINARY_SYMPTOMS if urinary.get(s)) or "none"
    score = answers.get("bladder_score")
    index = f"{bladder_score(score)} of {MOST}" if isinstance(score, list | tuple) \
        else "not asked"
    return (f"urinary symptoms: {bladder}; bladder score ({INDEX}): {index}; "
            f"craving {answers.get('craving_0_to_10')}; "
            f"use outside the clinic: {answered(answers.get('used_since_last_infusion'))}; "
            f"tolerance: {answered(answers.get('tolerance'))}; "
            f"early or extra request: {answered(answers.get('early_request'))}")


def record_follow_up(database: Database, patient_id: int, entry: FollowUpEntry, *,
                     author: str, clock: Callable[[], float] = time.time) -> int:
    """Store a follow-up (the caller checked the permission); returns its number."""
    problems = entry.problems()
    if problems:
        raise FollowUpError(" ".join(problems.values()))
    with database.sessions() as session, session.begin():
        row = FollowUp(patient_id=patient_id, interval=entry.interval, at=clock(),
                       author=author, answers=entry.as_record())
        session.add(row)
        session.flush()
        return row.id


@dataclass(frozen=True, slots=True)
class DueFollowUp:
    patient_id: int
    patient: str
    mrn: str | None
    interval: str
    due_at: float
    flags: list[str] = field(default_factory=list)

    def sentence(self, now: float) -> str:
        days = (now - self.due_at) / DAY
        late = f"overdue by {days:.0f} d" if days >= 1 else "due now"
        return f"{self.patient}: {TITLES[self.interval]} {late}"


def _infusion_ends(database: Database) -> dict[int, list[float]]:
    """Per patient, when each ended session that gave an infusion ended (the fold says
    whether it did: a confirmed plan whose infusion ran)."""
    with database.sessions() as session:
        rows = session.execute(select(ClinicSession.id, ClinicSession.patient_id,
                                      ClinicSession.ended_at)
                               .where(ClinicSession.ended_at.is_not(None))).all()
    states = session_states(database, [row[0] for row in rows])
    ends: dict[int, list[float]] = {}
    for session_id, patient_id, ended_at in rows:
        state = states[session_id]
        if ended_at is not None and state.plan is not None and state.infused:
            ends.setdefault(patient_id, []).append(float(ended_at))
    return {pid: sorted(times) for pid, times in ends.items()}


def follow_ups_of(database: Database, patient_id: int) -> list[FollowUp]:
    with database.sessions() as session:
        rows = list(session.scalars(select(FollowUp).where(FollowUp.patient_id == patient_id)
                                    .order_by(FollowUp.at)))
        for row in rows:
            session.expunge(row)
        return rows


def due_follow_ups(database: Database, now: float) -> list[DueFollowUp]:
    """Follow-ups due by ``now`` and not yet done, earliest first."""
    due: list[DueFollowUp] = []
    with database.sessions() as session:
        people = {p.id: p for p in session.scalars(
            select(PatientRow).where(PatientRow.merged_into.is_(None)))}
        done = session.execute(select(FollowUp.patient_id, FollowUp.interval,
                                      FollowUp.at)).all()
    for patient_id, ends in _infusion_ends(database).items():
        person = people.get(patient_id)
        if person is None:
            continue
        last = ends[-1]
        mine = [(interval, at) for pid, interval, at in done if pid == patient_id]
        wanted: list[tuple[str, float]] = []
        if len(ends) >= MAINTENANCE_AFTER_INFUSIONS:
            latest = max([at for i, at in mine if i == "monthly"] + [last])
            wanted.append(("monthly", latest + INTERVALS["monthly"]))
        else:
            for interval in ("24h", "1w"):
                if not any(i == interval and at >= last for i, at in mine):
                    wanted.append((interval, last + INTERVALS[interval]))
        due += [DueFollowUp(patient_id, person.name, person.external_id, interval, due_at)
                for interval, due_at in wanted if due_at <= now]
    return sorted(due, key=lambda d: d.due_at)
