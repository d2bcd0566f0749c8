"""What the user, audit and plugin commands share: PINs from stdin or a prompt, logging in."""

from __future__ import annotations

import argparse
import getpass
import sys
import time
from datetime import UTC, datetime

from ketaconsole.cli.common import CliError
from ketaconsole.numbers import shown
from ketaconsole.security import AuditLog, ConsoleUser, LoginRefused, authenticate
from ketaconsole.security.clinic_settings import security_settings
from ketaconsole.store import Database


def add_login_options(parser: argparse.ArgumentParser, *,
                      login_help: str = "log in as this user (an admin) to make the change"
                      ) -> None:
    parser.add_argument("--as", dest="login", metavar="USER", help=login_help)
    parser.add_argument("--pin-stdin", action="store_true",
                        help="read PINs from standard input, one a line (log-in PIN first), "
                             "instead of prompting")


class PinReader:
    """Reads PINs one at a time: lines of stdin with ``--pin-stdin``, else hidden prompts."""

    def __init__(self, from_stdin: bool) -> None:
        self.from_stdin = from_stdin

    def read(self, prompt: str) -> str:
        if self.from_stdin:
            line = sys.stdin.readline()
            if not line:
                raise CliError(f"standard input ended before the PIN ({prompt.rstrip(': ')}); "
                               "give one PIN a line", 2)
            return line.rstrip("\r\n")
        try:
            return getpass.getpass(prompt)
        except EOFError:
            raise CliError("no PIN was entered; run the command again and type it, or use "
                           "--pin-stdin", 2) from None

    def new_pin(self, username: str) -> str:
        pin = self.read(f"New PIN for {username}: ")
        if not self.from_stdin and self.read("The same PIN again: ") != pin:
            raise CliError("the two PINs differ; run the command again", 2)
        return pin


def log_in(database: Database, audit: AuditLog, args: argparse.Namespace,
           pins: PinReader) -> ConsoleUser:
    """The user named by ``--as``, after their PIN (the attempt is audited)."""
    if not args.login:
        raise CliError("this change needs an admin's log-in; add --as ADMIN", 2)
    pin = pins.read(f"PIN for {args.login}: ")
    try:
        return authenticate(database, audit, args.login, pin, security_settings(database),
                            place="command line")
    except LoginRefused as exc:
        raise CliError(str(exc)) from None


ISO_TIME_MAX = 35
"""The longest ISO 8601 time there is (with microseconds and an offset), with room."""


def parse_time(text: str) -> float:
    """An ISO 8601 time (UTC unless it says otherwise) as seconds since the epoch."""
    try:
        if len(text) > ISO_TIME_MAX:
            raise ValueError(text)
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise CliError(f"--since takes an ISO time such as 2026-03-01T08:00:00Z, "
                       f"not {shown(text)}", 2) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    if not moment.year >= 2000 or moment.timestamp() > time.time() + 86400:
        raise CliError(f"--since {shown(text)} is not a time the record can hold; give one "
                       "between 2000 and now, such as 2026-03-01T08:00:00Z", 2)
    return moment.timestamp()
