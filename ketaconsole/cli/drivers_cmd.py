"""``ketaconsole drivers [--json]``: the installed drivers and their metadata.

Plugins not on the clinic's allow-list are listed as not allowed and are not imported.
"""

from __future__ import annotations

import argparse
import json

from ketaconsole.security.plugins import clinic_registry


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "drivers", help="list installed device drivers",
        description="List installed device drivers with their metadata.")
    parser.add_argument("--json", action="store_true", help="print a JSON array")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    registry = clinic_registry()
    if args.json:
        rows = []
        for item in registry.installed():
            row = item.driver.info.as_record()
            row.update(status="installed", distribution=item.distribution,
                       version=item.version)
            rows.append(row)
        rows.extend({"slug": b.name, "status": "broken", "distribution": b.distribution,
                     "error": b.error} for b in registry.broken)
        rows.extend({"slug": p.name, "status": "not allowed", "distribution": p.distribution,
                     "version": p.version} for p in registry.not_allowed)
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
    for plugin in registry.not_allowed:
        print(f"{plugin.name:16} NOT ALLOWED: plugin {plugin.distribution} {plugin.version} "
              "is not on the clinic's allow-list ('ketaconsole plugins allow' approves it)")
    return 0
