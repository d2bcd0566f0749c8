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

:func:`mutation_report` damages a capture (bit flips, dropped and doubled bytes, cut
frames, junk, restarts: :data:`DAMAGE_CLASSES`) many times and reports every value a
decode of the damaged bytes gives that the clean capture does not: a driver must
never invent a number.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ketaconsole.observations import Numeric, Observation, PumpStatus
from ketaconsole.sdk.capture import decode_capture

if TYPE_CHECKING:
    from ketaconsole.sdk import DeviceProtocol, Driver

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


# -- damaged captures ---------------------------------------------------------------------

DAMAGE_CLASSES: tuple[str, ...] = ("bit-flip", "drop", "double", "cut", "junk", "restart")
"""What a line does to bytes: flips a bit, loses a run of bytes, repeats one, cuts a
frame off mid-way (the rest of the frame lost up to a later point), lets junk in, or the
device restarts (its stream begins again mid-way through a frame)."""

Value = tuple[str, str, object]
"""(device, what, value): one number a decode reported."""


@dataclass(slots=True)
class DamageResult:
    """How one damage class went: runs, runs that gave a value the device never sent,
    runs that raised, and a few of the invented values."""

    damage: str
    runs: int = 0
    invented_runs: int = 0
    exceptions: int = 0
    examples: list[str] = field(default_factory=list)


@dataclass(slots=True)
class MutationReport:
    """What :func:`mutation_report` found for one driver and its settings."""

    driver: str
    capture_bytes: int
    clean_values: int
    results: dict[str, DamageResult]

    @property
    def invented(self) -> int:
        """Runs, over every damage class, that gave a value the device never sent."""
        return sum(r.invented_runs for r in self.results.values())

    @property
    def exceptions(self) -> int:
        return sum(r.exceptions for r in self.results.values())

    def summary(self) -> str:
        """One line per damage class, for a test's failure message or a report."""
        lines = [f"{self.driver}: {self.capture_bytes} bytes, {self.clean_values} values clean"]
        for r in self.results.values():
            lines.append(f"  {r.damage:9} {r.runs:5} runs, {r.invented_runs} invented, "
                         f"{r.exceptions} raised" + (f" e.g. {r.examples[0]}" if r.examples
                                                     else ""))
        return "\n".join(lines)


def reported_values(observations: Iterable[Observation]) -> set[Value]:
    """Every number ``observations`` report: numerics and pump-status quantities."""
    found: set[Value] = set()
    for o in observations:
        if isinstance(o, Numeric) and o.value is not None:
            found.add((o.device_id, o.metric, o.value))
        elif isinstance(o, PumpStatus):
            for name in ("rate_ml_h", "volume_infused_ml", "vtbi_ml", "concentration_mg_ml",
                         "pressure"):
                value = getattr(o, name)
                if value is not None:
                    found.add((o.device_id, name, value))
    return found


def damage(data: bytes, kind: str, rng: random.Random) -> bytes:
    """``data`` with one damage of ``kind`` (one of :data:`DAMAGE_CLASSES`) at a random place."""
    if not data:
        return data
    out = bytearray(data)
    at = rng.randrange(len(out))
    if kind == "bit-flip":
        out[at] ^= 1 << rng.randrange(8)
    elif kind == "drop":
        del out[at:at + rng.randint(1, 64)]
    elif kind == "double":
        out[at:at] = out[at:at + rng.randint(1, 8)]
    elif kind == "cut":
        del out[at:at + rng.randint(1, max(1, len(out) // 8))]
    elif kind == "junk":
        out[at:at] = rng.randbytes(rng.randint(1, 32))
    elif kind == "restart":
        out[at:at] = data[:rng.randint(1, max(1, min(len(data), 512)))]
    else:
        raise ValueError(f"unknown damage {kind!r}; choose from {', '.join(DAMAGE_CLASSES)}")
    return bytes(out)


def mutation_report(driver: Driver, *, settings: Mapping[str, Any] | None = None,
                    runs: int = 200, classes: Sequence[str] = DAMAGE_CLASSES,
                    capture: bytes | None = None, seconds: float = 30.0,
                    max_bytes: int = 12_000, seed: int = 0) -> MutationReport:
    """Damage a capture of what ``driver``'s device sends ``runs`` times per damage class
    and decode each copy, as ``ketaconsole decode`` does: report every run that yields a
    value the clean capture does not (an invented value) or raises.

    The capture is the driver's own simulator talking to its protocol for ``seconds``
    (or ``capture``, bytes a real device sent). A lost value is safe; a new one is not.
    A protocol without a checksum cannot tell a flipped digit from a real one: leave
    ``bit-flip`` out of ``classes`` for it and say so in its docs.

    ::

        report = mutation_report(DRIVER, runs=500)
        assert report.invented == 0 and report.exceptions == 0, report.summary()
    """
    from ketaconsole.devices.sim_loop import converse

    resolved = driver.info.resolve_settings({}) if settings is None else dict(settings)
    if capture is None:
        capture = bytes(converse(driver, seconds, settings=resolved,
                                 max_bytes=max_bytes).received)
    rate = driver.info.line.bytes_per_second()

    def decode(data: bytes) -> set[Value]:
        protocol = driver.create_protocol("dev", resolved)
        return reported_values(decode_capture(protocol, data, rate))

    clean = decode(capture)
    rng = random.Random(seed)
    results: dict[str, DamageResult] = {}
    for kind in classes:
        result = results[kind] = DamageResult(kind)
        for _ in range(runs):
            result.runs += 1
            damaged = damage(capture, kind, rng)
            try:
                new = decode(damaged) - clean
            except Exception as exc:  # the report counts it: a driver must never raise
                result.exceptions += 1
                if len(result.examples) < 3:
                    result.examples.append(f"raised {exc!r}")
                continue
            if new:
                result.invented_runs += 1
                if len(result.examples) < 3:
                    shown = sorted(new, key=str)[:3]
                    result.examples.append(", ".join(f"{what}={value}" for _, what, value in shown))
    return MutationReport(driver.info.slug, len(capture), len(clean), results)
