"""The clinic's approved driver plugins: which installed code, by the hash of its files, may load.

A driver plugin is code that runs inside the console, so only plugins an admin has
approved are imported; the console's own drivers (distribution ``ketaconsole``) always
are. An approval names a distribution, its version and the SHA-256 of its installed
files (every file its RECORD lists, read from the disk, except the byte-code Python
writes and the installer's own notes), so different code reinstalled under the same
version, or an installed file edited afterwards, needs a new approval. Approvals live in
the record database (``plugin_approvals``, migration 0006) and each names the audit
entry that made it: a row written without going through ``plugins allow`` approves
nothing, and editing any file approves nothing.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, distribution, entry_points
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from ketaconsole.devices.registry import ENTRY_POINT_GROUP, DriverRegistry
from ketaconsole.security.audit import Action, AuditLog
from ketaconsole.security.users import ConsoleUser
from ketaconsole.settings import database_url
from ketaconsole.store.database import Database, open_database
from ketaconsole.store.faults import DatabaseUnavailable
from ketaconsole.store.models import AuditEntry, PluginApprovalRow
from ketaconsole.store.timeline import format_time

log = logging.getLogger(__name__)

BUILT_IN_DISTRIBUTION = "ketaconsole"
_NOT_CODE = frozenset({"RECORD", "INSTALLER", "REQUESTED", "direct_url.json"})
"""Files an installer writes about the install itself, not the plugin's code."""


class AllowListError(ValueError):
    """The approvals cannot be read or changed; the text says what to do."""


