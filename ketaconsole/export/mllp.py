"""Sending HL7 messages over MLLP (VT, message, FS CR) and reading the receiver's ACK.

Each message waits for its acknowledgement: MSA-1 ``AA`` or ``CA`` is success, ``AE``
/ ``AR`` (or ``CE`` / ``CR``) is a refusal with the receiver's text. A refusal is not
retried (the same message would be refused again); a connection that fails or an
ACK that does not come within the timeout is retried with doubling back-off, a
bounded number of times, on a new connection.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

START_BLOCK = b"\x0b"
END_BLOCK = b"\x1c\x0d"
ACCEPTED = ("AA", "CA")


class MllpError(RuntimeError):
    """The messages could not be delivered; the text says why, in one sentence."""


class MllpRefused(MllpError):
    """The receiver answered with a negative acknowledgement."""


@dataclass(frozen=True, slots=True)
class MllpTarget:
    host: str
    port: int

    @classmethod
    def parse(cls, text: str) -> MllpTarget:
        """``HOST:PORT`` -> a target, or ``ValueError`` with the form expected."""
        host, sep, port_text = text.rpartition(":")
        if not sep or not host or not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise ValueError(f"--mllp takes HOST:PORT such as 10.0.0.5:2575, not {text!r}")
        return cls(host.strip("[]"), int(port_text))

    def __str__(self) -> str:
        return f"{self.host}:{self.port}"


@dataclass(frozen=True, slots=True)
class MllpPolicy:
    timeout_s: float = 10.0
    """How long to wait for a connection and for each ACK."""
    attempts: int = 3
    first_backoff_s: float = 0.5


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    messages: int
    attempts: int


def frame(message: str) -> bytes:
    return START_BLOCK + message.encode("utf-8") + END_BLOCK


def ack_code(reply: bytes) -> tuple[str, str]:
    """MSA-1 and MSA-3 (text) of an ACK, or ``("", why)`` when there is no MSA segment."""
    text = reply.strip(b"\x0b\x1c\r\n").decode("utf-8", "replace")
    for segment in text.replace("\n", "\r").split("\r"):
        if segment.startswith("MSA"):
            fields = segment.split(segment[3] if len(segment) > 3 else "|")
            code = fields[1] if len(fields) > 1 else ""
            detail = fields[3] if len(fields) > 3 else ""
            return code.strip().upper(), detail
    return "", "the reply has no MSA segment"


def _read_frame(connection: socket.socket, deadline: float) -> bytes:
    buffer = b""
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError
        connection.settimeout(remaining)
        chunk = connection.recv(65536)
        if not chunk:
            raise ConnectionError("the receiver closed the connection before acknowledging")
        buffer += chunk
        end = buffer.find(END_BLOCK)
        if end >= 0:
            start = buffer.find(START_BLOCK)
            return buffer[start + 1 if start >= 0 else 0:end]


def _send_all(target: MllpTarget, messages: list[str], policy: MllpPolicy,
              progress: list[int]) -> None:
    """Send the messages not yet acknowledged on one connection; ``progress[0]`` counts."""
    with socket.create_connection((target.host, target.port),
                                  timeout=policy.timeout_s) as connection:
        for message in messages[progress[0]:]:
            connection.sendall(frame(message))
            reply = _read_frame(connection, time.monotonic() + policy.timeout_s)
            code, detail = ack_code(reply)
            if code not in ACCEPTED:
                why = f": {detail}" if detail else ""
                raise MllpRefused(f"the receiver at {target} refused message "
                                  f"{progress[0] + 1} with "
                                  f"{code or 'no acknowledgement code'}{why}")
            progress[0] += 1


def send(target: MllpTarget, messages: Iterable[str], policy: MllpPolicy = MllpPolicy(), *,
         sleep: Callable[[float], None] = time.sleep) -> DeliveryReport:
    """Deliver every message in order, or raise :class:`MllpError` with the reason."""
    pending = list(messages)
    progress = [0]
    backoff = policy.first_backoff_s
    last_problem = ""
    for attempt in range(1, policy.attempts + 1):
        try:
            _send_all(target, pending, policy, progress)
            return DeliveryReport(progress[0], attempt)
        except MllpRefused:
            raise
        except TimeoutError:
            last_problem = (f"the receiver at {target} did not acknowledge within "
                            f"{policy.timeout_s:g} s")
        except OSError as exc:
            last_problem = (f"the receiver at {target} could not be reached "
                            f"({exc.strerror or exc})")
        if attempt < policy.attempts:
            sleep(backoff)
            backoff *= 2
    raise MllpError(f"{last_problem} after {policy.attempts} attempts "
                    f"({progress[0]} of {len(pending)} messages delivered); check the address "
                    "and that the receiver is running")
