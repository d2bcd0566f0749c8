"""Starting the GUI: the composition root's one import of ``ui`` (listed in the contract)."""

from __future__ import annotations

import argparse


def run_gui(args: argparse.Namespace) -> int:
    from ui.app import run

    return run(args)
