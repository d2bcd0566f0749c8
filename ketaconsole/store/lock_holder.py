"""Who holds the record: the process named when a command finds the record locked.

SQLite lets one process write at a time; another that waits longer than the busy
time-out gets "database is locked". The operating system knows who holds the lock: on
Linux ``/proc/locks`` lists each lock with its process and the file's inode, so the
refusal can name the process (its number and command line) to wait for or close.
"""

from __future__ import annotations

import os
from pathlib import Path

LOCKS_TABLE = Path("/proc/locks")


def _is_locked_error(exc: BaseException) -> bool:
    text = f"{exc} {getattr(exc, 'orig', '')}".lower()
    return "database is locked" in text or "database table is locked" in text


def _sqlite_file(url: str) -> Path | None:
    from sqlalchemy.engine import make_url

    try:
        parsed = make_url(url)
    except Exception:
        return None
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    return Path(parsed.database)


def lock_holders(database_file: Path, locks_table: Path = LOCKS_TABLE) -> list[int]:
    """The processes (other than this one) holding a lock on the database or its WAL files."""
    inodes: set[tuple[int, int]] = set()
    for suffix in ("", "-wal", "-shm"):
        try:
            found = os.stat(f"{database_file}{suffix}")
        except OSError:
            continue
        inodes.add((os.major(found.st_dev), found.st_ino))
    try:
        lines = locks_table.read_text(encoding="ascii", errors="replace").splitlines()
    except OSError:
        return []
    holders: list[int] = []
    for line in lines:
        parts = line.split()
        where = next((p for p in parts if p.count(":") == 2), None)
        if where is None or "->" in line:
            continue  # a waiter's entry, or a line of another shape
        try:
            major, _minor, inode = where.split(":")
            pid = int(parts[parts.index(where) - 1])
            key = (int(major, 16), int(inode))
        except (ValueError, IndexError):
            continue
        if key in inodes and pid != os.getpid() and pid not in holders:
            holders.append(pid)
    return holders


def _command_line(pid: int) -> str:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return ""
    words = [w.decode("utf-8", "replace") for w in raw.split(b"\0") if w]
    text = " ".join(Path(words[0]).name if i == 0 else w for i, w in enumerate(words))
    return text if len(text) <= 80 else text[:77] + "..."


def record_locked(exc: BaseException, url: str | None) -> str | None:
    """One sentence naming who holds the record, if ``exc`` says it is locked, else None."""
    if not _is_locked_error(exc):
        return None
    from ketaconsole.names import printable
    from ketaconsole.settings import database_url

    database_file = _sqlite_file(database_url(url))
    holders = lock_holders(database_file) if database_file is not None else []
    if holders:
        named = ", ".join(f"process {pid}" + (f" ({printable(cmd)})" if (cmd := _command_line(pid))
                                              else "") for pid in holders)
        who = f"{named} holds it"
    else:
        who = "another program holds it"
    return (f"the record is locked: {who}; wait for it to finish or close it, then run "
            "the command again")
