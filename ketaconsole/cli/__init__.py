"""The ``ketaconsole`` command: the GUI by default, and the device and record tools.

Every command has ``--help`` and fails with one clear line on stderr and a non-zero
exit on bad input. The command shapes (``drivers``, ``decode``, ``probe``,
``simulate``, ...) are interfaces other tools rely on.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence
from typing import NoReturn

from ketaconsole import __version__
from ketaconsole.cli.common import (
    database_option,
    escape_terminal_output,
    number_option,
    silence_stdout,
)
from ketaconsole.cli.errors import CliError
from ketaconsole.demo.cast import demo_slugs
from ketaconsole.names import printable
from ketaconsole.numbers import NumberRange
from ketaconsole.sim.virtual_patient import SCENARIO_SPEED, SCENARIOS

# Command name -> the module that registers and runs it. Modules are imported only when
# their command is used (or help lists them all), so starting the console window does
# not pay for every tool's imports.
COMMANDS: dict[str, str] = {
    name: f"ketaconsole.cli.{name}_cmd"
    for name in ("drivers", "decode", "probe", "simulate", "record", "sessions", "verify",
                 "replay", "export", "users", "audit", "plugins", "settings", "doctor", "rooms",
                 "overview", "patients", "course", "assess", "outcomes")
} | {"follow-up": "ketaconsole.cli.follow_up_cmd",
     "drug-library": "ketaconsole.cli.drug_library_cmd"}
_WITH_VALUE = ("--db", "--room", "--scenario", "--speed", "--screenshot", "--quit-after",
               "--demo-device", "--size", "--page")

QUIT_AFTER = NumberRange("--quit-after", 0, 86_400, above_low=True, unit="seconds")


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage mistake is one line that says where help is."""

    def error(self, message: str) -> NoReturn:
        # argparse repeats what was typed: escaped, so a line break in it stays one line.
        self.exit(2, f"{self.prog}: {printable(message)}; run '{self.prog} --help' for "
                     "usage\n")


def commands_needed(argv: Sequence[str]) -> list[str]:
    """Which command modules parsing ``argv`` needs: the one named, or all for help/errors."""
    words = list(argv)
    index = 0
    while index < len(words):
        word = words[index]
        if word in ("-h", "--help"):
            return list(COMMANDS)
        if word.startswith("-"):
            index += 2 if word in _WITH_VALUE else 1
            continue
        return [word] if word in COMMANDS else list(COMMANDS)
    return []


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    parser = _Parser(
        prog="ketaconsole",
        description="Bedside console for IV ketamine sessions. Without a command it opens "
                    "the console window.")
    parser.add_argument("--version", action="version", version=f"ketaconsole {__version__}")
    parser.add_argument("--demo", action="store_true",
                        help="run on simulated devices and a virtual patient")
    parser.add_argument("--db", metavar="URL", type=database_option,
                        help="SQLAlchemy database URL")
    parser.add_argument("--room", metavar="NAME",
                        help="run this room's saved device profiles (set up in Devices)")
    parser.add_argument("--scenario", default="normal", choices=sorted(SCENARIOS),
                        help="demo patient's story")
    parser.add_argument("--demo-device", action="append", default=[], metavar="SLUG",
                        help="use this driver's simulator for its role in the demo "
                             f"(repeatable): {', '.join(demo_slugs())} or an approved "
                             "plugin's slug")
    parser.add_argument("--speed", type=number_option(SCENARIO_SPEED), default=1.0,
                        help="demo scenario time per real second")
    parser.add_argument("--screenshot", metavar="FILE",
                        help="save a PNG of the window (after --quit-after, or 3 s)")
    parser.add_argument("--size", metavar="WxH",
                        help="window size, e.g. 1366x768 or 1920x1080 (for screenshots)")
    parser.add_argument("--page", metavar="NAME",
                        help="with --demo: open this page (locked, timeline, session, "
                             "devices, records, audit), e.g. for a screenshot")
    parser.add_argument("--quit-after", type=number_option(QUIT_AFTER), metavar="SECONDS",
                        help="close the window after this many seconds")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND",
                                     parser_class=_Parser)
    needed = list(COMMANDS) if argv is None else commands_needed(argv)
    for name in needed:
        importlib.import_module(COMMANDS[name]).register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    words = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(words)
    args = parser.parse_args(words)
    if args.command is not None:
        escape_terminal_output()
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        if args.command is None:
            from ketaconsole.cli.gui import run_gui

            return run_gui(args)
        result: int = args.handler(args)
        return result
    except CliError as exc:
        print(f"ketaconsole: {printable(str(exc))}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # the reader of our output (head, less) stopped listening
        silence_stdout()
        return 0
    except Exception as exc:  # the last word: one sentence (the traceback with -v)
        from ketaconsole.store.lock_holder import record_locked

        locked = record_locked(exc, getattr(args, "command_db", None) or args.db)
        if locked is not None:
            print(f"ketaconsole: {locked}", file=sys.stderr)
            return 1
        if args.verbose:
            logging.getLogger("ketaconsole").error("unexpected failure", exc_info=True)
            print(f"ketaconsole: the command failed unexpectedly ({type(exc).__name__}); "
                  "nothing more was done; report it with the traceback above",
                  file=sys.stderr)
        else:
            print(f"ketaconsole: the command failed unexpectedly ({type(exc).__name__}); "
                  "nothing more was done; run it again with -v for details and report it",
                  file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
