"""A conversation test helper for driver authors, in the spirit of PyMeasure's
``expected_protocol``: the exact bytes the console must send, what the device answers,
and when.

::

    from ketaconsole.sdk.testing import expected_protocol

    seen = expected_protocol(MyProtocol("pump", settings), [
        (b"VER\\r", b"\\x0200NE1000V3.928\\x03", 0.0),   # connect asks, the pump answers
        (b"RAT\\r", b"\\x0200I52.50MH\\x03", 0.0),
        (b"", b"", 1.0),                                  # a second on: nothing is due
    ])

The protocol connects at the first step's time. For each step, a later time ticks the
protocol at that time; then everything the console has sent since the last step (from
``connect``, ``feed`` and ``tick``) must be exactly ``sent``, and ``answer`` is fed to
it. Anything sent beyond the last step fails the test too: nothing is left unconsumed.
It returns every observation the protocol made, for the test to check.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ketaconsole.observations import Observation

if TYPE_CHECKING:
    from ketaconsole.sdk import DeviceProtocol

Step = tuple[bytes, bytes] | tuple[bytes, bytes, float]
"""(bytes the console must have sent, bytes the device answers[, time])."""


class ConversationError(AssertionError):
    """The console said something the conversation did not expect, or left it short."""


def expected_protocol(protocol: DeviceProtocol, conversation: Sequence[Step], *,
                      connect: bool = True) -> list[Observation]:
    """Run ``protocol`` through ``conversation``; fail on any byte that differs.

    A step without a time happens at the time of the step before it. With
    ``connect=False`` the protocol is not connected first (a listen-only capture).
    """
    seen: list[Observation] = []
    now = _time_of(conversation[0], 0.0) if conversation else 0.0
    pending = protocol.connect(now) if connect else b""
    for number, step in enumerate(conversation, start=1):
        at = _time_of(step, now)
        if at < now:
            raise ValueError(f"step {number} goes back in time ({at} after {now})")
        if at > now:
            out = protocol.tick(at)
            seen.extend(out.observations)
            pending += out.send
            now = at
        sent, answer = step[0], step[1]
        if pending != sent:
            raise ConversationError(
                f"step {number} at {at:g}: the console sent {pending!r} where the "
                f"conversation expects {sent!r}")
        pending = b""
        if answer:
            out = protocol.feed(answer, at)
            seen.extend(out.observations)
            pending = out.send
    if pending:
        raise ConversationError(
            f"after the last step the console sent {pending!r}, which the conversation "
            "does not expect")
    return seen


def _time_of(step: Step, previous: float) -> float:
    return step[2] if len(step) == 3 else previous
