"""Where the console keeps its data and which database it uses.

``KETACONSOLE_HOME`` names the data and settings folder and ``KETACONSOLE_DB`` a
SQLAlchemy URL; both exist so tests and checks can point the program at a throw-away
place. Defaults: the platform's user data folder, and a SQLite file in it.
"""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_data_dir

APP_NAME = "KetaConsole"
HOME_ENV = "KETACONSOLE_HOME"
DB_ENV = "KETACONSOLE_DB"
DB_FILE = "ketaconsole.sqlite3"


def home_dir() -> Path:
    """The data and settings folder (created if missing)."""
    configured = os.environ.get(HOME_ENV)
    path = Path(configured) if configured else Path(user_data_dir(APP_NAME, appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def database_url(explicit: str | None = None) -> str:
    """The database to use: ``--db`` first, then ``KETACONSOLE_DB``, then SQLite in home."""
    if explicit:
        return explicit
    configured = os.environ.get(DB_ENV)
    if configured:
        return configured
    return f"sqlite:///{home_dir() / DB_FILE}"


DEMO_DB_FILE = "demo.sqlite3"


def demo_database_url(explicit: str | None = None) -> str:
    """The demo's database: ``--db``, then ``KETACONSOLE_DB``, else its own file in home.

    Demo sessions and the demo's users never go into the clinic's own record file.
    """
    if explicit:
        return explicit
    configured = os.environ.get(DB_ENV)
    if configured:
        return configured
    return f"sqlite:///{home_dir() / DEMO_DB_FILE}"
