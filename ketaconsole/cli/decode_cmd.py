"""``ketaconsole decode DRIVER FILE``: a raw capture of what a device sent, as JSON lines.

The capture is fed in chunks on the line's clock, with the driver ticked between
them (:func:`ketaconsole.sdk.decode_capture`), as the live link would.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ketaconsole.cli.common import CliError, load_driver, print_json_line, resolve_settings
from ketaconsole.devices.transport import line_for
from ketaconsole.sdk import decode_capture


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "decode", help="decode a raw device capture to JSON lines",
        description="Decode a raw capture of what a device sent; one JSON object per "
                    "observation per line.")
    parser.add_argument("driver", help="driver slug (see 'ketaconsole drivers')")
    parser.add_argument("file", type=Path, help="file holding the bytes the device sent")
    parser.add_argument("--set", action="append", metavar="KEY=VALUE",
                        help="a driver setting (repeatable)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    driver = load_driver(args.driver)
    settings = resolve_settings(driver, args.set)
    path: Path = args.file
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise CliError(f"capture file {path} does not exist; check the path", 2) from None
    except IsADirectoryError:
        raise CliError(f"{path} is a folder; give the capture file itself", 2) from None
    except OSError as exc:
        raise CliError(f"capture file {path} cannot be read ({exc.strerror})", 2) from None
    protocol = driver.create_protocol(path.name, settings)
    line = line_for(driver.info.line, settings)
    for observation in decode_capture(protocol, data, line.bytes_per_second()):
        record = observation.as_record()
        record.pop("received_at", None)
        print_json_line(record)
    return 0
