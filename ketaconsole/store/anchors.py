"""Chain-head anchors: a second, append-only copy of where each chain ended, outside the database.

Someone with write access to the database can delete the last events and measurements
of a session (or of the audit trail) and the shortened chain still holds. So at each
commit the console appends the chain's head (sequence number, hash, time) to a log in
its data folder (``anchors/<record>/<chain>.log``, one file per session and one for
the audit trail), and fsyncs it; it never reads these files back to record. ``verify``
compares the database with them: a chain that ends before an anchored event, or an
anchored event whose hash is not the stored one, is named in one sentence.

A clinic that wants more keeps a key outside the database (``anchor.key`` in the data
folder, or the file named by ``KETACONSOLE_ANCHOR_KEY``, readable by the console's own
account only): each anchor line then carries an HMAC-SHA256 under that key, so an
anchor log rewritten without the key is found out, and a chain recomputed after an edit
no longer matches its anchors.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import hmac
import json
import os
import stat
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

try:
    import fcntl
except ImportError:  # Windows: one console process per data folder
    fcntl = None  # type: ignore[assignment]

from sqlalchemy.engine import make_url

from ketaconsole.store.timeline import format_time

KEY_ENV = "KETACONSOLE_ANCHOR_KEY"
LOSS_NOTES = "losses.log"
LOSS_RESERVE = 4096
"""Bytes of the loss notes set aside in advance (a note is about 400 bytes)."""
KEY_FILE = "anchor.key"
AUDIT_CHAIN = "audit"


class AnchorKeyError(RuntimeError):
    """The anchor key cannot be used (its permissions let others read it, or it is empty)."""


def session_chain(session_id: int) -> str:
    return f"session-{session_id}"


def record_identity(url: str) -> str:
    """A short name for one record database, the same for every connection to it."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        where = str(Path(parsed.database or ":memory:").resolve())
        name = f"sqlite:{where}"
    else:
        name = (f"{parsed.get_backend_name()}:{parsed.host or ''}:{parsed.port or ''}/"
                f"{parsed.database or ''}")
    return hashlib.sha256(name.encode("utf-8")).hexdigest()[:16]


