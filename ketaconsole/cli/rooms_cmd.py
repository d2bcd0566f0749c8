"""``ketaconsole rooms``: every station's last published status and its age (``--watch`` follows).

For scripts and tests: ``--json`` prints one object per station per look, with
``age_s`` (seconds since the room published it, by this computer's clock) beside the
status as the room published it. The listing is on the audit trail, once per run.
"""

from __future__ import annotations

import argparse
import time

from sqlalchemy.exc import SQLAlchemyError

from ketaconsole.catalogue import CATALOGUE, HEART_RATE, NIBP_DIA, NIBP_SYS, PULSE_RATE, SPO2
from ketaconsole.cli.acting_person import acting_person, add_person_options, audit_as
from ketaconsole.cli.common import CliError, print_json_line
from ketaconsole.cli.record_common import add_db_option, open_record
from ketaconsole.live.freshness import describe_age
from ketaconsole.overview.reader import read_statuses
from ketaconsole.overview.status import RoomStatus
from ketaconsole.security import Action, AuditLog, Permission
from ketaconsole.store import Database

WATCH_EVERY_S = 1.0


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "rooms", help="every room's last live status and its age",
        description="Print every station's last published status (patient's initials, "
                    "phase, vitals, alarms, pump) and how old it is. The rooms publish "
                    "about once a second while their console runs.")
    parser.add_argument("--json", action="store_true",
                        help="one JSON object per station: station, age_s, status")
    parser.add_argument("--watch", action="store_true",
                        help="print again every second until Ctrl+C")
    add_person_options(parser)
    add_db_option(parser)
    parser.set_defaults(handler=run)


def _number(status: RoomStatus, refid: str) -> str:
    value = status.vital(refid)
    return CATALOGUE[refid].format(value) if value is not None else "--"


def describe(status: RoomStatus, now: float) -> str:
    """One line for a station: who, where in the session, the numbers, the top alarm, the age."""
    age = max(0.0, now - status.published_at)
    heart = status.vital(HEART_RATE.refid)
    rate = _number(status, HEART_RATE.refid if heart is not None else PULSE_RATE.refid)
    bp = f"{_number(status, NIBP_SYS.refid)}/{_number(status, NIBP_DIA.refid)}"
    alarm = status.top_alarm
    shown = f"{alarm.marks} {alarm.message}" if alarm else "no alarms"
    who = status.initials or "-"
    phase = "closed" if status.closed else (status.phase or "no session")
    pump = ""
    if status.pump is not None and status.pump.delivered_mg is not None:
        planned = f"/{status.pump.planned_mg:g}" if status.pump.planned_mg else ""
        pump = f"  {status.pump.delivered_mg:g}{planned} mg"
    return (f"{status.station:<16} {who:<6} {phase:<16} SpO2 {_number(status, SPO2.refid):>3}"
            f"  HR {rate:>3}  NIBP {bp:<7}{pump}  {shown}  ({describe_age(age)} ago)")


def _look(database: Database, args: argparse.Namespace) -> None:
    statuses = read_statuses(database)
    now = time.time()
    if args.json:
        for status in statuses:
            print_json_line({"station": status.station,
                             "age_s": round(max(0.0, now - status.published_at), 3),
                             "status": status.as_record()})
        return
    if not statuses:
        print("no room has published a status yet; a console publishes once it runs on "
              "this record")
        return
    for status in statuses:
        print(describe(status, now))


def run(args: argparse.Namespace) -> int:
    database = open_record(args)
    try:
        audit = AuditLog(database)
        person = acting_person(database, audit, args, Permission.OPEN_RECORD, "room statuses")
        audit_as(audit, person, Action.RECORDS_LISTED, target="room statuses",
                 detail={"watch": args.watch or None})
        try:
            _look(database, args)
            while args.watch:
                time.sleep(WATCH_EVERY_S)
                if not args.json:
                    print()
                _look(database, args)
        except KeyboardInterrupt:
            return 0
        except (OSError, SQLAlchemyError) as exc:
            raise CliError(f"the rooms could not be read ({exc}); check the database") \
                from None
        return 0
    finally:
        database.dispose()
