"""What every command shares: the one-line error, ``--set KEY=VALUE`` parsing, JSON lines."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TextIO

from ketaconsole.cli.errors import CliError
from ketaconsole.names import BadText, Field, check_text, printable
from ketaconsole.numbers import NumberError, NumberRange

if TYPE_CHECKING:
    from ketaconsole.sdk import Driver


def parse_sets(pairs: Sequence[str] | None) -> dict[str, str]:
    """``["format=7", "x=1"]`` -> ``{"format": "7", "x": "1"}``, or a clear error."""
    settings: dict[str, str] = {}
    for pair in pairs or ():
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise CliError(f"--set takes KEY=VALUE, not {pair!r}", 2)
        settings[key.strip()] = value
    return settings


def number_option(rule: NumberRange) -> Callable[[str], float]:
    """An argparse ``type`` that refuses what ``rule`` refuses, as a usage error (exit 2)."""
    def parse(text: str) -> float:
        try:
            return rule.parse(text)
        except NumberError:
            raise argparse.ArgumentTypeError(rule.refusal(text)) from None
    parse.__name__ = "number"
    return parse


def text_option(field: Field, what: str | None = None, *,
                required: bool = True) -> Callable[[str], str]:
    """An argparse ``type`` for free text or a name: the one text rule
    (:func:`ketaconsole.names.check_text`), a refusal being a usage error (exit 2)."""
    def parse(text: str) -> str:
        try:
            return check_text(text, field, what=what, required=required)
        except BadText as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
    parse.__name__ = "text"
    return parse


def database_option(text: str) -> str:
    """An argparse ``type`` for ``--db``: a blank URL is a usage error, never the default."""
    if not text.strip():
        raise argparse.ArgumentTypeError(
            "--db needs a database URL, such as sqlite:///record.sqlite3 or "
            "postgresql+psycopg://user@host/ketaconsole; leave --db out to use the default")
    return text.strip()


database_option.__name__ = "database URL"


# The drivers' registry and the SDK load with the first command that needs a driver,
# not with the console window (which finds its drivers after its first paint).


def load_driver(slug: str) -> Driver:
    from ketaconsole.devices.registry import UnknownDriverError
    from ketaconsole.security.plugins import clinic_registry

    try:
        return clinic_registry().get(slug)
    except UnknownDriverError as exc:
        raise CliError(str(exc.args[0]), 2) from None


def resolve_settings(driver: Driver, pairs: Sequence[str] | None) -> dict[str, Any]:
    from ketaconsole.sdk import SettingError

    try:
        return driver.info.resolve_settings(parse_sets(pairs))
    except SettingError as exc:
        raise CliError(str(exc), 2) from None


def silence_stdout() -> None:
    """Point stdout at the null device once its reader has gone, so exit flushes nothing."""
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    with contextlib.suppress(BrokenPipeError):
        sys.stdout.flush()


class EscapingStream:
    """A text stream that shows control and text-direction characters as escapes.

    Every command writes through one of these (stdout and stderr), so a name or note
    holding an escape sequence, a carriage return or a right-to-left override never
    reaches the terminal raw; line breaks between lines pass.
    """

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write("\n".join(printable(line) for line in text.split("\n")))
        return len(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def escape_terminal_output() -> None:
    """Route this process's stdout and stderr through :class:`EscapingStream`."""
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if stream is not None and not isinstance(stream, EscapingStream):
            setattr(sys, name, EscapingStream(stream))


def print_json_line(record: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(record, separators=(",", ":")) + "\n")
