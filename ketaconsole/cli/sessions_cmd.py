"""``ketaconsole sessions``: list the recorded sessions (a table, or JSON lines with --json)."""

from __future__ import annotations

import argparse

from ketaconsole.cli.common import print_json_line
from ketaconsole.cli.record_common import add_db_option, open_record
from ketaconsole.store.review import list_sessions


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "sessions", help="list the recorded sessions",
        description="List the sessions in the record: number, patient, times, phase, events.")
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    add_db_option(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    database = open_record(args)
    try:
        summaries = list_sessions(database)
    finally:
        database.dispose()
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
              f"{summary.events:>6}  {summary.phase:<16}  {summary.patient}")
    return 0
