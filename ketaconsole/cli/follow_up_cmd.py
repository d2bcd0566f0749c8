"""``ketaconsole follow-up``: record a follow-up between infusions, or list those due.

``ketaconsole follow-up PATIENT --as USER --interval 1w --phq9 1,1,0,... --side-effects
TEXT --craving N [--urinary frequency,urgency|none] [--bladder-score A,B,C,D] [--used
DETAIL|none] [--tolerance yes|no] [--early-request yes|no]`` records one (a nurse or
prescriber, PIN asked; audited), through the same guarded door as the course view's
form; a question left out is recorded as not asked. ``ketaconsole follow-up --due
[--json]`` lists the clinic's follow-ups due now, ``--flags [--json]`` the open safety
flags (with ``--json`` the acknowledged ones too), and ``--acknowledge FLAG --note TEXT
--as PRESCRIBER`` records a prescriber's acknowledgement of one.
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime

from ketaconsole.cli.acting_person import acting_person, add_person_options, audit_as
from ketaconsole.cli.common import print_json_line
from ketaconsole.cli.course_cmd import find_one
from ketaconsole.cli.errors import CliError
from ketaconsole.cli.record_common import add_db_option, open_record
from ketaconsole.course.bladder_score import INDEX, INDEX_NAME, QUESTIONS
from ketaconsole.course.desk import CourseDesk
from ketaconsole.course.follow_ups import (
    INTERVALS,
    TITLES,
    URINARY_SYMPTOMS,
    FollowUpEntry,
    FollowUpError,
    due_follow_ups,
)
from ketaconsole.course.identity import find_patients
from ketaconsole.course.measures import MeasureError, score
from ketaconsole.course.safety_flags import (
    SafetyFlag,
    SafetyFlagError,
    clinic_flags,
    holding_flags,
)
from ketaconsole.security import Action, AuditLog, Guard, Permission


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "follow-up", help="record a follow-up between infusions, or list those due",
        description="Record a patient's follow-up (24 h, 1 week, or monthly in maintenance): "
                    "PHQ-9 item by item, side effects since the last infusion, urinary "
                    "symptoms, craving and use. Signed by a nurse or prescriber (--as USER). "
                    "A question left out is recorded as not asked. With --due, list the "
                    "clinic's follow-ups due now; with --flags, the open safety flags; "
                    "--acknowledge FLAG --note TEXT --as PRESCRIBER clears one. PATIENT is "
                    "the patient's number, MRN or name.")
    parser.add_argument("patient", metavar="PATIENT", nargs="?")
    parser.add_argument("--due", action="store_true", help="list the follow-ups due now")
    parser.add_argument("--flags", action="store_true",
                        help="list the open safety flags (with --json, acknowledged ones too)")
    parser.add_argument("--acknowledge", metavar="FLAG",
                        help="a prescriber acknowledges this safety flag (with --note and --as)")
    parser.add_argument("--note", metavar="TEXT",
                        help="with --acknowledge: what was done about the flag")
    parser.add_argument("--json", action="store_true", help="with --due or --flags: one JSON "
                                                            "object per line")
    parser.add_argument("--interval", choices=list(INTERVALS),
                        help="which follow-up: 24h, 1w or monthly")
    parser.add_argument("--phq9", metavar="A,B,...",
                        help="the nine PHQ-9 answers, 0 to 3 each, comma-separated")
    parser.add_argument("--side-effects", default="", metavar="TEXT",
                        help="side effects since the last infusion (or 'none')")
    parser.add_argument("--urinary", metavar="SYMPTOM,...|none",
                        help=f"urinary symptoms present ({', '.join(URINARY_SYMPTOMS)}), or "
                             "none; left out: recorded as not asked")
    parser.add_argument("--bladder-score", metavar="A,B,C,D",
                        help=f"the bladder score's four answers ({INDEX_NAME}: urgency, "
                             "frequency and night-time 0-5, bladder pain 0 or 2-5); monthly "
                             "follow-ups ask it; left out: recorded as not asked")
    parser.add_argument("--craving", type=int, metavar="N",
                        help="craving for ketamine, 0 (none) to 10")
    parser.add_argument("--used", metavar="DETAIL|none",
                        help="ketamine or other drugs used outside the clinic: what, when, "
                             "how much, or none; left out: recorded as not asked")
    parser.add_argument("--tolerance", choices=("yes", "no"),
                        help="whether the same dose now does less than it did (left out: "
                             "not asked)")
    parser.add_argument("--early-request", choices=("yes", "no"),
                        help="whether the patient asked for an infusion earlier or an extra "
                             "one (left out: not asked)")
    add_person_options(parser)
    add_db_option(parser)
    parser.set_defaults(handler=run)


def _answers(text: str | None) -> list[int | None]:
    if not text:
        raise CliError("give the nine PHQ-9 answers with --phq9, e.g. 1,1,0,2,1,0,1,0,0")
    answers: list[int | None] = []
    for word in text.split(","):
        word = word.strip()
        answers.append(int(word) if word.isdigit() else None)
    return answers


def _urinary(text: str | None) -> dict[str, bool] | None:
    """The urinary answers: ``None`` when not asked, every symptom ``False`` for "none"."""
    if text is None:
        return None
    present = {s.strip().replace(" ", "_").replace("-", "_") for s in text.split(",")
               if s.strip()} - {"none"}
    unknown = sorted(present - set(URINARY_SYMPTOMS))
    if unknown:
        raise CliError(f"--urinary knows {', '.join(URINARY_SYMPTOMS)} or none, not "
                       f"{unknown[0]!r}")
    return {s: s in present for s in URINARY_SYMPTOMS}


def _bladder(text: str | None) -> tuple[int, ...] | None:
    """The bladder score's answers as given (checked with the entry), ``None``: not asked."""
    if text is None:
        return None
    words = [w.strip() for w in text.split(",")]
    if not all(w.isdigit() for w in words):
        raise CliError(f"give the bladder score's {len(QUESTIONS)} answers as numbers, e.g. "
                       "--bladder-score 1,2,1,0")
    return tuple(int(w) for w in words)


