"""``ketaconsole drug-library [show|set|load|reset]``: the clinic's drug library for ketamine.

Showing needs no log-in (the library is no patient data; ``show --json`` prints it in
the form of its file, to edit and load back). A change needs an admin's log-in
(``--as ADMIN``): one field (``set dose_mg_per_kg.soft_max 0.8``), a whole file
(``load FILE``) or the console's defaults (``reset``). Every change is checked as a
whole, becomes the next version for every console on the record, and is on the audit
trail with each field's old and new value; bedsides use it from the next session.
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from pathlib import Path

from ketaconsole.cli.common import CliError
from ketaconsole.cli.record_common import add_db_option, open_record
from ketaconsole.cli.security_common import PinReader, add_login_options, log_in
from ketaconsole.medication.clinic_library import LibraryInForce, library_in_force
from ketaconsole.medication.library import (
    INFUSION,
    QUANTITIES,
    SETTABLE,
    DrugLibrary,
    LibraryError,
    default_library,
    load_library,
    shown,
    with_value,
)
from ketaconsole.security import AuditLog, Guard, NotAllowed
from ketaconsole.security.admin import change_drug_library
from ketaconsole.store import Database


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "drug-library", help="show or change the clinic's drug library for ketamine",
        description="The clinic's limits for a ketamine order: the concentrations allowed "
                    "after dilution, the dose per kg, the infusion time and the total dose "
                    "(hard limits refuse an order, soft limits need a named clinician's "
                    "reason), the dosing-weight rule and the pump's rate step. Kept in the "
                    "record database for every console of the clinic.")
    actions = parser.add_subparsers(dest="library_action", metavar="ACTION")
    showing = actions.add_parser("show", help="the library in force (the default)")
    showing.add_argument("--json", action="store_true",
                         help="the library in the form of its file (to edit and load)")
    add_db_option(showing)
    change = actions.add_parser("set", help="change one field (needs --as ADMIN)")
    change.add_argument("field", choices=list(SETTABLE), metavar="FIELD",
                        help=f"the field's path in the file: {', '.join(SETTABLE)}")
    change.add_argument("value", help="its new value")
    loading = actions.add_parser("load", help="make a library file the clinic's (needs --as "
                                              "ADMIN)")
    loading.add_argument("file", type=Path, help="a JSON file in the default library's form")
    resetting = actions.add_parser("reset", help="back to the defaults the console ships "
                                                 "with (needs --as ADMIN)")
    for action in (change, loading, resetting):
        add_login_options(action)
        add_db_option(action)
        action.set_defaults(handler=run)
    parser.set_defaults(handler=run, library_action=None)
    showing.set_defaults(handler=run)


def _band(key: str, library: DrugLibrary) -> str:
    quantity = QUANTITIES[key]
    band = library.band(quantity)
    soft = f"at most {quantity.format(band.soft_max)}" if band.soft_min is None else \
        f"{shown(band.soft_min, decimals=quantity.decimals)} to {quantity.format(band.soft_max)}"
    return f"hard {band.hard(quantity)}; soft {soft}"


def _lines(current: LibraryInForce) -> list[str]:
    library = current.library
    rule = library.dosing_weight
    low, high = library.concentration_mg_ml
    adjusted = (f"; adjusted = ideal + {rule.adjusted_fraction:g} x (actual - ideal)"
                if rule.basis.value == "adjusted" else "")
    ideal = f" (ideal weight at BMI {rule.ideal_bmi:g}{adjusted})" if rule.needs_height else ""
    rows = [
        ("concentration after dilution", f"{shown(low)} to {shown(high)} mg/mL",
         "concentration_mg_ml"),
        ("dose per kg", _band("dose_mg_per_kg", library), "dose_mg_per_kg"),
        ("infusion time", _band(INFUSION.key, library), INFUSION.key),
        ("total dose", _band("total_mg", library), "total_mg"),
        ("dosing weight", f"{rule.describe()}{ideal}", "dosing_weight"),
        ("pump rate step", f"{shown(library.pump_rate_step_ml_h, decimals=3)} mL/h",
         "pump_rate_step_ml_h"),
    ]
    when = "" if current.changed_at is None else " on " + datetime.fromtimestamp(
        current.changed_at, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    head = f"{library.label} ({current.origin}{when})"
    return [head] + [f"  {what:<29} {value}  [{key}]" for what, value, key in rows]


def run(args: argparse.Namespace) -> int:
    database = open_record(args)
    try:
        if args.library_action in ("set", "load", "reset"):
            return _change(database, args)
        try:
            current = library_in_force(database)
        except LibraryError as exc:
            raise CliError(str(exc)) from None
        if getattr(args, "json", False):
            print(json.dumps(current.library.as_record(), indent=2))
        else:
            print("\n".join(_lines(current)))
        return 0
    finally:
        database.dispose()


def _changed(database: Database, args: argparse.Namespace) -> DrugLibrary:
    """The library the command asks for, checked (usage errors before any log-in)."""
    try:
        if args.library_action == "load":
            return load_library(args.file)
        if args.library_action == "reset":
            return default_library()
        return with_value(library_in_force(database).library, args.field, args.value)
    except LibraryError as exc:
        raise CliError(" ".join(exc.problems), 2) from None


def _change(database: Database, args: argparse.Namespace) -> int:
    changed = _changed(database, args)
    audit = AuditLog(database)
    admin = log_in(database, audit, args, PinReader(args.pin_stdin))
    try:
        now = change_drug_library(Guard(audit), admin, changed)
    except (NotAllowed, ValueError) as exc:
        raise CliError(str(exc)) from None
    print(f"the clinic's drug library is now {now.library.label}; bedsides use it from the "
          "next session")
    return 0
