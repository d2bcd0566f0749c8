"""What went wrong on a line, typed: one :class:`Fault` and the :class:`ErrorKind` enum.

Every driver reports bad input as data (a :class:`~ketaconsole.observations.ProtocolError`
observation), never as an exception. A framer returns a :class:`Fault` where bytes did not
make a frame; a protocol reports it, or any other trouble, with
:meth:`~ketaconsole.sdk.DeviceProtocol.error` and a kind from :class:`ErrorKind`. The
kinds are strings too (``ErrorKind.CHECKSUM == "checksum"``), as stored and exported.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from ketaconsole.observations import ProtocolError


class ErrorKind(StrEnum):
    """The kinds of protocol error a driver reports."""

    SYNC = "sync"
    """Bytes before a frame start, or a frame in the wrong place: skipped."""
    FRAMING = "framing"
    """Bytes that do not have a frame's form (length, delimiters, layout)."""
    CHECKSUM = "checksum"
    """A frame whose checksum or CRC does not match: none of its values are used."""
    VALUE = "value"
    """A value outside what the device can measure, or that answers no question."""
    TIMEOUT = "timeout"
    """No answer in time."""
    NO_REPLY = "no-reply"
    """The device never answered a command and sent nothing."""
    REFUSED = "refused"
    """The device refused a request (NAK, an error reply)."""
    COMMAND_REFUSED = "command-refused"
    """The device refused a control command."""
    CONTROL_DISABLED = "control-disabled"
    """A control command was not sent because control is off for the device."""
    UNEXPECTED = "unexpected"
    """A reply that came with no question outstanding."""
    ADDRESS = "address"
    """A reply from another device on the same line."""
    ASSOCIATION = "association"
    """The device refused or dropped the connection it was asked for."""
    NOT_SENT = "not-sent"
    """Commands queued while the device was not connected."""
    FORMAT = "format"
    """A whole frame whose message cannot be read."""
    REMOTE = "remote"
    """The device could not carry out a request (its own error reply)."""
    UNIT = "unit"
    """A value in a unit that does not convert to the catalogue's."""
    IDENTITY = "identity"
    """The device on the line is not the one it was a moment ago."""


@dataclass(frozen=True, slots=True)
class Fault:
    """Bytes that did not make a frame, and why, in one sentence."""

    kind: ErrorKind
    detail: str

    def report(self, device_id: str, now: float) -> ProtocolError:
        """This fault as the protocol-error observation of ``device_id`` at ``now``."""
        return ProtocolError(device_id, self.kind, self.detail, now)
