"""``ketaconsole overview``: the clinic overview window, every room live on one screen."""

from __future__ import annotations

import argparse

from ketaconsole.cli.record_common import add_db_option


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "overview", help="every room live on one screen (nurses and admins)",
        description="Open the clinic overview: a card per room with its vitals, alarm, "
                    "phase and infusion, from the statuses the rooms' consoles publish "
                    "into the clinic's database. A room silent for more than 5 s becomes "
                    "a technical alarm. Log in as at the bedside to acknowledge.")
    parser.add_argument("--screenshot", metavar="FILE",
                        help="save a PNG of the window (after --quit-after, or 3 s)")
    parser.add_argument("--quit-after", type=float, metavar="SECONDS",
                        help="close the window after this many seconds")
    add_db_option(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from ketaconsole.cli.gui import run_overview_gui

    return run_overview_gui(args)
