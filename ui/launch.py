"""What every window the console opens checks first: the screenshot folder, timing, a display."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ui.display_check import display_problem

DEFAULT_SCREENSHOT_DELAY_S = 3.0


def fail(message: str, code: int = 1) -> int:
    """Say what is wrong in one line on stderr; the exit code to return."""
    print(f"ketaconsole: {message}", file=sys.stderr)
    return code


def window_arguments_problem(args: argparse.Namespace) -> int | None:
    """The exit code for unusable window arguments or no display (already said), else None."""
    screenshot = Path(args.screenshot) if args.screenshot else None
    if screenshot is not None and not screenshot.parent.resolve().is_dir():
        return fail(f"cannot save the screenshot: folder {screenshot.parent} does not "
                    "exist; create it or choose another path", 2)
    if args.quit_after is not None and args.quit_after <= 0:
        return fail("--quit-after must be more than 0 seconds", 2)
    problem = display_problem()
    return fail(problem) if problem else None
