"""Cost of security at the bedside: a PIN log-in, an audit entry, checking the audit chain.

On a SQLite record in a temporary folder. Times are wall-clock medians (argon2 and the
database's fsync are what is measured). The baseline is argon2-cffi's default cost
(64 MiB, three passes, four lanes), which the console does not use because of the
unlock delay it gives on a clinic workstation.

- ``security.login.ms``: one PIN log-in (hash check, lock-out bookkeeping, audit entry);
- ``security.pin_verify.ms``: checking one PIN against its hash at the console's cost;
- ``security.pin_verify_default_cost.ms``: the same at argon2-cffi's default cost;
- ``security.pin_verify.vs_default_ratio``: the two above, console / default;
- ``security.audit_append.per_s``: audit entries committed per second, one at a time;
- ``security.audit_verify_1000.ms``: verifying a 1000-entry audit chain.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from argon2 import PasswordHasher

from ketaconsole.security import AuditLog, authenticate
from ketaconsole.security.pins import hash_pin, pin_matches
from ketaconsole.security.users import add_first_admin
from ketaconsole.store import open_database

REPEATS = 7
AUDIT_ENTRIES = 1000


def _median_ms(work: Callable[[], object], repeats: int = REPEATS) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def run() -> dict[str, float]:
    figures: dict[str, float] = {}
    stored = hash_pin("471193")
    default = PasswordHasher()
    default_stored = default.hash("471193")
    figures["security.pin_verify.ms"] = _median_ms(lambda: pin_matches(stored, "471193"))
    figures["security.pin_verify_default_cost.ms"] = _median_ms(
        lambda: default.verify(default_stored, "471193"))
    figures["security.pin_verify.vs_default_ratio"] = (
        figures["security.pin_verify.ms"] / figures["security.pin_verify_default_cost.ms"])
    with tempfile.TemporaryDirectory() as folder:
        database = open_database(f"sqlite:///{Path(folder) / 'bench.sqlite3'}")
        try:
            audit = AuditLog(database)
            add_first_admin(database, audit, username="ada", display_name="Ada", pin="471193")
            figures["security.login.ms"] = _median_ms(
                lambda: authenticate(database, audit, "ada", "471193"))
            start = time.perf_counter()
            for n in range(AUDIT_ENTRIES):
                audit.record("record_opened", actor="ada", target=f"session {n}")
            figures["security.audit_append.per_s"] = (
                AUDIT_ENTRIES / (time.perf_counter() - start))
            figures["security.audit_verify_1000.ms"] = _median_ms(audit.verify, 3)
        finally:
            database.dispose()
    return figures
