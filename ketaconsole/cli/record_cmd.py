"""``ketaconsole record``: run a session headless, recording every device until stopped.

Prints the session number on its first line. If this console left a session open (a
crash or power cut), that session is reopened with a gap on its timeline and recording
carries on into it. Stops after ``--minutes`` or on SIGINT / SIGTERM, closing the session.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from types import FrameType

import serial

from ketaconsole.cli.common import CliError, load_driver, name_option, number_option
from ketaconsole.cli.record_common import add_db_option, open_record
from ketaconsole.dose import WEIGHT_KG
from ketaconsole.engine import Engine
from ketaconsole.numbers import NumberRange, echo
from ketaconsole.sdk import Driver
from ketaconsole.store import Database, DeviceUse, SessionPlan, SessionService
from ketaconsole.transport import DeviceLink, describe_port_error, open_port

RECORD_MINUTES = NumberRange("--minutes", 0, 24 * 60, above_low=True, unit="minutes")
WEIGHT = NumberRange("--weight", *WEIGHT_KG, unit="kg")


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "record", help="record a session headless from the given devices",
        description="Run a session without the window: read each device through its driver "
                    "and record everything. Prints the session number first. Resumes this "
                    "console's unfinished session after a crash.")
    parser.add_argument("--device", action="append", metavar="SLUG=PORT", required=True,
                        help="a device: driver slug and port, e.g. masimo-ascii=/dev/ttyUSB0 "
                             "(repeatable)")
    parser.add_argument("--patient", default="Unnamed patient", help="patient's name",
                        type=name_option("the patient's name"))
    parser.add_argument("--weight", type=number_option(WEIGHT), metavar="KG",
                        help="patient's weight in kg")
    parser.add_argument("--minutes", type=number_option(RECORD_MINUTES), metavar="N",
                        help="stop after N minutes (default: run until interrupted)")
    add_db_option(parser)
    parser.set_defaults(handler=run)


def _devices(pairs: list[str]) -> list[tuple[Driver, DeviceUse]]:
    found: list[tuple[Driver, DeviceUse]] = []
    taken: set[str] = set()
    ports: set[str] = set()
    for pair in pairs:
        slug, sep, port = pair.partition("=")
        if not sep or not slug.strip() or not port.strip():
            raise CliError(f"--device takes SLUG=PORT (e.g. masimo-ascii=/dev/ttyUSB0), "
                           f"not {pair!r}", 2)
        slug, port = slug.strip(), port.strip()
        if port in ports:
            raise CliError(f"port {echo(port)} is given to two --device options; each "
                           "device needs a port of its own", 2)
        ports.add(port)
        driver = load_driver(slug)
        device_id, n = slug, 1
        while device_id in taken:
            n += 1
            device_id = f"{slug}-{n}"
        taken.add(device_id)
        settings = driver.info.resolve_settings({})
        found.append((driver, DeviceUse(device_id, slug, port, settings,
                                        driver.info.line.as_record())))
    return found


def run(args: argparse.Namespace) -> int:
    devices = _devices(args.device)
    for driver, use in devices:
        try:
            open_port(use.port, driver.info.line, 0.05).close()
        except serial.SerialException as exc:
            raise CliError(describe_port_error(use.port, exc)) from None

    database = open_record(args)
    stop = threading.Event()

    def finish(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, finish) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        return _record(args, database, devices, stop)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _record(args: argparse.Namespace, database: Database,
            devices: list[tuple[Driver, DeviceUse]], stop: threading.Event) -> int:
    def fault(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    plan = SessionPlan(patient_name=args.patient, weight_kg=args.weight)
    service = SessionService.begin(database, plan, [use for _, use in devices],
                                   on_fault=fault, on_recovered=fault)
    print(service.session_id, flush=True)
    how = "resumed after a gap" if service.resumed else "started"
    print(f"session {service.session_id} {how}; recording {len(devices)} device(s); "
          "Ctrl+C to stop", file=sys.stderr, flush=True)
    engine = Engine()
    service.recorder.attach(engine)
    links = [DeviceLink(driver, use.device_id, use.port, use.settings, engine.ingest,
                        journal=service.recorder.journal) for driver, use in devices]
    for link in links:
        link.start()
    try:
        stop.wait(args.minutes * 60 if args.minutes is not None else None)
    finally:
        for link in links:
            link.stop()
        written = service.close()
        database.dispose()
    if not written:
        raise CliError(f"session {service.session_id} was closed but part of its record could "
                       "not be written; check the database and run 'ketaconsole verify'")
    return 0
