"""``ketaconsole settings [list|set KEY VALUE]``: the clinic's lock, log-in, alarm and
check-in settings.

Listing needs no log-in (the settings are no patient data); a change needs an admin's
log-in (``--as ADMIN``), is checked against the setting's range and is on the audit
trail. Consoles apply a change when they next start.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from ketaconsole.cli.common import CliError, print_json_line
from ketaconsole.cli.record_common import add_db_option, open_record
from ketaconsole.cli.security_common import PinReader, add_login_options, log_in
from ketaconsole.security import AuditLog, Guard, NotAllowed
from ketaconsole.security.admin import change_setting
from ketaconsole.security.clinic_settings import RULES, SettingValue, clinic_settings
from ketaconsole.store import Database


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "settings", help="show or change the clinic's lock, log-in, alarm and check-in settings",
        description="The clinic's idle lock time and PIN lock-out, whether it uses the "
                    "MADRS, the heart-rate-high alarm's sustain time and the fasting hours "
                    "check-in asks (solid food, clear liquids), kept in the record database "
                    "for every console of the clinic.")
    actions = parser.add_subparsers(dest="settings_action", metavar="ACTION")
    listing = actions.add_parser("list", help="every setting with its value (the default)")
    listing.add_argument("--json", action="store_true", help="one JSON object per line")
    add_db_option(listing)
    change = actions.add_parser("set", help="change a setting (needs --as ADMIN)")
    change.add_argument("key", choices=list(RULES), help="the setting")
    change.add_argument("value", help="its new value")
    add_login_options(change)
    add_db_option(change)
    parser.set_defaults(handler=run, settings_action=None)
    listing.set_defaults(handler=run)
    change.set_defaults(handler=run)


def _record(current: SettingValue) -> dict[str, object]:
    changed = (None if current.changed_at is None else
               datetime.fromtimestamp(current.changed_at, UTC).isoformat()
               .replace("+00:00", "Z"))
    return {"key": current.rule.key, "value": current.value,
            "default": current.rule.default(), "meaning": current.rule.meaning,
            "allowed": [current.rule.low, current.rule.high], "changed": changed,
            "changed_by": current.changed_by}


def _line(current: SettingValue) -> str:
    record = _record(current)
    origin = ("default" if current.changed_by is None
              else f"set by {current.changed_by} {record['changed']}")
    return (f"{current.rule.key:<27} {current.value:>3}  {current.rule.meaning} "
            f"({current.rule.low}-{current.rule.high}; {origin})")


def run(args: argparse.Namespace) -> int:
    database = open_record(args)
    try:
        if args.settings_action == "set":
            return _change(database, args)
        for current in clinic_settings(database):
            if getattr(args, "json", False):
                print_json_line(_record(current))
            else:
                print(_line(current))
        return 0
    finally:
        database.dispose()


def _change(database: Database, args: argparse.Namespace) -> int:
    try:
        RULES[args.key].parse(args.value)
    except ValueError as exc:
        raise CliError(str(exc), 2) from None
    audit = AuditLog(database)
    admin = log_in(database, audit, args, PinReader(args.pin_stdin))
    try:
        changed = change_setting(Guard(audit), admin, args.key, args.value)
    except (NotAllowed, ValueError) as exc:
        raise CliError(str(exc)) from None
    print(f"{changed.rule.key} is now {changed.value}; consoles apply it when they next start")
    return 0
