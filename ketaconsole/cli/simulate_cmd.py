"""``ketaconsole simulate DRIVER``: serve a simulated device on a new pty until interrupted."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
from types import FrameType

from ketaconsole.cli.common import CliError, load_driver, number_option, resolve_settings
from ketaconsole.devices.sim_host import host_for
from ketaconsole.sim.virtual_patient import (
    SCENARIO_SPEED,
    SCENARIOS,
    UnknownScenarioError,
    VirtualPatient,
    scenario,
)


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "simulate", help="serve a simulated device on a new pty (or local TCP port)",
        description="Serve a driver's simulated device on a new pseudo-terminal, or on a "
                    "local TCP port for a device reached over the network; prints its path "
                    "or socket:// URL on the first line and runs until interrupted.")
    parser.add_argument("driver", help="driver slug (see 'ketaconsole drivers')")
    parser.add_argument("--scenario", default="normal",
                        help=f"the patient's story: {', '.join(SCENARIOS)}")
    parser.add_argument("--speed", type=number_option(SCENARIO_SPEED), default=1.0,
                        help="scenario time per real second (e.g. 60 runs an hour a minute)")
    parser.add_argument("--set", action="append", metavar="KEY=VALUE",
                        help="a driver setting (repeatable)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    driver = load_driver(args.driver)
    settings = resolve_settings(driver, args.set)
    if driver.create_simulator is None:
        raise CliError(f"driver {args.driver} has no simulator", 2)
    try:
        story = scenario(args.scenario)
    except UnknownScenarioError as exc:
        raise CliError(str(exc.args[0]), 2) from None
    patient = VirtualPatient(story, start=time.time(), speed=args.speed)
    host = host_for(driver.create_simulator(patient, settings))
    stop = threading.Event()

    def finish(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, finish)
    signal.signal(signal.SIGINT, finish)
    with host:
        print(host.address, flush=True)
        print(f"serving {driver.info.title} ({story.name}, x{args.speed:g}); "
              "Ctrl+C to stop", file=sys.stderr, flush=True)
        stop.wait()
    return 0