def _yes_no(text: str | None) -> bool | None:
    return None if text is None else text == "yes"


def _entry(args: argparse.Namespace) -> FollowUpEntry:
    if args.interval is None:
        raise CliError("say which follow-up it is: --interval 24h, 1w or monthly")
    try:
        phq9 = score("PHQ-9", _answers(args.phq9))
    except MeasureError as exc:
        raise CliError(str(exc)) from None
    if args.craving is None:
        raise CliError("rate craving for ketamine with --craving 0 (none) to 10")
    used = None if args.used is None else args.used.strip().lower() != "none"
    entry = FollowUpEntry(args.interval, phq9, args.side_effects, _urinary(args.urinary),
                          args.craving, used, args.used if used else "",
                          _yes_no(args.tolerance), _yes_no(args.early_request),
                          _bladder(args.bladder_score))
    problems = entry.problems()
    if problems:
        raise CliError(" ".join(problems.values()))
    return entry


def _due(args: argparse.Namespace) -> int:
    database = open_record(args)
    now = time.time()
    try:
        audit = AuditLog(database)
        person = acting_person(database, audit, args, Permission.OPEN_RECORD,
                               "follow-ups due")
        due = due_follow_ups(database, now)
        held = {pid: [f.flag_id for f in holding_flags(database, pid)]
                for pid in {d.patient_id for d in due}}
        audit_as(audit, person, Action.RECORDS_LISTED, target="follow-ups due",
                 detail={"patients": len({d.patient_id for d in due})})
    finally:
        database.dispose()
    for item in due:
        if args.json:
            print_json_line({"patient": item.patient_id, "name": item.patient, "mrn": item.mrn,
                             "follow_up": item.interval,
                             "due": datetime.fromtimestamp(item.due_at, UTC).isoformat()
                             .replace("+00:00", "Z"),
                             "open_safety_flags": held[item.patient_id]})
        else:
            flags = held[item.patient_id]
            print(f"{item.patient_id:>7}  {item.sentence(now)}"
                  + (f"; open safety flags: {', '.join(flags)}" if flags else ""))
    if not due and not args.json:
        print("no follow-up is due")
    return 0


