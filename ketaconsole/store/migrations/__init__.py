"""Alembic migrations of the session record, shipped with the package and run at start-up."""
