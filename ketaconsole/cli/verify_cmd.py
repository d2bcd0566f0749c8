"""``ketaconsole verify SESSION``: recompute a session's hash chain and say whether it holds.

``--export FILE`` also checks an exported file's integrity stamp against the database,
and ``--head HASH`` a chain-head hash as printed on a paper record.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ketaconsole.cli.acting_person import acting_person, add_person_options, audit_as
from ketaconsole.cli.common import CliError
from ketaconsole.cli.record_common import add_db_option, open_record, session_number
from ketaconsole.export.integrity import check_export_file, check_head
from ketaconsole.export.summary import describe_event
from ketaconsole.security import Action, AuditLog, Permission
from ketaconsole.store import Database, UnknownSessionError
from ketaconsole.store.review import timeline, unrecorded_losses, verify


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "verify", help="check that a session's record was not altered",
        description="Recompute the hash chain of a session's timeline, every seal of its "
                    "measurements, every stored field of the session and its patient, and "
                    "its anchors. Exits 0 when it is intact (and lists the holes its "
                    "timeline explains, and any loss noted beside the anchor log); "
                    "otherwise names the first thing that was altered, or says that the "
                    "session was removed.")
    parser.add_argument("session", help="session number (see 'ketaconsole sessions')")
    parser.add_argument("--export", metavar="FILE", type=Path,
                        help="also check that this exported file (PDF, FHIR, HL7, CSV, "
                             ".vital) is exactly as exported and still matches the record")
    parser.add_argument("--head", metavar="HASH",
                        help="also check a chain-head hash printed on a record")
    add_person_options(parser)
    add_db_option(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    session_id = session_number(args.session)
    database = open_record(args)
    try:
        audit = AuditLog(database)
        target = f"session {session_id}"
        person = acting_person(database, audit, args, Permission.OPEN_RECORD, target)
        count, broken = verify(database, session_id)
        audit_as(audit, person, Action.RECORD_VERIFIED, target=target,
                 detail={"intact": broken is None, "events": count,
                         "export": args.export.name if args.export else None})
        if broken is not None:
            raise CliError(f"session {session_id}: {broken.describe()}")
        checked = []
        if args.export is not None:
            checked.append(_check_export(database, session_id, args.export))
        if args.head is not None:
            problem = check_head(database, session_id, args.head)
            if problem is not None:
                raise CliError(f"session {session_id}: the printed head {args.head}: {problem}")
            checked.append("the printed head hash is on the chain")
        holes = _holes(database, session_id)
    except UnknownSessionError as exc:
        raise CliError(str(exc.args[0])) from None
    finally:
        database.dispose()
    print("; ".join([f"session {session_id}: {count} events, chain intact", *checked,
                     *holes]))
    return 0


HOLE_KINDS = ("gap", "store_outage", "record_loss")


def _holes(database: Database, session_id: int) -> list[str]:
    """Every hole in the record with its cause: as the timeline explains it, and as noted
    beside the anchor log by a console that stopped while it could not write the record."""
    found = [describe_event(e.kind, e.payload)
             for e in timeline(database, session_id, seals=False) if e.kind in HOLE_KINDS]
    noted = [describe_event("record_loss", note)
             for note in unrecorded_losses(database, session_id)]
    holes = []
    if found:
        holes.append(f"{_count(found)} explained on the timeline: " + "; ".join(found))
    if noted:
        holes.append(f"{_count(noted)} noted beside the anchor log, not yet on the timeline "
                     "(recording this session again puts it there): " + "; ".join(noted))
    return holes


def _count(holes: list[str]) -> str:
    return f"{len(holes)} hole{'s' if len(holes) > 1 else ''}"


def _check_export(database: Database, session_id: int, path: Path) -> str:
    try:
        checked = check_export_file(database, session_id, path)
    except OSError as exc:
        raise CliError(f"{path} cannot be read ({exc.strerror or exc}); give the path of "
                       "an exported file") from None
    if checked.problem is not None:
        raise CliError(f"session {session_id}: {checked.problem}")
    return checked.found
