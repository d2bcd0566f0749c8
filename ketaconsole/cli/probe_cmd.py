"""``ketaconsole probe DRIVER PORT``: bring a device up and print what it sends, as JSON lines."""

from __future__ import annotations

import argparse
import sys
import threading
from collections import Counter
from dataclasses import replace

import serial

from ketaconsole.cli.common import (
    CliError,
    load_driver,
    number_option,
    print_json_line,
    resolve_settings,
    silence_stdout,
)
from ketaconsole.devices.transport import DeviceLink, LinkTimings, describe_port_error, open_port
from ketaconsole.numbers import NumberRange
from ketaconsole.observations import Observation, ProtocolError

_VALID = ("numeric", "wave", "pump", "identity", "alarm")
LISTEN = NumberRange("--seconds", 0, 86_400, above_low=True, unit="seconds")
BAUD = NumberRange("--baud", 50, 4_000_000, integer=True, unit="baud")


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "probe", help="connect to a device and print what it decodes",
        description="Open a port (any pyserial URL), run the driver's handshake and polls, "
                    "and print the decoded observations as JSON lines.")
    parser.add_argument("driver", help="driver slug (see 'ketaconsole drivers')")
    parser.add_argument("port", help="port or URL: /dev/ttyUSB0, COM3, socket://host:4001, "
                                         "or sim://SLUG for the driver's simulator")
    parser.add_argument("--seconds", type=number_option(LISTEN), default=5.0,
                        help="how long to listen")
    parser.add_argument("--baud", type=number_option(BAUD), metavar="RATE",
                        help="line speed when the device is not set to the driver's default")
    parser.add_argument("--set", action="append", metavar="KEY=VALUE",
                        help="a driver setting (repeatable)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    driver = load_driver(args.driver)
    settings = resolve_settings(driver, args.set)
    line = driver.info.line
    if args.baud is not None:
        line = replace(line, baudrate=int(args.baud))
    try:
        open_port(args.port, line, 0.05).close()
    except serial.SerialException as exc:
        raise CliError(describe_port_error(args.port, exc)) from None

    seen: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    received = 0
    lock = threading.Lock()
    reader_gone = threading.Event()

    def show(observations: list[Observation]) -> None:
        with lock:
            for observation in observations:
                if reader_gone.is_set():
                    return
                record = observation.as_record()
                seen[record["kind"]] += 1
                if isinstance(observation, ProtocolError):
                    errors[observation.error] += 1
                try:
                    print_json_line(record)
                    sys.stdout.flush()
                except BrokenPipeError:  # the reader (head, less) stopped listening
                    reader_gone.set()

    def count(_device: str, direction: object, _at: float, data: bytes) -> None:
        nonlocal received
        if getattr(direction, "value", "") == "rx":
            received += len(data)

    link = DeviceLink(driver, args.driver, args.port, settings, show, journal=count, line=line,
                      timings=LinkTimings(no_data_after_s=max(args.seconds, 5.0)))
    link.start()
    try:
        reader_gone.wait(args.seconds)
    except KeyboardInterrupt:
        pass
    finally:
        link.stop()
    if reader_gone.is_set():
        silence_stdout()
        return 0
    valid = sum(seen[k] for k in _VALID)
    if valid:
        return 0
    raise CliError(_why_nothing(received, errors, args.port, line.baudrate))


def _why_nothing(received: int, errors: Counter[str], port: str, baud: int) -> str:
    if received == 0:
        return (f"no data arrived on {port}; check that the device is on, its serial "
                "output is enabled and the cable is right")
    if errors.get("checksum"):
        return (f"{errors['checksum']} frames failed their checksum and nothing decoded; "
                f"check the line settings (this driver expects {baud} baud)")
    if errors:
        detail = ", ".join(f"{n} {kind}" for kind, n in errors.items())
        return (f"{received} bytes arrived but none decoded ({detail} errors); wrong baud "
                f"rate suspected: this driver expects {baud} baud")
    return (f"{received} bytes arrived but none decoded; check that this is the right "
            "driver for the device")

