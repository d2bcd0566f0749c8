"""Why the record cannot be written, in one sentence a nurse or technician can act on."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError


class DatabaseUnavailable(Exception):
    """The database cannot be opened or migrated; the message says what to check."""


def _text(exc: BaseException) -> str:
    original = getattr(exc, "orig", None)
    return f"{exc} {original}".lower()


def write_failure_reason(exc: BaseException) -> str:
    """A short reason for a failed write: 'disk full', 'database server unreachable', ..."""
    text = _text(exc)
    if "disk is full" in text or "no space left" in text or "disk full" in text:
        return "disk full"
    if "readonly" in text or "read-only" in text or "read only" in text:
        return "database is read-only"
    if "database is locked" in text or "lock timeout" in text:
        return "database is locked by another program"
    if "unable to open database" in text or "permission denied" in text:
        return "database file cannot be opened"
    if "disk i/o error" in text:
        return "disk full or failing"
    if any(word in text for word in ("connection refused", "could not connect",
                                     "server closed the connection", "connection is closed",
                                     "terminating connection", "connection timeout",
                                     "timeout expired", "consuming input failed",
                                     "no route to host", "connection reset")):
        return "database server unreachable"
    if isinstance(exc, SQLAlchemyError):
        return f"database error: {type(getattr(exc, 'orig', exc) or exc).__name__}"
    return f"{type(exc).__name__}: {exc}"


def on_read_only_file_system(path: Path) -> bool:
    """Whether ``path`` (or the nearest folder above it that exists) is mounted read-only."""
    for folder in (path, *path.parents):
        if folder.exists():
            try:
                return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
            except OSError:
                return False
    return False


_LOG_IN_REFUSED = ("password authentication failed", "authentication failed",
                   "no password supplied", "role ", "does not exist", "no pg_hba.conf entry")


def describe_open_failure(url: str, exc: BaseException) -> str:
    """One sentence for a database that will not open at start-up."""
    parsed = make_url(url)
    reason = write_failure_reason(exc)
    if parsed.get_backend_name() == "sqlite":
        where = parsed.database or "memory"
        if on_read_only_file_system(Path(where).absolute()):
            return (f"the record database {where} cannot be written: its folder is on a "
                    "read-only file system; give --db / KETACONSOLE_HOME a writable place")
        return (f"the record database {where} cannot be opened ({reason}); check that its "
                "folder exists, is writable and has free space")
    where = f"{parsed.host or 'localhost'}:{parsed.port or 5432}"
    if reason == "database server unreachable":
        return (f"the database server at {where} cannot be reached; check that it is running "
                "and that --db / KETACONSOLE_DB names the right address")
    text = _text(exc)
    if any(words in text for words in _LOG_IN_REFUSED):
        return (f"the database {parsed.database} at {where} refused the log-in ({reason}); "
                "check the user name, password and database name in --db / KETACONSOLE_DB")
    return (f"the database {parsed.database} at {where} could not be set up or read "
            f"({reason}); run the command again, and tell the clinic's admin if it keeps "
            "failing")


def holding_message(reason: str, held: int) -> str:
    """The technical condition the alarm system shows while the record is not being written."""
    noun = "observation" if held == 1 else "observations"
    return (f"The record cannot be written ({reason}); holding {held:,} {noun} "
            "and retrying.")
