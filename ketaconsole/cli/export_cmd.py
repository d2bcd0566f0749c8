"""``ketaconsole export SESSION --format ...``: write a session's record to files (and MLLP)."""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

from ketaconsole.cli.acting_person import acting_person, add_person_options, audit_as
from ketaconsole.cli.common import CliError, number_option, text_option
from ketaconsole.cli.record_common import add_db_option, open_record, session_number
from ketaconsole.export.atomic import ExportFolderError
from ketaconsole.export.mllp import MllpPolicy, MllpTarget
from ketaconsole.export.pdf_export import Paper
from ketaconsole.export.service import (
    ExportFailed,
    ExportFormat,
    ExportOptions,
    ExportResult,
    export_session,
)
from ketaconsole.names import Field
from ketaconsole.numbers import NumberRange
from ketaconsole.security import Action, AuditLog
from ketaconsole.session.workflow import step_permissions
from ketaconsole.store import Database, UnknownSessionError

ACK_WAIT = NumberRange("--mllp-timeout", 0, 600, above_low=True, unit="seconds")
MLLP_TRIES = NumberRange("--mllp-attempts", 1, 20, integer=True)


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "export", help="write a session's record as PDF, CSV, FHIR, HL7, .vital or REMS",
        description="Export one session's record. Every export is recorded on the "
                    "session's timeline. A session still in progress is exported as an "
                    "interim record.")
    parser.add_argument("session", help="session number (see 'ketaconsole sessions')")
    parser.add_argument("--format", required=True, choices=[f.value for f in ExportFormat],
                        help="pdf (discharge record), csv (observations and timeline), "
                             "fhir (R4 Bundle), hl7 (v2.6 ORU^R01, IHE PCD-01), "
                             "vital (VitalDB), rems (an esketamine session's REMS "
                             "patient monitoring record: PDF and JSON)")
    parser.add_argument("--out", default=".", metavar="DIR",
                        help="folder to write into (default: the current folder)")
    parser.add_argument("--paper", default="a4", choices=[p.value for p in Paper],
                        help="PDF page size")
    parser.add_argument("--clinic", default="KetaConsole clinic",
                        type=text_option(Field.LABEL, "--clinic"),
                        help="clinic name printed in the PDF header")
    parser.add_argument("--author", type=text_option(Field.USER_NAME, "--author"),
                        help="the name printed as the exporter (default: the "
                                         "person acting, see --as)")
    parser.add_argument("--mllp", metavar="HOST:PORT",
                        help="also send the HL7 messages to this MLLP receiver")
    parser.add_argument("--mllp-timeout", type=number_option(ACK_WAIT), default=10.0,
                        metavar="SECONDS",
                        help="wait this long for each acknowledgement (default 10)")
    parser.add_argument("--mllp-attempts", type=number_option(MLLP_TRIES), default=3,
                        metavar="N",
                        help="tries before giving up on an unreachable receiver (default 3)")
    add_person_options(parser)
    add_db_option(parser)
    parser.set_defaults(handler=run)


def _options(args: argparse.Namespace) -> ExportOptions:
    """The export's options, checked before anyone is asked for a PIN."""
    target = None
    if args.mllp:
        if args.format != ExportFormat.HL7.value:
            raise CliError("--mllp sends HL7 messages; use it with --format hl7", 2)
        try:
            target = MllpTarget.parse(args.mllp)
        except ValueError as exc:
            raise CliError(str(exc), 2) from None
    if args.author and args.login and args.author != args.login:
        raise CliError(f"--author {args.author!r} differs from the user logged in with --as "
                       f"({args.login}); leave --author out", 2)
    return ExportOptions(paper=Paper(args.paper), clinic=args.clinic, mllp=target,
                         mllp_policy=MllpPolicy(timeout_s=args.mllp_timeout,
                                                attempts=int(args.mllp_attempts)))


def _export(database: Database, args: argparse.Namespace, session_id: int, folder: Path,
            options: ExportOptions) -> ExportResult:
    audit = AuditLog(database)
    target = f"session {session_id}"
    person = acting_person(database, audit, args, step_permissions()["export"], target)
    options = replace(options, author=args.author or person.name)
    result = export_session(database, session_id, ExportFormat(args.format), folder, options)
    audit_as(audit, person, Action.EXPORT, target=target,
             detail={"format": result.format.value, "folder": str(folder),
                     "files": [p.name for p in result.files], "author": options.author})
    return result


def run(args: argparse.Namespace) -> int:
    session_id = session_number(args.session)
    options = _options(args)
    folder = Path(args.out).expanduser()
    database = open_record(args)
    try:
        result = _export(database, args, session_id, folder, options)
    except UnknownSessionError as exc:
        raise CliError(str(exc.args[0])) from None
    except ExportFolderError as exc:
        raise CliError(str(exc)) from None
    except ExportFailed as exc:
        raise CliError(str(exc)) from None
    except OSError as exc:
        raise CliError(f"the export could not be written ({exc.strerror or exc}); check "
                       "the folder and the free space, then try again") from None
    finally:
        database.dispose()
    status = result.status_words()
    names = ", ".join(str(p) for p in result.files)
    sent = ""
    if result.delivered_messages is not None:
        sent = f"; {result.delivered_messages} messages acknowledged by {options.mllp}"
    print(f"session {session_id}: {result.format.value} {status} written to {names}{sent}; "
          f"recorded as event {result.event.seq}")
    return 0
