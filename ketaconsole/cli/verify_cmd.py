"""``ketaconsole verify SESSION``: recompute a session's hash chain and say whether it holds."""

from __future__ import annotations

import argparse

from ketaconsole.cli.common import CliError
from ketaconsole.cli.record_common import add_db_option, open_record, session_number
from ketaconsole.store import UnknownSessionError
from ketaconsole.store.review import verify


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "verify", help="check that a session's record was not altered",
        description="Recompute the hash chain of a session's timeline. Exits 0 when it is "
                    "intact; otherwise names the first event where it breaks.")
    parser.add_argument("session", help="session number (see 'ketaconsole sessions')")
    add_db_option(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    session_id = session_number(args.session)
    database = open_record(args)
    try:
        count, broken = verify(database, session_id)
    except UnknownSessionError as exc:
        raise CliError(str(exc.args[0])) from None
    finally:
        database.dispose()
    if broken is not None:
        raise CliError(f"session {session_id}: {broken.describe()}")
    print(f"session {session_id}: {count} events, chain intact")
    return 0
