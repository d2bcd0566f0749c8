"""``ketaconsole audit``: list the audit trail, check its hash chain, review emergency access."""

from __future__ import annotations

import argparse

from ketaconsole.cli.acting_person import acting_person, audit_as
from ketaconsole.cli.common import CliError, number_option, print_json_line, text_option
from ketaconsole.cli.record_common import add_db_option, open_record
from ketaconsole.cli.security_common import PinReader, add_login_options, log_in, parse_time
from ketaconsole.names import Field
from ketaconsole.numbers import NumberRange
from ketaconsole.security import (
    Action,
    AuditLog,
    AuditRecord,
    Guard,
    NotAllowed,
    Permission,
    pending_break_glass_reviews,
    review_break_glass,
)
from ketaconsole.security.audit import describe_break
from ketaconsole.store import Database

AUDIT_ENTRY = NumberRange("--review", 1, 2**63 - 1, integer=True)


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "audit", help="list or verify the audit trail",
        description="List the audit trail (log-ins, locks, records opened, exports, device, "
                    "profile, user and plugin changes, emergency access), check its hash "
                    "chain, or review emergency accesses.")
    parser.add_argument("--since", metavar="ISO-TIME", help="only entries from this time on")
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    what = parser.add_mutually_exclusive_group()
    what.add_argument("--verify", action="store_true",
                      help="check the hash chain; exit 1 naming the first altered entry")
    what.add_argument("--break-glass", action="store_true",
                      help="list emergency accesses no admin has reviewed yet")
    what.add_argument("--review", type=number_option(AUDIT_ENTRY), metavar="ENTRY",
                      help="mark emergency access ENTRY reviewed (needs --as ADMIN)")
    parser.add_argument("--note", default="",
                        type=text_option(Field.NOTE, "--note", required=False),
                        help="the review's note (with --review)")
    add_login_options(parser)
    add_db_option(parser)
    parser.set_defaults(handler=run)


def _print(entries: list[AuditRecord], as_json: bool, empty: str) -> None:
    if as_json:
        for entry in entries:
            print_json_line(entry.as_record())
        return
    if not entries:
        print(empty)
        return
    for entry in entries:
        record = entry.as_record()
        detail = ", ".join(f"{k}={v}" for k, v in entry.detail.items())
        print(f"{entry.seq:>6}  {record['time']:<24}  {entry.action:<26}  {entry.actor:<16}  "
              f"{entry.target or '':<20}  {detail}".rstrip())


def run(args: argparse.Namespace) -> int:
    database = open_record(args)
    try:
        return _run(database, args)
    finally:
        database.dispose()


def _run(database: Database, args: argparse.Namespace) -> int:
    audit = AuditLog(database)
    if args.verify:
        person = acting_person(database, audit, args, Permission.REVIEW_AUDIT, "audit trail")
        problem = audit.verify()
        count = len(audit.entries())
        audit_as(audit, person, Action.AUDIT_VERIFIED, target="audit trail",
                 detail={"intact": problem is None, "entries": count})
        if problem is not None:
            raise CliError(describe_break(problem) + "; keep this database as evidence and "
                           "tell the clinic's admin")
        print(f"audit trail intact: {count} entr{'y' if count == 1 else 'ies'}")
        return 0
    if args.review is not None:
        admin = log_in(database, audit, args, PinReader(args.pin_stdin))
        try:
            review_break_glass(Guard(audit), admin, int(args.review), args.note)
        except (NotAllowed, ValueError) as exc:
            raise CliError(str(exc)) from None
        print(f"emergency access {args.review} reviewed")
        return 0
    since = parse_time(args.since) if args.since is not None else None
    person = acting_person(database, audit, args, Permission.REVIEW_AUDIT, "audit trail")
    if args.break_glass:
        entries = [e for e in pending_break_glass_reviews(audit)
                   if since is None or e.at >= since]
        empty = "no emergency access waiting for review"
    else:
        entries = audit.entries(since=since)
        empty = "the audit trail is empty"
    audit_as(audit, person, Action.AUDIT_REVIEWED, target="audit trail",
             detail={"since": args.since, "entries": len(entries),
                     "emergency_access_only": args.break_glass})
    _print(entries, args.json, empty)
    return 0