def _flags(args: argparse.Namespace) -> int:
    database = open_record(args)
    try:
        audit = AuditLog(database)
        person = acting_person(database, audit, args, Permission.OPEN_RECORD, "safety flags")
        people = {p.patient_id: p for p in find_patients(database)}
        flags = [f for f in clinic_flags(database, people) if args.json or f.open]
        audit_as(audit, person, Action.RECORDS_LISTED, target="safety flags",
                 detail={"patients": len({f.patient_id for f in flags})})
    finally:
        database.dispose()
    for flag in flags:
        patient = people[flag.patient_id]
        if args.json:
            print_json_line({"patient": patient.patient_id, "name": patient.name,
                             "mrn": patient.mrn, **flag.as_record()})
        else:
            print(f"{patient.patient_id:>7}  {patient.name}: {flag.sentence()}")
    if not flags and not args.json:
        print("no safety flag is open")
    return 0


def _acknowledge(args: argparse.Namespace) -> int:
    if not args.login:
        raise CliError("a safety flag is acknowledged by a prescriber: give --as PRESCRIBER")
    if not (args.note or "").strip():
        raise CliError("say what was done about the flag with --note TEXT")
    database = open_record(args)
    try:
        audit = AuditLog(database)
        person = acting_person(database, audit, args, Permission.ACKNOWLEDGE_SAFETY_FLAG,
                               f"safety flag {args.acknowledge}")
        desk = CourseDesk(database, Guard(audit), lambda: person.user)
        try:
            flag: SafetyFlag = desk.acknowledge_safety_flag(args.acknowledge, args.note,
                                                            via="command line")
        except SafetyFlagError as exc:
            raise CliError(str(exc)) from None
    finally:
        database.dispose()
    print(f"acknowledged {flag.sentence()}")
    return 0


def run(args: argparse.Namespace) -> int:
    if args.due:
        return _due(args)
    if args.flags:
        return _flags(args)
    if args.acknowledge:
        return _acknowledge(args)
    if not args.patient:
        raise CliError("name the patient (number, MRN or name), or list those due with --due", 2)
    if not args.login:
        raise CliError("a follow-up is signed by a nurse or prescriber: give --as USER")
    entry = _entry(args)
    database = open_record(args)
    try:
        audit = AuditLog(database)
        patient = find_one(database, args.patient)
        person = acting_person(database, audit, args, Permission.RECORD_CLINICAL_ENTRY,
                               f"patient {patient.patient_id}")
        desk = CourseDesk(database, Guard(audit), lambda: person.user)
        try:
            number = desk.record_follow_up(patient.patient_id, entry)
        except FollowUpError as exc:
            raise CliError(str(exc)) from None
        raised = [f for f in clinic_flags(database, [patient.patient_id])
                  if f.flag_id.startswith(f"FU{number}-")]
    finally:
        database.dispose()
    print(f"follow-up {number}: {patient.name}, {TITLES[entry.interval]}, PHQ-9 "
          f"{entry.phq9.total} ({entry.phq9.band})")
    if entry.interval == "monthly" and entry.bladder_score is None:
        print(f"the bladder score ({INDEX}) was not asked: monthly follow-ups ask it "
              "(--bladder-score)")
    for flag in raised:
        print(f"safety flag {flag.sentence()}: holds the next infusion until a prescriber "
              "acknowledges it")
    return 0
