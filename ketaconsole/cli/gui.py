"""Starting the GUI: the composition root's one import of ``ui`` (listed in the contract)."""

from __future__ import annotations

import argparse


def run_gui(args: argparse.Namespace) -> int:
    from ketaconsole.settings import database_url, home_dir
    from ui.app import run

    if not args.demo:
        from ketaconsole.security.protection import warn_if_unprotected

        warn_if_unprotected(home_dir(), database_url(args.db))
    return run(args)


def run_overview_gui(args: argparse.Namespace) -> int:
    """The clinic overview window (``ketaconsole overview``)."""
    from ui.overview.overview_app import run_overview

    return run_overview(args)
