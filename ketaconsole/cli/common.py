"""What every command shares: the one-line error, ``--set KEY=VALUE`` parsing, JSON lines."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import Any

from ketaconsole.cli.errors import CliError
from ketaconsole.registry import UnknownDriverError
from ketaconsole.sdk import Driver, SettingError
from ketaconsole.security.plugins import clinic_registry


def parse_sets(pairs: Sequence[str] | None) -> dict[str, str]:
    """``["format=7", "x=1"]`` -> ``{"format": "7", "x": "1"}``, or a clear error."""
    settings: dict[str, str] = {}
    for pair in pairs or ():
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise CliError(f"--set takes KEY=VALUE, not {pair!r}", 2)
        settings[key.strip()] = value
    return settings


def load_driver(slug: str) -> Driver:
    try:
        return clinic_registry().get(slug)
    except UnknownDriverError as exc:
        raise CliError(str(exc.args[0]), 2) from None


def resolve_settings(driver: Driver, pairs: Sequence[str] | None) -> dict[str, Any]:
    try:
        return driver.info.resolve_settings(parse_sets(pairs))
    except SettingError as exc:
        raise CliError(str(exc), 2) from None


def print_json_line(record: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(record, separators=(",", ":")) + "\n")
