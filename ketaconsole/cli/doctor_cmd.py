"""``ketaconsole doctor``: is this console set up to protect its data?

Checks that the data folder is on an encrypted disk, that a PostgreSQL record is reached
over TLS, that the console has an admin, that the audit trail is intact, and lists
emergency accesses awaiting review and plugins awaiting approval. Exit 1 if the audit
trail was altered; the other findings are warnings, each with what to do.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from ketaconsole.cli.record_common import add_db_option, open_record
from ketaconsole.security import AllowList, AuditLog, needs_first_admin
from ketaconsole.security.audit import describe_break
from ketaconsole.security.break_glass import pending_break_glass_reviews
from ketaconsole.security.plugins import installed_plugins
from ketaconsole.security.protection import database_transport, folder_encryption
from ketaconsole.settings import database_url, home_dir


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "doctor", help="check the console's data protection set-up",
        description="Check disk encryption, database TLS, admin, audit trail, emergency "
                    "accesses to review and plugins to approve.")
    parser.add_argument("--json", action="store_true", help="print a JSON object")
    add_db_option(parser)
    parser.set_defaults(handler=run)


def _line(name: str, status: str, advice: str) -> dict[str, Any]:
    return {"check": name, "status": status, "advice": advice}


def run(args: argparse.Namespace) -> int:
    checks: list[dict[str, Any]] = []
    folder = home_dir()
    encryption = folder_encryption(folder)
    checks.append(_line("data folder encrypted", encryption.status.value, encryption.advice))
    url = database_url(getattr(args, "command_db", None) or getattr(args, "db", None))
    transport = database_transport(url)
    checks.append(_line("database connection protected", transport.status.value,
                        transport.advice))
    database = open_record(args)
    try:
        audit = AuditLog(database)
        first = needs_first_admin(database)
        checks.append(_line("an admin exists", "no" if first else "yes",
                            "add one with 'ketaconsole users add --role admin --name NAME'"
                            if first else "users are managed with 'ketaconsole users'"))
        problem = audit.verify()
        checks.append(_line("audit trail intact", "no" if problem else "yes",
                            describe_break(problem) if problem else
                            "every entry matches its hash"))
        pending = pending_break_glass_reviews(audit)
        checks.append(_line("emergency accesses reviewed", "no" if pending else "yes",
                            f"{len(pending)} waiting; see 'ketaconsole audit --break-glass'"
                            if pending else "none waiting"))
    finally:
        database.dispose()
    with AllowList.of_clinic(url) as allow_list:
        waiting = [p for p in installed_plugins()
                   if not allow_list.permits(p.distribution, p.version)]
    checks.append(_line("plugins approved", "no" if waiting else "yes",
                        "not loaded until approved: " + ", ".join(
                            f"{p.distribution} {p.version}" for p in waiting)
                        if waiting else "every installed plugin is approved"))
    if args.json:
        print(json.dumps(checks, indent=2))
    else:
        for check in checks:
            print(f"{check['check']:<32}  {check['status']:<8}  {check['advice']}")
    return 1 if problem is not None else 0