def normalise(name: str) -> str:
    """A distribution name as packaging compares them (case and ``-_.`` runs ignored)."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(frozen=True, slots=True)
class InstalledCode:
    """What is installed under a distribution's name: its version and its files' hash."""

    version: str
    files_sha256: str


def installed_code(name: str) -> InstalledCode | None:
    """The installed distribution ``name`` and the SHA-256 over its files, or ``None``.

    Each file its RECORD lists is read from the disk and hashed with its path, in path
    order; a listed file that is missing counts as a difference too.
    """
    try:
        dist = distribution(name)
    except (PackageNotFoundError, ValueError):
        return None
    digest = hashlib.sha256()
    for file in sorted(dist.files or [], key=lambda f: f.as_posix()):
        if file.name in _NOT_CODE or file.suffix == ".pyc":
            continue
        digest.update(file.as_posix().encode("utf-8") + b"\0")
        try:
            digest.update(hashlib.sha256(Path(str(file.locate())).read_bytes()).digest())
        except OSError:
            digest.update(b"missing")
    return InstalledCode(dist.version, digest.hexdigest())


@dataclass(frozen=True, slots=True)
class PluginApproval:
    distribution: str
    version: str
    files_sha256: str
    approved_by: str
    approved_at: float
    audit_seq: int

    def as_record(self) -> dict[str, Any]:
        return {"distribution": self.distribution, "version": self.version,
                "files_sha256": self.files_sha256, "approved_by": self.approved_by,
                "approved_at": self.approved_at,
                "approved_time": format_time(self.approved_at)}


def _approval(row: PluginApprovalRow) -> PluginApproval:
    return PluginApproval(row.distribution, row.version, row.files_sha256, row.approved_by,
                          row.approved_at, row.audit_seq)


class AllowList:
    """The approved plugins in one record database (none without a database)."""

    def __init__(self, database: Database | None) -> None:
        self.database = database
        self._read: list[PluginApproval] | None = None

    @classmethod
    @contextmanager
    def of_clinic(cls, url: str | None = None) -> Iterator[AllowList]:
        """The approvals in the record named by ``url`` / ``KETACONSOLE_DB`` / home.

        Without a record yet, or when it cannot be read, nothing is approved: the
        console's own drivers still load and no plugin does.
        """
        resolved = database_url(url)
        try:
            parsed = make_url(resolved)
        except Exception:  # an unusable URL is reported by the command that opens it
            yield cls(None)
            return
        if parsed.get_backend_name() == "sqlite" and not (
                parsed.database and Path(parsed.database).is_file()):
            yield cls(None)
            return
        try:
            database = open_database(resolved, upgrade=False)
        except DatabaseUnavailable as exc:
            log.info("plugin approvals not read: %s", exc)
            yield cls(None)
            return
        try:
            yield cls(database)
        finally:
            database.dispose()

    def approvals(self) -> list[PluginApproval]:
        if self.database is None:
            return []
        if self._read is None:
            try:
                with self.database.sessions() as session:
                    rows = session.scalars(select(PluginApprovalRow)
                                           .order_by(PluginApprovalRow.id)).all()
                    self._read = [_approval(row) for row in rows]
            except SQLAlchemyError:  # a record from before approvals were kept in it
                self._read = []
        return self._read

    def _audited(self, approval: PluginApproval) -> bool:
        """Whether the approval's audit entry made exactly this approval."""
        assert self.database is not None
        with self.database.sessions() as session:
            entry = session.scalar(select(AuditEntry).where(
                AuditEntry.seq == approval.audit_seq))
        return (entry is not None and entry.action == Action.PLUGIN_ALLOWED
                and entry.target == f"{approval.distribution} {approval.version}"
                and (entry.detail or {}).get("files_sha256") == approval.files_sha256)

    def permits(self, name: str | None, version: str | None) -> bool:
        """Whether the installed plugin ``name`` at ``version`` may be imported."""
        if name is None:
            return False
        if normalise(name) == BUILT_IN_DISTRIBUTION:
            return True
        code = installed_code(name)
        if code is None or code.version != version:
            return False
        return any(normalise(a.distribution) == normalise(name) and a.version == version
                   and a.files_sha256 == code.files_sha256 and self._audited(a)
                   for a in self.approvals())

    def why_not(self, name: str | None, version: str | None) -> str:
        """Why the installed plugin is not permitted, in words for ``plugins list``
        ("" when it is)."""
        if self.permits(name, version):
            return ""
        if name is None:
            return "its distribution is unknown"
        code = installed_code(name)
        mine = [a for a in self.approvals() if normalise(a.distribution) == normalise(name)]
        if code is None:
            return "its files cannot be read"
        if not mine:
            return "not approved: an admin allows it with 'ketaconsole plugins allow'"
        same = [a for a in mine if a.version == code.version]
        if not same:
            versions = ", ".join(sorted({a.version for a in mine}))
            return (f"approved at {versions}, but {code.version} is installed: approve the "
                    "new version")
        if all(a.files_sha256 != code.files_sha256 for a in same):
            return (f"its installed files changed since {code.version} was approved: "
                    "approve them again if the change is expected")
        return "its approval is not in the audit trail"

    def _writable(self) -> Database:
        if self.database is None:
            raise AllowListError("plugin approvals are kept in the record database; open "
                                 "it with --db or KETACONSOLE_DB")
        return self.database

    def allow(self, name: str, version: str, *, by: ConsoleUser,
              audit: AuditLog) -> PluginApproval:
        """Approve the installed code of one distribution (unguarded: see ``PluginAdmin``)."""
        database = self._writable()
        if not name.strip() or not version.strip():
            raise AllowListError("a plugin is approved by distribution name and version, "
                                 "e.g. 'ketaconsole plugins allow acme-drivers 1.2.0'")
        name, version = name.strip(), version.strip()
        if normalise(name) == BUILT_IN_DISTRIBUTION:
            raise AllowListError("the console's own drivers are always allowed; "
                                 "approve a plugin distribution instead")
        code = installed_code(name)
        if code is None:
            raise AllowListError(f"{name} is not installed here; install it first: an "
                                 "approval covers the files that are installed")
        if code.version != version:
            raise AllowListError(f"{name} {version} is not installed here ({code.version} "
                                 "is); an approval covers the installed files only")
        entry = audit.record(Action.PLUGIN_ALLOWED, actor=by.username, user_id=by.record_id,
                             target=f"{name} {version}",
                             detail={"files_sha256": code.files_sha256})
        with database.sessions() as session, session.begin():
            session.execute(delete(PluginApprovalRow).where(
                PluginApprovalRow.distribution == name, PluginApprovalRow.version == version))
            row = PluginApprovalRow(distribution=name, version=version,
                                    files_sha256=code.files_sha256, approved_by=by.username,
                                    approved_at=entry.at, audit_seq=entry.seq)
            session.add(row)
            session.flush()
            approval = _approval(row)
        self._read = None
        return approval

    def revoke(self, name: str, version: str | None, *, by: ConsoleUser,
               audit: AuditLog) -> list[PluginApproval]:
        """Withdraw approval of a distribution (one version, or every version)."""
        database = self._writable()
        removed = [a for a in self.approvals() if normalise(a.distribution) == normalise(name)
                   and (version is None or a.version == version)]
        if not removed:
            which = f"{name} {version}" if version else name
            raise AllowListError(f"{which} is not approved; 'ketaconsole plugins list' shows "
                                 "what is")
        audit.record(Action.PLUGIN_REVOKED, actor=by.username, user_id=by.record_id,
                     target=name, detail={"versions": [a.version for a in removed]})
        with database.sessions() as session, session.begin():
            session.execute(delete(PluginApprovalRow).where(
                PluginApprovalRow.audit_seq.in_([a.audit_seq for a in removed])))
        self._read = None
        return removed


def clinic_registry(url: str | None = None) -> DriverRegistry:
    """The drivers this console may use: built-ins and the plugins the clinic approved."""
    with AllowList.of_clinic(url) as allow_list:
        return DriverRegistry.discover(allowed=allow_list.permits)


@dataclass(frozen=True, slots=True)
class InstalledPlugin:
    """A driver entry point installed by a distribution other than the console's own."""

    entry_point: str
    distribution: str | None
    version: str | None


def installed_plugins() -> list[InstalledPlugin]:
    """The third-party driver entry points installed here, found without importing them."""
    found = []
    for point in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda p: p.name):
        dist = point.dist
        name = dist.metadata["Name"] if dist is not None else None
        if name is not None and normalise(name) == BUILT_IN_DISTRIBUTION:
            continue
        found.append(InstalledPlugin(point.name, name, dist.version if dist else None))
    return found
