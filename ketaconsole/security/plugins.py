"""The clinic's allow-list of driver plugins: which distributions, at which versions, may load.

A driver plugin is code that runs inside the console, so only plugins an admin has
approved are imported; the console's own drivers (distribution ``ketaconsole``) always
are. The list is a JSON file in the console's home folder (plugins are installed per
workstation, so their approval is too); every change to it is on the audit trail.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import time
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from ketaconsole.registry import ENTRY_POINT_GROUP, DriverRegistry
from ketaconsole.security.audit import Action, AuditLog
from ketaconsole.security.users import ConsoleUser
from ketaconsole.settings import home_dir
from ketaconsole.store.timeline import format_time

ALLOW_LIST_FILE = "plugins-allowed.json"
BUILT_IN_DISTRIBUTION = "ketaconsole"


class AllowListError(ValueError):
    """The allow-list cannot be read or changed; the text says what to do."""


def normalise(distribution: str) -> str:
    """A distribution name as packaging compares them (case and ``-_.`` runs ignored)."""
    return re.sub(r"[-_.]+", "-", distribution).lower()


@dataclass(frozen=True, slots=True)
class PluginApproval:
    distribution: str
    version: str
    approved_by: str
    approved_at: float

    def as_record(self) -> dict[str, Any]:
        return {"distribution": self.distribution, "version": self.version,
                "approved_by": self.approved_by, "approved_at": self.approved_at,
                "approved_time": format_time(self.approved_at)}


def default_allow_list_path() -> Path:
    """The allow-list file in the console's home folder."""
    return home_dir() / ALLOW_LIST_FILE


class AllowList:
    """The approved plugins of this console, read from and written to one JSON file."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_allow_list_path()

    def approvals(self) -> list[PluginApproval]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise AllowListError(f"the plugin allow-list {self.path} cannot be read "
                                 f"({exc.strerror}); check the file's permissions") from None
        try:
            rows = json.loads(text)["approved"]
            return [PluginApproval(str(r["distribution"]), str(r["version"]),
                                   str(r["approved_by"]), float(r["approved_at"]))
                    for r in rows]
        except (ValueError, KeyError, TypeError):
            raise AllowListError(f"the plugin allow-list {self.path} is damaged; an admin "
                                 "removes it and approves the plugins again") from None

    def permits(self, distribution: str | None, version: str | None) -> bool:
        """Whether a plugin from ``distribution`` at ``version`` may be imported."""
        if distribution is None:
            return False
        if normalise(distribution) == BUILT_IN_DISTRIBUTION:
            return True
        wanted = normalise(distribution)
        try:
            approvals = self.approvals()
        except AllowListError:
            return False
        return any(normalise(a.distribution) == wanted and a.version == version
                   for a in approvals)

    def _write(self, approvals: list[PluginApproval]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = {"approved": [a.as_record() for a in approvals]}
        handle, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=".plugins-")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                json.dump(data, stream, indent=2)
                stream.flush()
                os.fsync(stream.fileno())
            os.replace(temporary, self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def allow(self, distribution: str, version: str, *, by: ConsoleUser,
              audit: AuditLog) -> PluginApproval:
        """Approve one distribution at one version (unguarded: see ``PluginAdmin``)."""
        if not distribution.strip() or not version.strip():
            raise AllowListError("a plugin is approved by distribution name and version, "
                                 "e.g. 'ketaconsole plugins allow acme-drivers 1.2.0'")
        if normalise(distribution) == BUILT_IN_DISTRIBUTION:
            raise AllowListError("the console's own drivers are always allowed; "
                                 "approve a plugin distribution instead")
        current = self.approvals()
        kept = [a for a in current if not (normalise(a.distribution) == normalise(distribution)
                                           and a.version == version)]
        approval = PluginApproval(distribution.strip(), version.strip(), by.username,
                                  time.time())
        audit.record(Action.PLUGIN_ALLOWED, actor=by.username, user_id=by.record_id,
                     target=f"{approval.distribution} {approval.version}")
        self._write([*kept, approval])
        return approval

    def revoke(self, distribution: str, version: str | None, *, by: ConsoleUser,
               audit: AuditLog) -> list[PluginApproval]:
        """Withdraw approval of a distribution (one version, or every version)."""
        current = self.approvals()
        removed = [a for a in current if normalise(a.distribution) == normalise(distribution)
                   and (version is None or a.version == version)]
        if not removed:
            which = f"{distribution} {version}" if version else distribution
            raise AllowListError(f"{which} is not on the allow-list; "
                                 "'ketaconsole plugins list' shows what is")
        audit.record(Action.PLUGIN_REVOKED, actor=by.username, user_id=by.record_id,
                     target=distribution,
                     detail={"versions": [a.version for a in removed]})
        self._write([a for a in current if a not in removed])
        return removed


def clinic_registry(allow_list: AllowList | None = None) -> DriverRegistry:
    """The drivers this console may use: built-ins and the plugins on its allow-list."""
    return DriverRegistry.discover(allowed=(allow_list or AllowList()).permits)


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
