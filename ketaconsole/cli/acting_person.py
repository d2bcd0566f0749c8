"""Who a record command acts for, and the audit entry that says so.

On the command line the operating system has already said who is typing: whoever can run
``ketaconsole`` against a database can read that database's file (or holds its server
password) anyway, so a console PIN there would add no protection, only attribution.
Record commands therefore run as the operating-system account and put it on the audit
trail as ``os:NAME``. ``--as USER`` logs in as a console user instead (PIN prompted, or
read with ``--pin-stdin``): then the role is checked like at the bedside, a refusal is
audited, and the entry names that user. See docs/data-protection.md.
"""

from __future__ import annotations

import argparse
import getpass
from dataclasses import dataclass
from typing import Any

from ketaconsole.cli.common import CliError
from ketaconsole.cli.security_common import PinReader, add_login_options, log_in
from ketaconsole.security import AuditLog, ConsoleUser, Guard, NotAllowed, Permission
from ketaconsole.store import Database

OS_ACCOUNT_PREFIX = "os:"


@dataclass(frozen=True, slots=True)
class ActingPerson:
    """The person a command acts for: a console user, or the operating-system account."""

    name: str
    user: ConsoleUser | None = None

    @property
    def user_id(self) -> int | None:
        return self.user.record_id if self.user is not None else None


def add_person_options(parser: argparse.ArgumentParser) -> None:
    """``--as USER`` and ``--pin-stdin`` for a command that reads or writes the record."""
    add_login_options(parser, login_help="act as this console user (PIN asked; role "
                                         "checked); default: the operating-system "
                                         "account, as os:NAME")


def os_account() -> str:
    """``os:NAME`` for the account running this command."""
    try:
        name = getpass.getuser()
    except (KeyError, OSError):
        name = "unknown"
    return OS_ACCOUNT_PREFIX + name


def os_door(permission: Permission, target: str) -> str:
    """The session workflow's door for a session recorded headless: the ``os:NAME`` account.

    Whoever can run ``ketaconsole record`` against a database can write to it anyway (see
    above), so every step is theirs; the record names the account that took it.
    """
    return os_account()


def acting_person(database: Database, audit: AuditLog, args: argparse.Namespace,
                  permission: Permission, target: str) -> ActingPerson:
    """The person to act for; with ``--as``, after their PIN and a role check (audited)."""
    if not getattr(args, "login", None):
        return ActingPerson(os_account())
    user = log_in(database, audit, args, PinReader(args.pin_stdin))
    try:
        Guard(audit).require(user, permission, target=target)
    except NotAllowed as exc:
        raise CliError(f"{exc}") from None
    return ActingPerson(user.username, user)


def audit_as(audit: AuditLog, person: ActingPerson, action: str, *, target: str,
             detail: dict[str, Any] | None = None) -> None:
    """Put the command's action on the audit trail (before anything is shown)."""
    entry = {"via": "command line",
             **{key: value for key, value in (detail or {}).items() if value is not None}}
    try:
        audit.record(action, actor=person.name, user_id=person.user_id, target=target,
                     detail=entry)
    except RuntimeError as exc:
        raise CliError(f"the audit trail could not be written ({exc}); try again, and "
                       "tell the clinic's admin if it keeps failing") from None
