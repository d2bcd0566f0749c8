"""``ketaconsole users add|list|disable|enable|reset``: the people who may use the console.

The first admin is added without a log-in (``users add --role admin`` while the console
has no admin); every other change needs an admin (``--as ADMIN``). PINs are read with
hidden prompts, or one a line from stdin with ``--pin-stdin`` (the admin's PIN first).
"""

from __future__ import annotations

import argparse
import json

from ketaconsole.cli.common import CliError
from ketaconsole.cli.record_common import add_db_option, open_record
from ketaconsole.cli.security_common import PinReader, add_login_options, log_in
from ketaconsole.security import AuditLog, Guard, NotAllowed, Role, UserError
from ketaconsole.security.admin import UserAdmin
from ketaconsole.security.pins import BadPin
from ketaconsole.security.users import ConsoleUser, add_first_admin, needs_first_admin
from ketaconsole.store import Database


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "users", help="add, list, disable or reset the console's users",
        description="Manage who may use the console. Roles: nurse (sessions, entries, "
                    "signatures, exports), prescriber (eligibility, the dose order, the "
                    "nurse's steps at the bedside), technician (devices, drivers, alarm "
                    "profiles), admin (users, plugins, clinic settings, the drug library).")
    actions = parser.add_subparsers(dest="users_action", metavar="ACTION", required=True)
    add = actions.add_parser("add", help="add a user (the first admin needs no log-in)")
    add.add_argument("--name", required=True, help="user name for log-in (one word)")
    add.add_argument("--display", default="", help="full name as shown and signed")
    add.add_argument("--role", required=True, help=", ".join(r.value for r in Role))
    listing = actions.add_parser("list", help="list the users")
    listing.add_argument("--json", action="store_true", help="print a JSON array")
    disable = actions.add_parser("disable", help="stop a user from logging in")
    disable.add_argument("username")
    enable = actions.add_parser("enable", help="let a disabled user log in again")
    enable.add_argument("username")
    reset = actions.add_parser("reset", help="give a user a new PIN (lifts a lock-out)")
    reset.add_argument("username")
    for sub in (add, listing, disable, enable, reset):
        add_login_options(sub)
        add_db_option(sub)
        sub.set_defaults(handler=run)


def _print_users(users: list[ConsoleUser], as_json: bool) -> None:
    if as_json:
        print(json.dumps([u.as_record() for u in users], indent=2))
        return
    print(f"{'user':<20}  {'role':<10}  {'state':<8}  name")
    for user in users:
        state = "active" if user.active else "disabled"
        print(f"{user.username:<20}  {user.role.value:<10}  {state:<8}  {user.display_name}")


def run(args: argparse.Namespace) -> int:
    database = open_record(args)
    try:
        return _run(database, args)
    except (UserError, BadPin, NotAllowed) as exc:
        raise CliError(str(exc)) from None
    finally:
        database.dispose()


def _run(database: Database, args: argparse.Namespace) -> int:
    audit = AuditLog(database)
    pins = PinReader(args.pin_stdin)
    action = args.users_action
    if action == "add":
        try:
            role = Role.parse(args.role)
        except ValueError as exc:
            raise CliError(str(exc), 2) from None
        if not args.login:
            if not needs_first_admin(database):
                raise CliError("adding a user needs an admin's log-in; add --as ADMIN", 2)
            if role is not Role.ADMIN:
                raise CliError("the console has no admin yet; add the first admin with "
                               "'ketaconsole users add --role admin --name NAME'", 2)
            user = add_first_admin(database, audit, username=args.name,
                                   display_name=args.display, pin=pins.new_pin(args.name))
        else:
            admin = UserAdmin(database, Guard(audit), log_in(database, audit, args, pins))
            user = admin.add(args.name, args.display, role, pins.new_pin(args.name))
        print(f"added {user.username} ({user.role.value})")
        return 0
    admin = UserAdmin(database, Guard(audit), log_in(database, audit, args, pins))
    if action == "list":
        _print_users(admin.users(), args.json)
    elif action == "disable":
        print(f"disabled {admin.disable(args.username).username}")
    elif action == "enable":
        print(f"enabled {admin.enable(args.username).username}")
    else:
        user = admin.reset_pin(args.username, pins.new_pin(args.username))
        print(f"new PIN set for {user.username}")
    return 0
