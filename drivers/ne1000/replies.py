"""The common shape of every NE-1000 reply: address, status letter, then data or an error.

``<address><status>[<data> | ?<error>]``, where the address is two digits, the status
is one of ``I W S P T U X``, and an alarm reply is ``A?`` followed by the alarm type
(``R S T E O``) in place of the status.
"""

from __future__ import annotations

from dataclasses import dataclass

from drivers.ne1000.codes import ALARM_MARK, ALARMS, COMMAND_ERRORS, STATUS_TEXT


class ReplyFormError(ValueError):
    """Reply text that does not have the shape every reply has."""


@dataclass(frozen=True, slots=True)
class Reply:
    """One reply, taken apart."""

    address: int
    status: str | None
    """The status letter, or ``None`` in an alarm reply."""
    alarm: str | None = None
    """The alarm type letter of an alarm reply."""
    error: str | None = None
    """The command error after ``?`` (``""`` for an unrecognised command)."""
    data: str = ""


def parse_reply(text: str) -> Reply:
    """Take a reply packet's text apart, or raise :class:`ReplyFormError`."""
    if len(text) < 3 or not text[:2].isdigit():
        raise ReplyFormError(f"reply {text!r} does not start with a two-digit address")
    address = int(text[:2])
    mark = text[2]
    rest = text[3:]
    if mark == ALARM_MARK:
        if len(rest) != 2 or rest[0] != "?" or rest[1] not in ALARMS:
            raise ReplyFormError(f"alarm reply {text!r} has no known alarm type")
        return Reply(address, None, alarm=rest[1])
    if mark not in STATUS_TEXT:
        raise ReplyFormError(f"reply {text!r} has no known status letter")
    if rest.startswith("?"):
        error = rest[1:]
        if error not in COMMAND_ERRORS:
            raise ReplyFormError(f"reply {text!r} has an unknown command error")
        return Reply(address, mark, error=error)
    return Reply(address, mark, data=rest)


def format_reply(address: int, status: str, data: str = "") -> str:
    """The text of a reply (the simulator's side)."""
    return f"{address:02d}{status}{data}"


def format_alarm(address: int, alarm: str) -> str:
    return f"{address:02d}{ALARM_MARK}?{alarm}"
