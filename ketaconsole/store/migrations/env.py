"""Alembic's environment: migrates the connection the console hands over, in batch mode."""

from __future__ import annotations

from alembic import context

from ketaconsole.store.models import Base


def _run() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("migrations run only through ketaconsole.store.database.migrate")
    context.configure(connection=connection, target_metadata=Base.metadata,
                      render_as_batch=True, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


_run()
