"""``ketaconsole outcomes [--from DATE] [--to DATE] [--json] [--format pdf --out DIR]``.

The clinic's outcomes (:mod:`ketaconsole.course.outcomes`), de-identified: as lines, as
one JSON object, or as a PDF with plots. For prescribers and admins: ``--as USER`` checks
the role (``Permission.VIEW_OUTCOMES``); without it the command runs as the operating
system's account, like every record command (``acting_person``). Either way the reading
is on the audit trail, and a PDF written is an export on it.
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import date
from pathlib import Path

from ketaconsole.cli.acting_person import acting_person, add_person_options, audit_as
from ketaconsole.cli.errors import CliError
from ketaconsole.cli.record_common import add_db_option, check_out_folder, open_record
from ketaconsole.course.outcomes import Window, clinic_outcomes, outcome_lines
from ketaconsole.course.outcomes_pdf import write_outcomes_pdf
from ketaconsole.export.atomic import write_atomically
from ketaconsole.security import Action, AuditLog, Permission

TARGET = "clinic outcomes"


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "outcomes", help="the clinic's outcomes across patients (prescribers and admins)",
        description="The clinic's results, de-identified (no names, MRNs or dates of birth): "
                    "patients treated, infusions, PHQ-9 response (a 50 %% fall from the "
                    "baseline) and remission (below 5) at 4 and 8 weeks from each course's "
                    "first infusion (and the MADRS's, 10 or less, where the clinic uses it), "
                    "adverse events and alarms per infusion, dose against tolerability and "
                    "follow-up completion. The courses counted are those whose first "
                    "infusion falls between --from and --to.")
    parser.add_argument("--from", dest="start", metavar="YYYY-MM-DD",
                        help="first infusions on or after this day (UTC)")
    parser.add_argument("--to", dest="end", metavar="YYYY-MM-DD",
                        help="first infusions on or before this day (UTC)")
    parser.add_argument("--json", action="store_true", help="one JSON object")
    parser.add_argument("--format", choices=("pdf",), help="write a PDF report (with --out)")
    parser.add_argument("--out", type=Path, metavar="DIR", help="folder for the PDF")
    add_person_options(parser)
    add_db_option(parser)
    parser.set_defaults(handler=run)


def _day(option: str, text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise CliError(f"{option} takes a day as YYYY-MM-DD (e.g. 2026-01-31), not "
                       f"{text!r}") from None


def window_of(args: argparse.Namespace) -> Window:
    window = Window(_day("--from", args.start), _day("--to", args.end))
    if window.start and window.end and window.start > window.end:
        raise CliError("--from is after --to: give the earlier day first")
    return window


def run(args: argparse.Namespace) -> int:
    window = window_of(args)
    if (args.format is None) != (args.out is None):
        raise CliError("a PDF needs both --format pdf and --out DIR")
    if args.out is not None:
        check_out_folder(args.out)
    database = open_record(args)
    try:
        audit = AuditLog(database)
        person = acting_person(database, audit, args, Permission.VIEW_OUTCOMES, TARGET)
        outcomes = clinic_outcomes(database, window, time.time())
        audit_as(audit, person, Action.RECORDS_LISTED, target=TARGET,
                 detail={"outcomes": window.as_record(),
                         "patients": outcomes.patients_treated})
        written = None
        if args.out is not None:
            audit_as(audit, person, Action.EXPORT, target=TARGET,
                     detail={"formats": ["pdf"], "outcomes": window.as_record()})
            written = write_atomically(args.out / "clinic-outcomes.pdf",
                                       lambda out: write_outcomes_pdf(outcomes, out))
    finally:
        database.dispose()
    if args.json:
        print(json.dumps(outcomes.as_record(), sort_keys=True))
    elif written is None:
        print("\n".join(outcome_lines(outcomes)))
    if written is not None:
        print(written)
    return 0
