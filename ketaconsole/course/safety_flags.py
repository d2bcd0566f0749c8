"""A patient's safety flags: signals between infusions that hold the next one until a
prescriber acknowledges them.

A flag is never stored: it is read, by the one fold :func:`fold_flags`, from the facts
that raise it, the follow-ups (``follow_ups``) and the measures answered in sessions
(``measure`` events): PHQ-9 item 9 above 0, MADRS item 10 (suicidal thoughts) 4 or
more, blood in urine, urinary pain not reported at the follow-up before, ketamine or
other drugs used outside the clinic, craving above the clinic's threshold (the
``craving-flag-above`` setting, default 5), a bladder score at the clinic's referral score
(``bladder-score-refer-at``, default 8: urinalysis and urology referral). Only its
acknowledgement is stored (``safety_flag_acknowledgements``): the prescriber, when, and a
note saying what was done.

An open flag holds the patient's next check-in and ``record`` (:func:`hold_for_flags`,
called by the one lookup both make) with one sentence naming it and saying who clears
it and how. A flag raised in a session still open does not hold that session (its own
clinical flag does, :mod:`ketaconsole.session.workflow`); it holds the next one. A
PHQ-9 item 9 answered in a session is also that session's clinical flag, acknowledged at
the bedside before dosing by the clinician there; that lets this infusion go on, and the
next one is held until a prescriber has acknowledged the flag here.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from ketaconsole.course.bladder_score import bladder_score, referral_advice
from ketaconsole.course.eligibility import NotCleared
from ketaconsole.course.follow_ups import TITLES, follow_ups_of
from ketaconsole.course.history import SessionLine, course_history
from ketaconsole.names import Field, text_problem
from ketaconsole.security.clinic_settings import (
    BLADDER_REFER_AT_SETTING,
    CRAVING_FLAG_SETTING,
    setting_value,
)
from ketaconsole.store.database import Database
from ketaconsole.store.models import ClinicSession, FollowUp, SafetyFlagAcknowledgement

MADRS_SUICIDAL_THOUGHTS_FLAG_AT = 4
"""MADRS item 10 at 4 ("explicit suicidal thoughts are common") or more raises a flag."""

KINDS: dict[str, str] = {
    "phq9-item9": "thoughts of self-harm (PHQ-9 item 9)",
    "madrs-item10": "suicidal thoughts (MADRS item 10)",
    "blood-in-urine": "blood in urine",
    "urinary-pain": "new pain passing urine",
    "use-outside-clinic": "ketamine or other drugs used outside the clinic",
    "craving": "craving for ketamine above the clinic's threshold",
    "bladder-score": "bladder score (ICSI)",
}
"""Each kind of flag and what it means, in the clinic's words."""


class SafetyFlagError(ValueError):
    """A flag that cannot be acknowledged; the text says what to do."""


class SafetyFlagHeld(NotCleared):
    """An open safety flag holds the check-in; the text names it and how to clear it."""


@dataclass(frozen=True, slots=True)
class Acknowledgement:
    prescriber: str
    at: float
    note: str


@dataclass(frozen=True, slots=True)
class SafetyFlag:
    """One signal that holds the next infusion until a prescriber acknowledges it."""

    flag_id: str
    """``FU<follow-up>-<kind>`` or ``S<session>-<kind>``, what ``--acknowledge`` takes."""
    patient_id: int
    kind: str
    detail: str
    """What was answered ("answered 2", "craving 7 of 10", the use as described)."""
    source: str
    """Where it was raised ("1-week follow-up", "session 12")."""
    raised_at: float
    acknowledgement: Acknowledgement | None = None

    @property
    def open(self) -> bool:
        return self.acknowledgement is None

    @property
    def what(self) -> str:
        """The flag in words: its kind and what was answered."""
        return f"{KINDS[self.kind]}, {self.detail}"

    def when(self) -> str:
        return datetime.fromtimestamp(self.raised_at, UTC).strftime("%Y-%m-%d %H:%M UTC")

    def sentence(self) -> str:
        """The flag in one line: what, where, when, and its acknowledgement if any."""
        said = f"{self.flag_id}: {self.what} ({self.source}, {self.when()})"
        ack = self.acknowledgement
        if ack is None:
            return f"{said}, open"
        at = datetime.fromtimestamp(ack.at, UTC).strftime("%Y-%m-%d %H:%M UTC")
        return f"{said}, acknowledged by {ack.prescriber} on {at}: {ack.note}"

    def as_record(self) -> dict[str, Any]:
        ack = self.acknowledgement
        return {"flag": self.flag_id, "kind": self.kind, "meaning": KINDS[self.kind],
                "detail": self.detail, "source": self.source,
                "raised": _iso(self.raised_at), "status": "open" if ack is None
                else "acknowledged",
                "acknowledged_by": ack.prescriber if ack else None,
                "acknowledged_at": _iso(ack.at) if ack else None,
                "note": ack.note if ack else None}


