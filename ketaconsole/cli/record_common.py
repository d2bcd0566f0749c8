"""What the record commands share: the ``--db`` option, opening the record, session numbers."""

from __future__ import annotations

import argparse
from pathlib import Path

from ketaconsole.cli.common import CliError, database_option
from ketaconsole.export.atomic import ExportFolderError, check_folder
from ketaconsole.numbers import ROW_NUMBER, NumberError, shown
from ketaconsole.settings import database_url
from ketaconsole.store import Database, DatabaseUnavailable, open_database


def add_db_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", dest="command_db", metavar="URL", type=database_option,
                        help="SQLAlchemy database URL (default: KETACONSOLE_DB, else the "
                             "SQLite file in KETACONSOLE_HOME)")


def check_out_folder(folder: Path) -> None:
    """``--out DIR`` checked before the record opens: one sentence if it cannot take files."""
    try:
        check_folder(folder)
    except ExportFolderError as exc:
        raise CliError(str(exc)) from None


def open_record(args: argparse.Namespace) -> Database:
    """The record database named by ``--db`` / ``KETACONSOLE_DB`` / the home folder."""
    url = database_url(getattr(args, "command_db", None) or getattr(args, "db", None))
    try:
        return open_database(url)
    except DatabaseUnavailable as exc:
        raise CliError(str(exc)) from None


def session_number(text: str) -> int:
    try:
        return ROW_NUMBER.parse_int(text)
    except NumberError:
        raise CliError(f"SESSION must be a session number such as 12, not {shown(text)} "
                       "('ketaconsole sessions' lists them)", 2) from None
