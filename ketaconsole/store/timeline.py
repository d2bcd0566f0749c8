"""The timeline's hash chain: canonical form of an event, its hash, and checking a chain.

Each event's hash is SHA-256 over a canonical JSON serialisation (sorted keys, no
spaces, UTF-8) of the session id, sequence number, time, kind, author, payload, the
event it corrects and the previous event's hash. Changing any stored field, removing
an event or reordering events breaks the chain at that event.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

GENESIS_HASH = "0" * 64
"""What the first event of a session carries as its previous hash."""
SYSTEM_AUTHOR = "console"
"""The author of what the console records by itself (links, seals, gaps, losses)."""


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """A timeline event as committed: what happened, its place in the chain and its hash."""

    session_id: int
    seq: int
    at: float
    kind: str
    author: str
    payload: dict[str, Any]
    corrects: int | None
    prev_hash: str
    hash: str

    def as_record(self) -> dict[str, Any]:
        return {"session": self.session_id, "seq": self.seq, "at": self.at,
                "time": format_time(self.at), "kind": self.kind, "author": self.author,
                "payload": self.payload, "corrects": self.corrects,
                "prev_hash": self.prev_hash, "hash": self.hash}


def format_time(at: float) -> str:
    """An event time as the record prints it: ISO 8601 in UTC, to the millisecond."""
    moment = datetime.fromtimestamp(at, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def canonical_payload(payload: dict[str, Any]) -> dict[str, Any]:
    """The payload as it will read back from a JSON column (so the hash survives storage)."""
    loaded: dict[str, Any] = json.loads(json.dumps(payload, allow_nan=False))
    return loaded


def canonical_bytes(session_id: int, seq: int, at: float, kind: str, author: str,
                    payload: dict[str, Any], corrects: int | None, prev_hash: str) -> bytes:
    fields = {"session": session_id, "seq": seq, "at": repr(float(at)), "kind": kind,
              "author": author, "payload": payload, "corrects": corrects, "prev": prev_hash}
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8")


def event_hash(session_id: int, seq: int, at: float, kind: str, author: str,
               payload: dict[str, Any], corrects: int | None, prev_hash: str) -> str:
    data = canonical_bytes(session_id, seq, at, kind, author, payload, corrects, prev_hash)
    return hashlib.sha256(data).hexdigest()


def chain_event(session_id: int, seq: int, at: float, kind: str, author: str,
                payload: dict[str, Any], corrects: int | None, prev_hash: str) -> StoredEvent:
    """The next event of a chain, with its hash computed."""
    payload = canonical_payload(payload)
    digest = event_hash(session_id, seq, at, kind, author, payload, corrects, prev_hash)
    return StoredEvent(session_id, seq, at, kind, author, payload, corrects, prev_hash, digest)


@dataclass(frozen=True, slots=True)
class ChainBreak:
    """The first place where a stored chain does not hold, and what is wrong there."""

    seq: int
    kind: str
    at: float
    problem: str

    def describe(self) -> str:
        return (f"the record was altered at event {self.seq} ({self.kind}, "
                f"{format_time(self.at)}): {self.problem}")


def first_break(events: Iterable[StoredEvent]) -> ChainBreak | None:
    """Recompute the chain in sequence order; the first broken link, or ``None`` if intact."""
    expected_seq = 1
    prev_hash = GENESIS_HASH
    for event in events:
        if event.seq != expected_seq:
            return ChainBreak(event.seq, event.kind, event.at,
                              f"events {expected_seq} to {event.seq - 1} are missing")
        if event.prev_hash != prev_hash:
            return ChainBreak(event.seq, event.kind, event.at,
                              "it does not point at the event before it")
        digest = event_hash(event.session_id, event.seq, event.at, event.kind, event.author,
                            event.payload, event.corrects, event.prev_hash)
        if digest != event.hash:
            return ChainBreak(event.seq, event.kind, event.at,
                              "its content does not match its hash")
        prev_hash = event.hash
        expected_seq += 1
    return None
