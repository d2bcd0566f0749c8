"""Opening the record database: engine, SQLite pragmas, migrations to the newest schema.

SQLite (the default, one file) runs in WAL mode with ``synchronous=FULL`` and foreign
keys on, set on every new connection. PostgreSQL is used through psycopg 3
(``postgresql+psycopg://``), through exactly one server connection per open database:
a room's record writer, its status publisher and its station lock share it, one
transaction at a time (a clinic's server then holds one connection per room, not
three). Each names itself to the server (``application_name``: ``ketaconsole`` and the
station). Migrations ship inside the package and run before the console writes anything.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from ketaconsole.numbers import shown
from ketaconsole.settings import home_dir
from ketaconsole.store.anchors import AnchorKeyError, AnchorLog
from ketaconsole.store.faults import DatabaseUnavailable, describe_open_failure

if TYPE_CHECKING:
    from alembic.config import Config

# Alembic is imported only when a schema has to be read or changed: opening a database
# that is already current costs one query, not Alembic's import.

MIGRATIONS = Path(__file__).with_name("migrations")
VERSION_TABLE = "alembic_version"
SQLITE_BUSY_TIMEOUT_MS = 2000
PG_CONNECT_TIMEOUT_S = 3
PG_CONNECTIONS = 1
"""Server connections an open database keeps on PostgreSQL: one, shared by its threads."""
PG_WAIT_FOR_CONNECTION_S = 30.0
"""How long a thread waits for the shared connection before it reports a database fault."""
APPLICATION_NAME = "ketaconsole"
PG_NAME_BYTES = 63
"""PostgreSQL keeps this many bytes of an ``application_name``."""


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    finally:
        cursor.close()


SUPPORTED_DRIVERS = ("sqlite", "sqlite+pysqlite", "postgresql", "postgresql+psycopg")
URL_EXAMPLE = ("sqlite:///path/to/record.sqlite3 or "
               "postgresql+psycopg://user:password@host/database")
MIGRATION_LOCK = 0x4B45_5441
"""PostgreSQL advisory lock held while one console migrates the schema (others wait)."""


def record_url(url: str) -> URL:
    """``url`` parsed, or :class:`DatabaseUnavailable` saying what a record URL looks like.

    Only SQLite files and PostgreSQL through psycopg are records: an in-memory SQLite
    database would be lost when the command ends, and other back-ends are not tested.
    """
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        raise DatabaseUnavailable(f"--db / KETACONSOLE_DB takes a database URL such as "
                                  f"{URL_EXAMPLE}, not {shown(url)}") from None
    if parsed.drivername not in SUPPORTED_DRIVERS:
        raise DatabaseUnavailable(f"the console records into SQLite or PostgreSQL (through "
                                  f"psycopg), not {shown(parsed.drivername)}; give a URL "
                                  f"such as {URL_EXAMPLE}")
    if parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:"):
        raise DatabaseUnavailable("an in-memory SQLite database would be lost when the "
                                  "command ends; give a file, e.g. "
                                  "sqlite:///path/to/record.sqlite3")
    return parsed


def application_name(station: str | None = None) -> str:
    """How a console names its connection to the server: ``ketaconsole`` and its station."""
    name = APPLICATION_NAME if not station else f"{APPLICATION_NAME} {station}"
    kept = "".join(c if " " <= c <= "~" else "?" for c in name)  # the server keeps ASCII
    return kept[:PG_NAME_BYTES]


def create_record_engine(url: str, *, station: str | None = None) -> Engine:
    """An engine for ``url`` with the console's connection settings (does not connect).

    On PostgreSQL it keeps one connection, which its threads take in turn; its
    ``application_name`` names the station (see :func:`application_name`).
    Statements' parameters are never put into errors or logs (``hide_parameters``): they
    hold patients' names, weights and vital signs.
    """
    parsed = record_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        # A fresh connection per use: a connection left open would keep writing through
        # a file whose folder or disk has since gone bad, hiding the fault.
        engine = create_engine(parsed, poolclass=NullPool, hide_parameters=True)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return create_engine(parsed, pool_pre_ping=True, pool_size=PG_CONNECTIONS, max_overflow=0,
                         pool_timeout=PG_WAIT_FOR_CONNECTION_S, hide_parameters=True,
                         connect_args={"connect_timeout": PG_CONNECT_TIMEOUT_S,
                                       "application_name": application_name(station)})


def alembic_config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


_REVISION = re.compile(r'^revision\s*=\s*"([^"]+)"', re.MULTILINE)
_DOWN_REVISION = re.compile(r'^down_revision[^=]*=\s*"([^"]+)"', re.MULTILINE)


@functools.cache
def head_revision() -> str:
    """The newest schema revision shipped with this version (read once per process).

    Read from the migration scripts' own ``revision`` / ``down_revision`` lines, so a
    start-up with a current schema does not import Alembic; a disagreement with Alembic
    would only make :func:`migrate` run, which Alembic then does correctly.
    """
    revisions: set[str] = set()
    parents: set[str] = set()
    for script in (MIGRATIONS / "versions").glob("r*.py"):
        source = script.read_text(encoding="utf-8")
        revisions.update(_REVISION.findall(source))
        parents.update(_DOWN_REVISION.findall(source))
    heads = revisions - parents
    if len(heads) != 1:
        raise RuntimeError(f"the migrations have {len(heads)} heads, expected one")
    return heads.pop()


def current_revision(engine: Engine) -> str | None:
    """The schema revision the database is at (``None`` for an empty database)."""
    with engine.connect() as connection:
        if not inspect(connection).has_table(VERSION_TABLE):
            return None
        rows = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).all()
    return str(rows[0][0]) if len(rows) == 1 else None


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema up to ``revision`` (the newest by default)."""
    from alembic import command

    config = alembic_config()
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as connection:
        if sqlite:
            # Batch migrations rebuild tables (copy, drop, rename); SQLite checks foreign
            # keys on the drop unless they are off, which only works outside a transaction.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        with connection.begin():
            if not sqlite:
                # Consoles starting together on a new database migrate one after another;
                # the later ones find the schema current and change nothing.
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                                   {"key": MIGRATION_LOCK})
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
    anchors: AnchorLog | None = None
    """Where chain heads are anchored outside the database (see ``anchors``)."""

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def dispose(self) -> None:
        self.engine.dispose()


def open_database(url: str, *, upgrade: bool = True, station: str | None = None) -> Database:
    """Open (and migrate) the database at ``url``, or raise :class:`DatabaseUnavailable`.

    ``station`` names the console's server connection (a room's record gives it).
    """
    record_url(url)
    try:
        engine = create_record_engine(url, station=station)
        if upgrade:
            if current_revision(engine) != head_revision():
                migrate(engine)
        else:
            with engine.connect():
                pass
    except (SQLAlchemyError, OSError) as exc:
        raise DatabaseUnavailable(describe_open_failure(url, exc)) from exc
    try:
        anchors = AnchorLog.for_database(url, home_dir())
    except AnchorKeyError as exc:
        engine.dispose()
        raise DatabaseUnavailable(str(exc)) from exc
    return Database(url, engine, sessionmaker(engine, expire_on_commit=False), anchors)
