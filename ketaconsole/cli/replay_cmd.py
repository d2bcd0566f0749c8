"""``ketaconsole replay SESSION``: feed a session's journalled bytes through its drivers."""

from __future__ import annotations

import argparse

from ketaconsole.cli.acting_person import acting_person, add_person_options, audit_as
from ketaconsole.cli.common import CliError, print_json_line
from ketaconsole.cli.record_common import add_db_option, open_record, session_number
from ketaconsole.security import Action, AuditLog, Permission
from ketaconsole.store import UnknownSessionError
from ketaconsole.store.replay import ReplayError, replay


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "replay", help="replay a session's raw device bytes through its drivers",
        description="Feed the raw bytes each device sent in a session back through the same "
                    "drivers with the same settings, and print the observations as JSON lines.")
    parser.add_argument("session", help="session number (see 'ketaconsole sessions')")
    add_person_options(parser)
    add_db_option(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    session_id = session_number(args.session)
    database = open_record(args)
    try:
        audit = AuditLog(database)
        target = f"session {session_id}"
        person = acting_person(database, audit, args, Permission.OPEN_RECORD, target)
        audit_as(audit, person, Action.RECORD_OPENED, target=target,
                 detail={"purpose": "replay"})
        for observation in replay(database, session_id):
            print_json_line(observation.as_record())
    except UnknownSessionError as exc:
        raise CliError(str(exc.args[0])) from None
    except ReplayError as exc:
        raise CliError(str(exc)) from None
    except BrokenPipeError:  # the reader (head, less) stopped listening
        return 0
    finally:
        database.dispose()
    return 0
