"""``ketaconsole plugins list|allow|revoke``: the clinic's allow-list of driver plugins.

A driver plugin is loaded only once an admin has approved its installed code (its
distribution, version and the hash of its files); the console's own drivers need no
approval. Approvals are kept in the record database. Approving and revoking need an
admin's log-in (``--as ADMIN``) and are on the audit trail.
"""

from __future__ import annotations

import argparse
import json

from ketaconsole.cli.common import CliError
from ketaconsole.cli.record_common import add_db_option, open_record
from ketaconsole.cli.security_common import PinReader, add_login_options, log_in
from ketaconsole.security import AllowList, AuditLog, Guard, NotAllowed
from ketaconsole.security.admin import PluginAdmin
from ketaconsole.security.plugins import AllowListError, installed_plugins, normalise


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "plugins", help="list, approve or revoke driver plugins",
        description="Driver plugins are code that runs in the console: only those an admin "
                    "approved (the installed files of a distribution at its version) are "
                    "loaded.")
    actions = parser.add_subparsers(dest="plugins_action", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="installed plugins and the approvals")
    listing.add_argument("--json", action="store_true", help="print a JSON object")
    add_db_option(listing)
    listing.set_defaults(handler=run)
    allow = actions.add_parser("allow", help="approve the installed code of a plugin")
    revoke = actions.add_parser("revoke", help="withdraw a plugin's approval")
    for sub in (allow, revoke):
        sub.add_argument("distribution", help="the plugin's distribution name")
        sub.add_argument("version", nargs="?",
                         help="its version (allow: the installed one, the default; revoke: "
                              "default every version)")
        add_login_options(sub)
        add_db_option(sub)
        sub.set_defaults(handler=run)


def _installed_version(distribution: str) -> str:
    for plugin in installed_plugins():
        if (plugin.distribution and plugin.version
                and normalise(plugin.distribution) == normalise(distribution)):
            return plugin.version
    raise CliError(f"no installed plugin comes from {distribution!r}; give its version "
                   "('ketaconsole plugins list' shows the installed ones)", 2)


def run(args: argparse.Namespace) -> int:
    try:
        if args.plugins_action == "list":
            with AllowList.of_clinic(args.command_db) as allow_list:
                return _list(allow_list, args.json)
        return _change(args)
    except AllowListError as exc:
        raise CliError(str(exc)) from None


def _list(allow_list: AllowList, as_json: bool) -> int:
    plugins = installed_plugins()
    approvals = allow_list.approvals()
    rows = []
    for p in plugins:
        why = allow_list.why_not(p.distribution, p.version)
        rows.append({"driver": p.entry_point, "distribution": p.distribution,
                     "version": p.version, "status": "not allowed" if why else "allowed",
                     "why": why})
    if as_json:
        print(json.dumps({"installed": rows,
                          "approved": [a.as_record() for a in approvals]}, indent=2))
        return 0
    if not rows:
        print("no driver plugins installed (the console's own drivers need no approval)")
    for row in rows:
        print(f"{row['driver']:<20}  {row['distribution'] or '?':<32}  "
              f"{row['version'] or '?':<10}  {row['status']}"
              + (f" ({row['why']})" if row["why"] else ""))
    for approval in approvals:
        record = approval.as_record()
        print(f"approved: {approval.distribution} {approval.version} by "
              f"{approval.approved_by} at {record['approved_time']}")
    return 0


def _change(args: argparse.Namespace) -> int:
    database = open_record(args)
    try:
        audit = AuditLog(database)
        admin = PluginAdmin(AllowList(database), Guard(audit),
                            log_in(database, audit, args, PinReader(args.pin_stdin)))
        try:
            if args.plugins_action == "allow":
                version = args.version or _installed_version(args.distribution)
                approval = admin.allow(args.distribution, version)
                print(f"allowed {approval.distribution} {approval.version}")
            else:
                removed = admin.revoke(args.distribution, args.version)
                versions = ", ".join(a.version for a in removed)
                print(f"revoked {args.distribution} {versions}")
        except NotAllowed as exc:
            raise CliError(str(exc)) from None
    finally:
        database.dispose()
    return 0
