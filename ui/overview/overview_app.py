"""Starts the clinic overview window on the clinic's record database; screenshots for review."""

from __future__ import annotations

import argparse
import sys
import time

from PySide6.QtWidgets import QApplication

from ketaconsole.bedside.security import BedsideSecurity
from ketaconsole.overview.board import ClinicBoard
from ketaconsole.overview.reader import StatusFeed
from ketaconsole.settings import database_url
from ketaconsole.store import DatabaseUnavailable, open_database
from ui.launch import fail as _fail
from ui.launch import run_window, window_arguments_problem
from ui.monitor.tone_player import TonePlayer
from ui.overview.overview_window import OverviewWindow
from ui.theme import apply_theme
from ui.widgets.screen_fit import keep_place, show_fitted
from ui.widgets.wheel_guard import guard_wheel


def run_overview(args: argparse.Namespace) -> int:
    """Open the overview window; returns the process exit code."""
    refused = window_arguments_problem(args)
    if refused is not None:
        return refused
    try:
        database = open_database(database_url(args.command_db or args.db))
    except DatabaseUnavailable as exc:
        return _fail(str(exc))
    security = BedsideSecurity(database, place="overview")
    if security.needs_first_admin():
        database.dispose()
        return _fail("this record has no users yet; start the console once on it to create "
                     "the first admin, then add the nurses")
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("KetaConsole overview")
    apply_theme(app)
    guard_wheel(app)
    board = ClinicBoard()
    feed = StatusFeed(database, lambda status: board.receive(status, time.time())).start()
    window = OverviewWindow(board, database, security.lock, player=TonePlayer(),
                            feed_problem=lambda: feed.problem)
    if args.screenshot:
        window.resize(1920, 1080)  # a screenshot shows the wall screen it is made for
        window.show()
    else:
        show_fitted(window, "overview")
    try:
        return run_window(app, window, args, close=window.close,
                          refresh=lambda: window.refresh(time.time()))
    finally:
        if not args.screenshot:
            keep_place(window, "overview")
        window.stop()
        feed.stop()
        database.dispose()
