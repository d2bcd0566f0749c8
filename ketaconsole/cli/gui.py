"""Starting the GUI: the composition root's one import of ``ui`` (listed in the contract)."""

from __future__ import annotations

import argparse


def run_gui(args: argparse.Namespace) -> int:
    from ketaconsole.settings import database_url, home_dir

    if args.demo_device:
        check_demo_devices(args.demo_device)
    from ui.app import run

    if not args.demo:
        from ketaconsole.security.protection import warn_if_unprotected

        warn_if_unprotected(home_dir(), database_url(args.db))
    return run(args)


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
