"""Fixtures for the core tests: the store's record databases (SQLite and PostgreSQL), a
clock the test moves, and an audit trail with one user of each role."""

from tests.core.security_support import clock, staffed_audit
from tests.core.store_support import database, record_url
from tests.room_support import pump_port

__all__ = ["clock", "database", "pump_port", "record_url", "staffed_audit"]