def _iso(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).isoformat().replace("+00:00", "Z")


def _items(record: dict[str, Any]) -> list[int]:
    return [int(v) for v in record.get("items", ())]


def _measure_flags(record: dict[str, Any]) -> list[tuple[str, str]]:
    """The (kind, detail) flags one measure raises: PHQ-9 item 9, MADRS item 10."""
    items = _items(record)
    instrument = record.get("instrument")
    if instrument == "PHQ-9" and len(items) == 9 and items[8] > 0:
        return [("phq9-item9", f"answered {items[8]}")]
    if instrument == "MADRS" and len(items) == 10 \
            and items[9] >= MADRS_SUICIDAL_THOUGHTS_FLAG_AT:
        return [("madrs-item10", f"rated {items[9]}")]
    return []


def _follow_up_flags(answers: dict[str, Any], pain_before: bool | None,
                     craving_above: int, refer_at: int) -> list[tuple[str, str]]:
    """The (kind, detail) flags one follow-up's answers raise. ``pain_before``: whether the
    last follow-up that asked reported pain passing urine (``None``: none asked)."""
    found = _measure_flags(answers.get("phq9") or {})
    urinary = answers.get("urinary")
    if isinstance(urinary, dict):
        if urinary.get("blood_in_urine"):
            found.append(("blood-in-urine", "reported"))
        if urinary.get("pain_passing_urine") and not pain_before:
            found.append(("urinary-pain", "reported, not at the follow-up before"))
    if answers.get("used_since_last_infusion"):
        found.append(("use-outside-clinic", str(answers.get("use_detail") or "reported")))
    craving = answers.get("craving_0_to_10")
    if isinstance(craving, int) and craving > craving_above:
        found.append(("craving", f"{craving} of 10, above {craving_above}"))
    score = answers.get("bladder_score")
    advice = referral_advice(bladder_score(score), refer_at) \
        if isinstance(score, list | tuple) else None
    if advice is not None:
        found.append(("bladder-score", advice))
    return found


@dataclass(frozen=True, slots=True)
class FollowUpFacts:
    """What the fold reads of one stored follow-up."""

    follow_up_id: int
    interval: str
    at: float
    answers: dict[str, Any]

    @classmethod
    def of(cls, row: FollowUp) -> FollowUpFacts:
        return cls(row.id, row.interval, row.at, dict(row.answers))


def fold_flags(patient_id: int, follow_ups: Iterable[FollowUpFacts],
               sessions: Iterable[SessionLine],
               acknowledgements: dict[str, Acknowledgement], *,
               craving_above: int, refer_at: int) -> list[SafetyFlag]:
    """Every safety flag of a patient, oldest first: the one reading of the facts."""
    acknowledgements = dict(acknowledgements)
    raw: list[tuple[str, str, str, str, float]] = []
    pain_before: bool | None = None
    for entry in sorted(follow_ups, key=lambda f: (f.at, f.follow_up_id)):
        source = TITLES.get(entry.interval, entry.interval)
        for kind, detail in _follow_up_flags(entry.answers, pain_before, craving_above,
                                             refer_at):
            raw.append((f"FU{entry.follow_up_id}-{kind}", kind, detail, source, entry.at))
        urinary = entry.answers.get("urinary")
        if isinstance(urinary, dict):
            pain_before = bool(urinary.get("pain_passing_urine"))
    for line in sessions:
        seen: set[str] = set()
        for record in line.measure_records:
            for kind, detail in _measure_flags(record):
                if kind not in seen:
                    seen.add(kind)
                    at = float(record.get("at") or line.started_at)
                    flag_id = f"S{line.session_id}-{kind}"
                    raw.append((flag_id, kind, detail, f"session {line.session_id}", at))
    raw.sort(key=lambda r: r[4])
    return [SafetyFlag(flag_id, patient_id, kind, detail, source, at,
                       acknowledgements.get(flag_id))
            for flag_id, kind, detail, source, at in raw]


def acknowledgements_of(database: Database, patient_id: int) -> dict[str, Acknowledgement]:
    with database.sessions() as session:
        rows = session.scalars(select(SafetyFlagAcknowledgement).where(
            SafetyFlagAcknowledgement.patient_id == patient_id)).all()
        return {row.flag: Acknowledgement(row.prescriber, row.at, row.note) for row in rows}


def patient_flags(database: Database, patient_id: int, *,
                  sessions: Sequence[SessionLine] | None = None,
                  follow_ups: Sequence[FollowUp] | None = None) -> list[SafetyFlag]:
    """The patient's safety flags, read from the record (the lines and follow-ups a
    caller already read may be passed in, so they are not read twice)."""
    lines = course_history(database, patient_id) if sessions is None else sessions
    rows = follow_ups_of(database, patient_id) if follow_ups is None else follow_ups
    return fold_flags(patient_id, [FollowUpFacts.of(r) for r in rows], lines,
                      acknowledgements_of(database, patient_id),
                      craving_above=setting_value(database, CRAVING_FLAG_SETTING),
                      refer_at=setting_value(database, BLADDER_REFER_AT_SETTING))