def read_key(path: Path) -> bytes | None:
    """The HMAC key in ``path``, ``None`` if there is no such file."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return None
    if info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise AnchorKeyError(f"the anchor key {path} can be read by other accounts; make it "
                             f"readable by the console's account only (chmod 600 {path})")
    key = path.read_bytes().strip()
    if not key:
        raise AnchorKeyError(f"the anchor key {path} is empty; write a long random secret "
                             "into it or remove it")
    return key


@dataclass(frozen=True, slots=True)
class Anchor:
    """One line of an anchor log: the chain had ``seq`` events ending in ``head`` at ``at``."""

    line: int
    seq: int
    head: str
    at: float
    mac: str


@dataclass(frozen=True, slots=True)
class AnchorProblem:
    sentence: str

    def describe(self) -> str:
        return self.sentence


class AnchorLog:
    """The anchor logs of one record database."""

    def __init__(self, folder: Path, record: str, key: bytes | None = None) -> None:
        self.folder = folder / record
        self.record = record
        self.key = key
        self._lock = threading.Lock()

    @classmethod
    def for_database(cls, url: str, home: Path) -> AnchorLog:
        configured = os.environ.get(KEY_ENV)
        key = read_key(Path(configured) if configured else home / KEY_FILE)
        return cls(home / "anchors", record_identity(url), key)

    def path(self, chain: str) -> Path:
        return self.folder / f"{chain}.log"

    def _mac(self, chain: str, seq: int, head: str, at: float) -> str:
        if self.key is None:
            return "-"
        message = f"{self.record}|{chain}|{seq}|{head}|{at!r}".encode()
        return hmac.new(self.key, message, hashlib.sha256).hexdigest()

    def append(self, chain: str, seq: int, head: str, at: float) -> None:
        """Append one anchor and force it to disk (raises ``OSError`` if it cannot)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        line = f"{seq} {head} {at!r} {self._mac(chain, seq, head, at)}\n".encode("ascii")
        with self._lock:
            descriptor = os.open(self.path(chain), os.O_WRONLY | os.O_APPEND | os.O_CREAT,
                                 0o600)
            try:
                with _locked(descriptor):
                    _write_whole(descriptor, os.fstat(descriptor).st_size, line)
                    os.fsync(descriptor)
            finally:
                os.close(descriptor)

    # -- losses noted outside the database -----------------------------------------------

    @property
    def loss_notes(self) -> Path:
        return self.folder / LOSS_NOTES

    def reserve_loss_notes(self) -> None:
        """Make sure the loss notes have room set aside that needs no new disk space.

        The file ends in at least :data:`LOSS_RESERVE` zero bytes, written and forced to
        disk while there is space, so that :meth:`note_loss` overwrites blocks the file
        already owns when the volume has since filled up.
        """
        with self._lock:
            self.folder.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(self.loss_notes, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                with _locked(descriptor):
                    size = os.fstat(descriptor).st_size
                    free = size - _used(descriptor, size)
                    if free >= LOSS_RESERVE // 2:
                        return
                    os.lseek(descriptor, size, os.SEEK_SET)
                    _write_whole(descriptor, size, bytes(LOSS_RESERVE))
                    os.fsync(descriptor)
            finally:
                os.close(descriptor)

    def note_loss(self, chain: str, loss: dict[str, Any]) -> str:
        """Keep what a stopping console could not write, for ``verify`` and the next start.

        The note goes into the room :meth:`reserve_loss_notes` set aside (beyond it, at
        the end of the file) and is forced to disk; raises ``OSError`` if it cannot be.
        Returns the note's id, which the ``record_loss`` event made of it carries.
        """
        noted = uuid.uuid4().hex[:16]
        line = (json.dumps({**loss, "chain": chain, "noted": noted}, sort_keys=True,
                           ensure_ascii=True) + "\n").encode("ascii")
        with self._lock:
            self.folder.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(self.loss_notes, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                with _locked(descriptor):
                    size = os.fstat(descriptor).st_size
                    end = _used(descriptor, size)
                    if end and _byte_at(descriptor, end - 1) != b"\n":
                        line = b"\n" + line  # after a note cut short, on its own line
                    os.lseek(descriptor, end, os.SEEK_SET)
                    _write_whole(descriptor, size, line)
                    os.fsync(descriptor)
            finally:
                os.close(descriptor)
        return noted

    def losses(self, chain: str) -> list[dict[str, Any]]:
        """Every loss noted for a chain, oldest first, each with its ``noted`` id."""
        found = []
        for line in self._note_lines():
            with contextlib.suppress(ValueError):
                note = json.loads(line)
                if isinstance(note, dict) and note.pop("chain", None) == chain:
                    found.append(note)
        # Notes of an earlier version, one file per chain.
        with contextlib.suppress(OSError):
            for line in (self.folder / f"{chain}.lost").read_bytes().splitlines():
                with contextlib.suppress(ValueError):
                    note = json.loads(line)
                    if isinstance(note, dict):
                        note["noted"] = hashlib.sha256(line).hexdigest()[:16]
                        found.append(note)
        return found

    def _note_lines(self) -> list[bytes]:
        try:
            text = self.loss_notes.read_bytes()
        except OSError:
            return []
        return text.split(b"\0", 1)[0].splitlines()

    def read(self, chain: str) -> list[Anchor]:
        try:
            text = self.path(chain).read_text("ascii", errors="replace")
        except FileNotFoundError:
            return []
        anchors = []
        for number, line in enumerate(text.splitlines(), start=1):
            parts = line.split(" ")
            if len(parts) != 4:
                # A line cut short by a power loss is the one thing an append can leave.
                anchors.append(Anchor(number, -1, "", 0.0, ""))
                continue
            with contextlib.suppress(ValueError):
                anchors.append(Anchor(number, int(parts[0]), parts[1], float(parts[2]),
                                      parts[3]))
                continue
            anchors.append(Anchor(number, -1, "", 0.0, ""))
        return anchors

    def check(self, chain: str, what: str, hashes: dict[int, str], *,
              item: str = "event") -> AnchorProblem | None:
        """Compare a chain as stored (``seq -> hash``) with its anchors; ``None``: they agree.

        ``what`` names the chain in the sentence ("the record", "the audit trail") and
        ``item`` one of its links ("event", "entry").
        """
        anchors = self.read(chain)
        last_seq = max(hashes, default=0)
        for anchor in anchors:
            if anchor.seq < 0:
                if anchor is anchors[-1]:
                    continue
                return AnchorProblem(f"line {anchor.line} of the anchor log of {what} is "
                                     "damaged; the log was edited")
            if self.key is not None and not hmac.compare_digest(
                    anchor.mac, self._mac(chain, anchor.seq, anchor.head, anchor.at)):
                return AnchorProblem(f"line {anchor.line} of the anchor log of {what} does "
                                     "not carry a valid HMAC under the anchor key; the log "
                                     "was rewritten")
        valid = [a for a in anchors if a.seq >= 0]
        if not valid:
            return None
        furthest = max(valid, key=lambda a: a.seq)
        if furthest.seq > last_seq:
            return AnchorProblem(f"{what} ends at {item} {last_seq}; the anchor log saw "
                                 f"{furthest.seq} at {format_time(furthest.at)}, so events "
                                 "were removed from its end")
        for anchor in valid:
            if hashes.get(anchor.seq) != anchor.head:
                return AnchorProblem(f"{item} {anchor.seq} of {what} is not the {item} the "
                                     f"anchor log saw at {format_time(anchor.at)}; the chain "
                                     "was rewritten after an edit")
        return None


@contextlib.contextmanager
def _locked(descriptor: int) -> Iterator[None]:
    """Hold the loss notes for one writer (another console process on this data folder)."""
    if fcntl is None:
        yield
        return
    fcntl.flock(descriptor, fcntl.LOCK_EX)
    try:
        yield
    finally:
        fcntl.flock(descriptor, fcntl.LOCK_UN)


def _used(descriptor: int, size: int) -> int:
    """Where the notes end: the first zero byte of the room set aside (else the file's end)."""
    os.lseek(descriptor, 0, os.SEEK_SET)
    data = b""
    while len(data) < size and (chunk := os.read(descriptor, size - len(data))):
        data += chunk
    end = data.find(b"\0")
    return size if end < 0 else end


def _byte_at(descriptor: int, offset: int) -> bytes:
    os.lseek(descriptor, offset, os.SEEK_SET)
    return os.read(descriptor, 1)


def _write_whole(descriptor: int, size: int, data: bytes) -> None:
    """Write ``data`` at the descriptor's offset, all of it or nothing beyond ``size``.

    A disk that fills up in the middle of a line takes part of it; the file is cut
    back to its former ``size`` so that no half line is left for the next one to follow.
    """
    view = memoryview(data)
    try:
        while view:
            written = os.write(descriptor, view)
            if not written:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            view = view[written:]
    except OSError:
        with contextlib.suppress(OSError):
            if os.fstat(descriptor).st_size > size:
                os.ftruncate(descriptor, size)
        raise
