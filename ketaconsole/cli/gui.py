"""Starting the GUI: the composition root's one import of ``ui`` (listed in the contract)."""

from __future__ import annotations

import argparse
import sys

from ketaconsole.settings import database_url, home_dir


def run_gui(args: argparse.Namespace) -> int:
    if args.demo_device:
        check_demo_devices(args.demo_device)
    if not args.demo:
        from ketaconsole.security.protection import warn_if_unprotected

        warn_if_unprotected(home_dir(), database_url(args.db))
    elif args.db:
        refused = demo_database_refusal(args.db)
        if refused is not None:
            print(f"ketaconsole: {refused}", file=sys.stderr)
            return 1
    from ui.app import run

    return run(args)


def demo_database_refusal(explicit: str) -> str | None:
    """Before the window: why the demo may not record into ``--db`` (one sentence), or None.

    Its own file is always its own; any other database is opened and looked at first
    (:func:`ketaconsole.demo.own_record.demo_record_refusal`).
    """
    from ketaconsole.demo.own_record import demo_record_refusal
    from ketaconsole.settings import demo_database_url
    from ketaconsole.store import DatabaseUnavailable, open_database

    url = demo_database_url(explicit)
    if url == demo_database_url():
        return None
    try:
        database = open_database(url)
    except DatabaseUnavailable as exc:
        return str(exc)
    try:
        return demo_record_refusal(database, database_url())
    finally:
        database.dispose()


def run_overview_gui(args: argparse.Namespace) -> int:
    """The clinic overview window (``ketaconsole overview``)."""
    from ui.overview.overview_app import run_overview

    return run_overview(args)


def check_demo_devices(slugs: list[str]) -> None:
    """Refuse, in one sentence and before any window opens, a ``--demo-device`` the demo
    cannot serve (built-ins and approved plugins with a simulator can be)."""
    from ketaconsole.cli.common import CliError
    from ketaconsole.demo.room import UnknownDemoDevice, demo_roles
    from ketaconsole.security.plugins import clinic_registry

    try:
        demo_roles(clinic_registry(), slugs)
    except UnknownDemoDevice as exc:
        raise CliError(str(exc), 2) from None
