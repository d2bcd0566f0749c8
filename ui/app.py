"""Starts the console window: the demo room or an empty room, the frame clock, screenshots."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from ketaconsole.bedside import BedsideSession
from ketaconsole.sdk import DeviceKind
from ketaconsole.settings import database_url, demo_database_url
from ketaconsole.virtual_patient import scenario
from ui.display_check import display_problem
from ui.main_window import MainWindow
from ui.monitor_screen import RoomLayout
from ui.theme import apply_theme

DEFAULT_SCREENSHOT_DELAY_S = 3.0


def _fail(message: str, code: int = 1) -> int:
    print(f"ketaconsole: {message}", file=sys.stderr)
    return code


def room_layout(bedside: BedsideSession) -> RoomLayout:
    """What the monitor screen shows for this bedside's patient, plan and devices."""
    room = bedside.room
    if room is None:
        pumps = [(device_id, label) for device_id, label, kind in bedside.devices
                 if kind is DeviceKind.PUMP]
        return RoomLayout(patient=bedside.patient, plan=bedside.plan,
                          devices=[(d, label) for d, label, _ in bedside.devices], pumps=pumps)
    devices = [(d.spec.device_id, f"{d.spec.label} ({d.driver.info.slug})")
               for d in room.devices]
    pumps = [(d.spec.device_id, f"{d.spec.label} \u00b7 {d.driver.info.models[0]}")
             for d in room.devices if d.spec.device_id in room.pump_ids()]
    return RoomLayout(patient=bedside.patient, plan=bedside.plan, devices=devices,
                      pumps=pumps, simulated=True, notes=bedside.notes)


def run(args: argparse.Namespace) -> int:
    """Open the console window; returns the process exit code."""
    screenshot = Path(args.screenshot) if args.screenshot else None
    if screenshot is not None and not screenshot.parent.resolve().is_dir():
        return _fail(f"cannot save the screenshot: folder {screenshot.parent} does not "
                     "exist; create it or choose another path", 2)
    if args.quit_after is not None and args.quit_after <= 0:
        return _fail("--quit-after must be more than 0 seconds", 2)
    if args.speed <= 0:
        return _fail("--speed must be more than 0", 2)
    problem = display_problem()
    if problem:
        return _fail(problem)

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("KetaConsole")
    apply_theme(app)
    if args.demo:
        bedside = BedsideSession.demo(scenario(args.scenario), speed=args.speed,
                                      database_url=demo_database_url(args.db),
                                      devices=args.demo_device)
    elif args.room:
        bedside = BedsideSession.for_room(args.room, database_url=database_url(args.db))
    else:
        bedside = BedsideSession.empty()
    window = MainWindow(bedside, room_layout(bedside),
                        database_url=(demo_database_url(args.db) if args.demo
                                      else database_url(args.db)),
                        room_name=args.room or "")
    window.show()

    outcome = {"code": 0}

    def finish() -> None:
        if screenshot is not None:
            window.monitor.refresh(bedside.engine.clock())
            if not window.grab().save(str(screenshot), "PNG"):
                print(f"ketaconsole: could not write the screenshot to {screenshot}; check "
                      "that the folder is writable and has space", file=sys.stderr)
                outcome["code"] = 1
        window.close()
        app.quit()

    if screenshot is not None or args.quit_after is not None:
        delay = args.quit_after if args.quit_after is not None else DEFAULT_SCREENSHOT_DELAY_S
        QTimer.singleShot(int(delay * 1000), finish)
    try:
        app.exec()
    finally:
        bedside.stop()
    return outcome["code"]
