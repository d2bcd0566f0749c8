"""``ketaconsole drivers [--json]``: the installed drivers and their metadata."""

from __future__ import annotations

import argparse
import json

from ketaconsole.registry import DriverRegistry


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "drivers", help="list installed device drivers",
        description="List installed device drivers with their metadata.")
    parser.add_argument("--json", action="store_true", help="print a JSON array")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    registry = DriverRegistry.discover()
    if args.json:
        rows = []
        for item in registry.installed():
            row = item.driver.info.as_record()
            row.update(status="installed", distribution=item.distribution,
                       version=item.version)
            rows.append(row)
        rows.extend({"slug": b.name, "status": "broken", "distribution": b.distribution,
                     "error": b.error} for b in registry.broken)
        print(json.dumps(rows, indent=2))
        return 0
    for item in registry.installed():
        info = item.driver.info
        protocol = "published protocol" if info.published else "reverse-engineered protocol"
        print(f"{info.slug:16} {info.title}")
        print(f"{'':16} {info.vendor}: {', '.join(info.models)}; {info.kind.value}; "
              f"{info.line.describe()}; {protocol}")
        if info.settings:
            keys = ", ".join(f"{f.key}={f.default}" for f in info.settings)
            print(f"{'':16} settings: {keys}")
    for broken in registry.broken:
        print(f"{broken.name:16} BROKEN: {broken.error}")
    return 0
