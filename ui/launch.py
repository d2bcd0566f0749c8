"""What every window the console opens shares: its argument checks, and the timed close."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QWidget

from ui.display_check import display_problem

DEFAULT_SCREENSHOT_DELAY_S = 3.0
READY_WAIT_S = 60.0
READY_POLL_S = 0.05


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


def run_window(app: QApplication, window: QWidget, args: argparse.Namespace, *,
               refresh: Callable[[], object], close: Callable[[], object],
               ready: Callable[[], bool] = lambda: True) -> int:
    """Run the event loop; with ``--screenshot`` / ``--quit-after`` capture and close on time.

    A screenshot waits until the window is ``ready`` (its record open, its pages in
    place), at most :data:`READY_WAIT_S` beyond the time asked, so it shows a whole screen.
    Returns the exit code: 1 when the screenshot could not be written, else 0.
    """
    screenshot = Path(args.screenshot) if args.screenshot else None
    outcome = {"code": 0}
    waited = {"s": 0.0}

    def finish() -> None:
        if screenshot is not None and not ready() and waited["s"] < READY_WAIT_S:
            waited["s"] += READY_POLL_S
            QTimer.singleShot(int(READY_POLL_S * 1000), finish)
            return
        if screenshot is not None:
            refresh()
            if not window.grab().save(str(screenshot), "PNG"):
                print(f"ketaconsole: could not write the screenshot to {screenshot}; check "
                      "that the folder is writable and has space", file=sys.stderr)
                outcome["code"] = 1
        close()
        app.quit()

    if screenshot is not None or args.quit_after is not None:
        delay = args.quit_after if args.quit_after is not None else DEFAULT_SCREENSHOT_DELAY_S
        QTimer.singleShot(int(delay * 1000), finish)
    app.exec()
    return outcome["code"]
