"""Starts the console window: the demo room or an empty room, the frame clock, screenshots."""

from __future__ import annotations

import argparse
import sys

from PySide6.QtWidgets import QApplication

from ketaconsole.demo import demo_room
from ketaconsole.device_profiles import profile_specs
from ketaconsole.registry import DriverRegistry
from ketaconsole.room import Room, RoomOptions, StationBusy, build_room
from ketaconsole.security.plugins import clinic_registry
from ketaconsole.settings import database_url, demo_database_url
from ketaconsole.virtual_patient import scenario
from ui.launch import fail as _fail
from ui.launch import run_window, window_arguments_problem
from ui.main_window import MainWindow
from ui.screenshot import CaptureError, check_page, parse_size, show_page
from ui.theme import apply_theme


def run(args: argparse.Namespace) -> int:
    """Open the console window; returns the process exit code."""
    if args.speed <= 0:
        return _fail("--speed must be more than 0", 2)
    try:
        size = parse_size(args.size) if args.size else None
        page = check_page(args.page, demo=args.demo) if args.page else None
    except CaptureError as exc:
        return _fail(str(exc), 2)
    refused = window_arguments_problem(args)
    if refused is not None:
        return refused

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("KetaConsole")
    apply_theme(app)
    registry = clinic_registry()
    try:
        room = open_room(args, registry)
    except StationBusy as exc:
        return _fail(str(exc))
    window = MainWindow(room, database_url=(demo_database_url(args.db) if args.demo
                                            else database_url(args.db)),
                        registry=registry, room_name=args.room or "")
    if size is not None:
        window.resize(*size)
    window.show()
    if page is not None:
        show_page(window, page)

    try:
        return run_window(app, window, args, close=window.close_now,
                          refresh=lambda: window.monitor.refresh(room.engine.clock()))
    finally:
        room.stop()


def open_room(args: argparse.Namespace, registry: DriverRegistry) -> Room:
    """The demo's room on simulators, a clinic room from its profiles, or an empty one."""
    if args.demo:
        return demo_room(scenario(args.scenario), speed=args.speed,
                         database_url=demo_database_url(args.db), registry=registry,
                         devices=args.demo_device)
    if args.room:
        url = database_url(args.db)
        return build_room(profile_specs(url, args.room), registry=registry, database_url=url,
                          options=RoomOptions(place=f"room {args.room}"))
    room = build_room([], registry=registry, database_url=None,
                      options=RoomOptions(place="console"))
    room.record.problem = ("no session: start with --room NAME for a room's devices "
                           "(set them up in Devices), or --demo")
    return room
