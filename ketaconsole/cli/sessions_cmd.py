"""``ketaconsole sessions``: list the recorded sessions (a table, or JSON lines with --json)."""

from __future__ import annotations

import argparse

from ketaconsole.cli.acting_person import acting_person, add_person_options, audit_as
from ketaconsole.cli.common import print_json_line
from ketaconsole.cli.record_common import add_db_option, open_record
from ketaconsole.names import printable
from ketaconsole.security import Action, AuditLog, Permission
from ketaconsole.store.review import SessionSummary, list_sessions


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "sessions", help="list the recorded sessions",
        description="List the sessions in the record: number, patient, times, phase, events. "
                    "The listing is on the audit trail, under the person it was shown to.")
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    add_person_options(parser)
    add_db_option(parser)
    parser.set_defaults(handler=run)


def _listed(args: argparse.Namespace) -> list[SessionSummary]:
    database = open_record(args)
    try:
        audit = AuditLog(database)
        person = acting_person(database, audit, args, Permission.OPEN_RECORD, "all sessions")
        summaries = list_sessions(database)
        audit_as(audit, person, Action.RECORDS_LISTED, target="all sessions",
                 detail={"sessions": len(summaries)})
        return summaries
    finally:
        database.dispose()


def run(args: argparse.Namespace) -> int:
    summaries = _listed(args)
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
