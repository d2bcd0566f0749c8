"""``ketaconsole sessions``: list the recorded sessions (a table, or JSON lines with --json)."""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from ketaconsole.cli.acting_person import acting_person, add_person_options, audit_as
from ketaconsole.cli.common import print_json_line
from ketaconsole.cli.record_common import add_db_option, open_record
from ketaconsole.export.rems import RemsDue, rems_due
from ketaconsole.names import printable
from ketaconsole.security import Action, AuditLog, Permission
from ketaconsole.store.review import SessionSummary, list_sessions


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "sessions", help="list the recorded sessions",
        description="List the sessions in the record: number, patient, times, phase, events. "
                    "The listing is on the audit trail, under the person it was shown to.")
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    parser.add_argument("--rems-due", action="store_true",
                        help="only the esketamine sessions whose REMS monitoring form has "
                             "not been exported ('export SESSION --format rems'), each with "
                             "the day it is due (7 days after the session)")
    add_person_options(parser)
    add_db_option(parser)
    parser.set_defaults(handler=run)


def _listed(args: argparse.Namespace) -> list[SessionSummary] | list[RemsDue]:
    database = open_record(args)
    try:
        audit = AuditLog(database)
        target = "REMS forms due" if args.rems_due else "all sessions"
        person = acting_person(database, audit, args, Permission.OPEN_RECORD, target)
        listed = rems_due(database) if args.rems_due else list_sessions(database)
        audit_as(audit, person, Action.RECORDS_LISTED, target=target,
                 detail={"sessions": len(listed)})
        return listed
    finally:
        database.dispose()


def _print_rems_due(due: list[RemsDue], as_json: bool, now: float) -> int:
    if as_json:
        for item in due:
            print_json_line(item.as_record(now))
        return 0
    if not due:
        print("no esketamine session is waiting for its REMS form")
        return 0
    print(f"{'session':>7}  {'started':<24}  {'form due by':<24}  {'':<7}  patient")
    for item in due:
        record = item.as_record(now)
        late = "OVERDUE" if item.overdue(now) else ""
        print(f"{item.session_id:>7}  {record['started']:<24}  {record['due_by']:<24}  "
              f"{late:<7}  {printable(item.patient)}")
    return 0


def run(args: argparse.Namespace, now: Callable[[], float] = time.time) -> int:
    listed = _listed(args)
    if args.rems_due:
        return _print_rems_due([d for d in listed if isinstance(d, RemsDue)], args.json,
                               now())
    summaries = [s for s in listed if isinstance(s, SessionSummary)]
    if args.json:
        for summary in summaries:
            print_json_line(summary.as_record())
        return 0
    if not summaries:
        print("no sessions recorded yet")
        return 0
    print(f"{'session':>7}  {'started':<24}  {'ended':<24}  {'events':>6}  "
          f"{'phase':<16}  patient")
    for summary in summaries:
        record = summary.as_record()
        ended = record["ended"] or "(open)"
        print(f"{summary.id:>7}  {record['started']:<24}  {ended:<24}  "
              f"{summary.events:>6}  {summary.phase:<16}  {printable(summary.patient)}")
    return 0