def holding_flags(database: Database, patient_id: int, *,
                  sessions: Sequence[SessionLine] | None = None,
                  flags: Sequence[SafetyFlag] | None = None) -> list[SafetyFlag]:
    """The open flags that hold the patient's next session: every open flag except those
    raised in a session still open (which its own clinical flag holds). The course's
    lines and flags a caller already read may be passed in."""
    lines = course_history(database, patient_id) if sessions is None else sessions
    found = patient_flags(database, patient_id, sessions=lines) if flags is None else flags
    running = tuple(f"S{line.session_id}-" for line in lines if not line.ended)
    return [flag for flag in found if flag.open and not flag.flag_id.startswith(running)]


def held_sentence(name: str, flags: Sequence[SafetyFlag]) -> str:
    """The one sentence a held check-in or ``record`` says."""
    first = flags[0]
    named = f"an open safety flag {first.flag_id} ({first.what}, {first.source} on " \
            f"{first.when()})"
    if len(flags) > 1:
        others = ", ".join(f.flag_id for f in flags[1:])
        named = f"{len(flags)} open safety flags, {first.flag_id} ({first.what}, " \
                f"{first.source} on {first.when()}) and {others}"
    which = "it" if len(flags) == 1 else "each"
    return (f"{name} has {named}; a prescriber must acknowledge {which} with a note before the "
            f"next infusion (ketaconsole follow-up --acknowledge {first.flag_id} --note TEXT "
            "--as PRESCRIBER, or Acknowledge in the course view).")


def hold_for_flags(database: Database, patient_id: int, name: str, *,
                   sessions: Sequence[SessionLine] | None = None,
                   flags: Sequence[SafetyFlag] | None = None) -> None:
    """Raise :class:`SafetyFlagHeld` when an open safety flag holds the next session."""
    held = holding_flags(database, patient_id, sessions=sessions, flags=flags)
    if held:
        raise SafetyFlagHeld(held_sentence(name, held))


def _no_such_flag(flag_id: str) -> SafetyFlagError:
    return SafetyFlagError(f"There is no safety flag {flag_id!r}; 'ketaconsole follow-up "
                           "--flags' lists them.")


def _patient_of(database: Database, flag_id: str) -> int:
    """The patient whose follow-up or session raised ``flag_id``."""
    head, _, kind = flag_id.partition("-")
    number = head[2:] if head.startswith("FU") else head[1:] if head.startswith("S") else ""
    unknown = _no_such_flag(flag_id)
    if not number.isdigit() or kind not in KINDS:
        raise unknown
    with database.sessions() as session:
        if head.startswith("FU"):
            patient_id = session.scalar(select(FollowUp.patient_id)
                                        .where(FollowUp.id == int(number)))
        else:
            patient_id = session.scalar(select(ClinicSession.patient_id)
                                        .where(ClinicSession.id == int(number)))
    if patient_id is None:
        raise unknown
    return int(patient_id)


def acknowledge_flag(database: Database, flag_id: str, *, prescriber: str, note: str,
                     clock: Callable[[], float] = time.time) -> SafetyFlag:
    """Store a prescriber's acknowledgement of an open flag (the caller checked the
    permission); returns the flag as now acknowledged."""
    flag_id = flag_id.strip()
    problem = text_problem(note, Field.NOTE, required=True)
    if problem is not None:
        raise SafetyFlagError(f"Say with --note what was done about the flag: "
                              f"{problem}.")
    patient_id = _patient_of(database, flag_id)
    flag = next((f for f in patient_flags(database, patient_id) if f.flag_id == flag_id),
                None)
    if flag is None:
        raise _no_such_flag(flag_id)
    if flag.acknowledgement is not None:
        raise SafetyFlagError(f"{flag_id} was already acknowledged by "
                              f"{flag.acknowledgement.prescriber}.")
    at = clock()
    with database.sessions() as session, session.begin():
        session.add(SafetyFlagAcknowledgement(patient_id=patient_id, flag=flag_id, at=at,
                                              prescriber=prescriber, note=note.strip()))
    return SafetyFlag(flag.flag_id, flag.patient_id, flag.kind, flag.detail, flag.source,
                      flag.raised_at, Acknowledgement(prescriber, at, note.strip()))


def clinic_flags(database: Database, patient_ids: Iterable[int]) -> list[SafetyFlag]:
    """The flags of the given patients, oldest first."""
    found: list[SafetyFlag] = []
    for patient_id in patient_ids:
        found += patient_flags(database, patient_id)
    return sorted(found, key=lambda f: f.raised_at)
