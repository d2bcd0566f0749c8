"""Starts the console window: the demo room or an empty room, the frame clock, screenshots.

The window paints the live monitor first (the room made, its alarms running); the room's
devices, its record and the record's pages follow after that first paint
(:class:`ui.room_opening.RoomOpening`). Only what that first paint needs is imported
before it.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QApplication

from ketaconsole.bedside.room import RoomOptions, RoomStart, clinic_room_start, new_room
from ketaconsole.settings import database_url, demo_database_url
from ketaconsole.station import StationBusy
from ui.launch import fail as _fail
from ui.launch import run_window, window_arguments_problem
from ui.main_window import MainWindow
from ui.room_opening import RoomOpening
from ui.theme import apply_theme
from ui.widgets.screen_fit import keep_place, show_fitted
from ui.widgets.wheel_guard import guard_wheel

if TYPE_CHECKING:
    from ketaconsole.bedside.room import Room
    from ketaconsole.bedside.room_record import RoomRecord
    from ketaconsole.devices.registry import DriverRegistry

EMPTY_ROOM = ("no session: start with --room NAME for a room's devices "
              "(set them up in Devices), or --demo")


def run(args: argparse.Namespace) -> int:
    """Open the console window; returns the process exit code."""
    if args.speed <= 0:
        return _fail("--speed must be more than 0", 2)
    size, page = None, None
    if args.size or args.page:
        from ui.screenshot import CaptureError, check_page, parse_size

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
    guard_wheel(app)
    start = room_start(args)
    room = start.room
    window = MainWindow(room, database_url=(demo_database_url(args.db) if args.demo
                                            else database_url(args.db)),
                        room_name=args.room or "")
    if size is not None:
        window.resize(*size)
    opening = RoomOpening(start, window, _clinic_registry)
    window.first_painted.connect(opening.start)
    busy: list[str] = []

    def station_busy(sentence: str) -> None:
        busy.append(sentence)
        window.close_now()
        app.quit()

    opening.refused.connect(station_busy)
    if page is not None:
        from ui.screenshot import show_page

        window.opened.connect(lambda: show_page(window, page))
    fitted = size is None and not args.screenshot  # a screenshot keeps its stated size
    if fitted:
        show_fitted(window, "bedside")
    else:
        window.show()

    try:
        code = run_window(app, window, args, close=window.close_now,
                          refresh=lambda: window.monitor.refresh(room.engine.clock()),
                          ready=lambda: window.is_open)
    finally:
        if fitted:
            keep_place(window, "bedside")
        room.stop()
        opening.wait_idle()
        app.sendPostedEvents()  # a record that opened meanwhile is let go (the room stopped)
    return _fail(busy[0]) if busy else code


def _clinic_registry() -> DriverRegistry:
    from ketaconsole.security.plugins import clinic_registry

    return clinic_registry()


def room_start(args: argparse.Namespace) -> RoomStart:
    """The demo's room on simulators, a clinic room from its profiles, or an empty one.

    Made (step 1) but not finished: :class:`RoomStart` says how its devices join and its
    record opens.
    """
    if args.demo:
        from ketaconsole.demo.room import demo_start
        from ketaconsole.sim.virtual_patient import scenario

        return demo_start(scenario(args.scenario), speed=args.speed,
                          database_url=demo_database_url(args.db), devices=args.demo_device)
    if args.room:
        return clinic_room_start(args.room, database_url(args.db))
    empty = new_room(RoomOptions(place="console"))

    def no_record() -> RoomRecord:
        from ketaconsole.bedside.room_record import RoomRecord

        return RoomRecord(None, problem=EMPTY_ROOM)

    return RoomStart(empty, lambda registry: empty.add_devices([], registry), no_record)




def open_room(args: argparse.Namespace, registry: DriverRegistry) -> Room:
    """The room the window opens, finished in turn (raises :class:`StationBusy`)."""
    return room_start(args).finish(registry)


__all__ = ["EMPTY_ROOM", "StationBusy", "open_room", "room_start", "run"]
