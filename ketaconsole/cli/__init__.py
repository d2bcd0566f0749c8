"""The ``ketaconsole`` command: the GUI by default, and the device and record tools.

Every command has ``--help`` and fails with one clear line on stderr and a non-zero
exit on bad input. The command shapes (``drivers``, ``decode``, ``probe``,
``simulate``, ...) are interfaces other tools rely on.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from typing import NoReturn

from ketaconsole import __version__
from ketaconsole.cli import (
    audit_cmd,
    decode_cmd,
    doctor_cmd,
    drivers_cmd,
    export_cmd,
    plugins_cmd,
    probe_cmd,
    record_cmd,
    replay_cmd,
    sessions_cmd,
    simulate_cmd,
    users_cmd,
    verify_cmd,
)
from ketaconsole.cli.common import CliError
from ketaconsole.virtual_patient import SCENARIOS

COMMANDS = (drivers_cmd, decode_cmd, probe_cmd, simulate_cmd,
            record_cmd, sessions_cmd, verify_cmd, replay_cmd, export_cmd,
            users_cmd, audit_cmd, plugins_cmd, doctor_cmd)


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage mistake is one line that says where help is."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message}; run '{self.prog} --help' for usage\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="ketaconsole",
        description="Bedside console for IV ketamine sessions. Without a command it opens "
                    "the console window.")
    parser.add_argument("--version", action="version", version=f"ketaconsole {__version__}")
    parser.add_argument("--demo", action="store_true",
                        help="run on simulated devices and a virtual patient")
    parser.add_argument("--db", metavar="URL", help="SQLAlchemy database URL")
    parser.add_argument("--room", metavar="NAME",
                        help="run this room's saved device profiles (set up in Devices)")
    parser.add_argument("--scenario", default="normal", choices=sorted(SCENARIOS),
                        help="demo patient's story")
    parser.add_argument("--speed", type=float, default=1.0,
                        help="demo scenario time per real second")
    parser.add_argument("--screenshot", metavar="FILE",
                        help="save a PNG of the window (after --quit-after, or 3 s)")
    parser.add_argument("--quit-after", type=float, metavar="SECONDS",
                        help="close the window after this many seconds")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND",
                                     parser_class=_Parser)
    for module in COMMANDS:
        module.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        if args.command is None:
            from ketaconsole.cli.gui import run_gui

            return run_gui(args)
        result: int = args.handler(args)
        return result
    except CliError as exc:
        print(f"ketaconsole: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
