"""Opening the record database: engine, SQLite pragmas, migrations to the newest schema.

SQLite (the default, one file) runs in WAL mode with ``synchronous=FULL`` and foreign
keys on, set on every new connection. PostgreSQL is used through psycopg 3
(``postgresql+psycopg://``). Migrations ship inside the package and run before the
console writes anything.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from ketaconsole.store.faults import DatabaseUnavailable, describe_open_failure

MIGRATIONS = Path(__file__).with_name("migrations")
SQLITE_BUSY_TIMEOUT_MS = 2000
PG_CONNECT_TIMEOUT_S = 3


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    finally:
        cursor.close()


def create_record_engine(url: str) -> Engine:
    """An engine for ``url`` with the console's connection settings (does not connect)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        # A fresh connection per use: a connection left open would keep writing through
        # a file whose folder or disk has since gone bad, hiding the fault.
        engine = create_engine(parsed, poolclass=NullPool)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return create_engine(parsed, pool_pre_ping=True, pool_size=2, max_overflow=2,
                         connect_args={"connect_timeout": PG_CONNECT_TIMEOUT_S})


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


@functools.cache
def head_revision() -> str:
    """The newest schema revision shipped with this version (read once per process)."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema up to ``revision`` (the newest by default)."""
    config = alembic_config()
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as connection:
        if sqlite:
            # Batch migrations rebuild tables (copy, drop, rename); SQLite checks foreign
            # keys on the drop unless they are off, which only works outside a transaction.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        with connection.begin():
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
        if sqlite:
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            connection.commit()
            if broken:
                raise RuntimeError(f"migration left {len(broken)} broken references")


@dataclass(frozen=True, slots=True)
class Database:
    """An open, migrated record database."""

    url: str
    engine: Engine
    sessions: sessionmaker[Session]

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def dispose(self) -> None:
        self.engine.dispose()


def open_database(url: str, *, upgrade: bool = True) -> Database:
    """Open (and migrate) the database at ``url``, or raise :class:`DatabaseUnavailable`."""
    try:
        engine = create_record_engine(url)
        if upgrade:
            if current_revision(engine) != head_revision():
                migrate(engine)
        else:
            with engine.connect():
                pass
    except (SQLAlchemyError, OSError) as exc:
        raise DatabaseUnavailable(describe_open_failure(url, exc)) from exc
    return Database(url, engine, sessionmaker(engine, expire_on_commit=False))
