"""Fixtures for the core tests: the store's record databases (SQLite and PostgreSQL)."""

from tests.core.store_support import database, record_url

__all__ = ["database", "record_url"]
