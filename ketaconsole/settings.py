"""Where the console keeps its data and which database it uses.

``KETACONSOLE_HOME`` names the data and settings folder and ``KETACONSOLE_DB`` a
SQLAlchemy URL; both exist so tests and checks can point the program at a throw-away
place. Defaults: the platform's user data folder, and a SQLite file in it.
"""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "KetaConsole"
HOME_ENV = "KETACONSOLE_HOME"
DB_ENV = "KETACONSOLE_DB"
DB_FILE = "ketaconsole.sqlite3"
DEMO_DB_FILE = "demo.sqlite3"


def home_dir() -> Path:
    """The data and settings folder (created if missing)."""
    configured = os.environ.get(HOME_ENV)
    if configured:
        path = Path(configured)
    else:
        from platformdirs import user_data_dir  # only when no home is named

        path = Path(user_data_dir(APP_NAME, appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def exports_dir() -> Path:
    """Where the console writes exports: ``exports`` in the data folder (made when used)."""
    return home_dir() / "exports"


DEMO_DB_NAME = "demo"
"""``--db demo`` names the demo's own database (see :func:`demo_database_url`)."""


def database_url(explicit: str | None = None) -> str:
    """The database to use: ``--db`` first, then ``KETACONSOLE_DB``, then SQLite in home.

    ``--db demo`` is the demo's own file, so its sessions and audit can be read back.
    """
    if explicit == DEMO_DB_NAME:
        return f"sqlite:///{home_dir() / DEMO_DB_FILE}"
    if explicit:
        return explicit
    configured = os.environ.get(DB_ENV)
    if configured:
        return configured
    return f"sqlite:///{home_dir() / DB_FILE}"


def demo_database_url(explicit: str | None = None) -> str:
    """The demo's database: ``--db`` if given, else its own file in home.

    ``KETACONSOLE_DB`` names the clinic's record, so the demo never reads it: demo
    sessions and the demo's users never go into the clinic's record. A ``--db`` naming
    another database is checked before the demo writes into it
    (:mod:`ketaconsole.demo.own_record`).
    """
    return database_url(explicit or DEMO_DB_NAME)
