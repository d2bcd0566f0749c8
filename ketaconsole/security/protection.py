"""Data protection checks: is the data folder on an encrypted volume, does PostgreSQL use TLS.

The console relies on full-disk encryption for data at rest (see docs/data-protection.md).
On Linux a folder is on an encrypted volume when the block device under its mount is a
dm-crypt mapping (``/sys/block/dm-N/dm/uuid`` starting ``CRYPT-``), directly or under LVM;
elsewhere the answer is "unknown" and the clinic checks BitLocker or FileVault itself.
"""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from sqlalchemy.engine import make_url

PROC_MOUNTS = Path("/proc/mounts")
SYS_BLOCK = Path("/sys/block")
SAFE_SSLMODES = ("require", "verify-ca", "verify-full")
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")

log = logging.getLogger(__name__)


class Protection(Enum):
    YES = "yes"
    NO = "no"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Finding:
    """One check's answer and a sentence saying what it means or what to do."""

    status: Protection
    advice: str


def _unescape(field: str) -> str:
    return field.replace("\\040", " ").replace("\\011", "\t").replace("\\134", "\\")


def _mount_of(path: Path, mounts_text: str) -> tuple[str, str, str] | None:
    """(device, mount point, file-system type) of the mount ``path`` is on."""
    best: tuple[str, str, str] | None = None
    target = str(path)
    for line in mounts_text.splitlines():
        parts = line.split()
        if len(parts) < 3:
            continue
        device, point, fstype = _unescape(parts[0]), _unescape(parts[1]), parts[2]
        inside = target == point or target.startswith(point.rstrip("/") + "/")
        if inside and (best is None or len(point) >= len(best[1])):
            best = (device, point, fstype)
    return best


def _dm_is_crypt(name: str, sys_block: Path, depth: int = 0) -> bool:
    """Whether block device ``name`` is dm-crypt, or a mapping stacked on one."""
    if depth > 8:
        return False
    try:
        uuid = (sys_block / name / "dm" / "uuid").read_text().strip()
    except OSError:
        return False
    if uuid.startswith("CRYPT-"):
        return True
    slaves = sys_block / name / "slaves"
    try:
        below = [entry.name for entry in slaves.iterdir()]
    except OSError:
        return False
    return any(_dm_is_crypt(child, sys_block, depth + 1) for child in below)


def folder_encryption(folder: Path, *, proc_mounts: Path = PROC_MOUNTS,
                      sys_block: Path = SYS_BLOCK, platform: str = sys.platform) -> Finding:
    """Whether ``folder`` is on an encrypted volume, as far as this computer can tell."""
    if not platform.startswith("linux"):
        return Finding(Protection.UNKNOWN, "cannot tell on this system; check that "
                       "BitLocker (Windows) or FileVault (macOS) is on for this disk")
    try:
        mount = _mount_of(folder.resolve(), proc_mounts.read_text())
    except OSError:
        mount = None
    if mount is None:
        return Finding(Protection.UNKNOWN, f"cannot find the disk {folder} is on; check that "
                       "the disk is encrypted (LUKS)")
    device, point, fstype = mount
    if fstype in ("tmpfs", "ramfs"):
        return Finding(Protection.UNKNOWN, f"{folder} is in memory ({fstype} at {point}) and "
                       "is lost on restart; keep the record on an encrypted disk")
    if not device.startswith("/dev/"):
        return Finding(Protection.UNKNOWN, f"{folder} is on {fstype} ({device}); check that "
                       "the disk underneath is encrypted (LUKS)")
    name = Path(os.path.realpath(device)).name
    if _dm_is_crypt(name, sys_block):
        return Finding(Protection.YES, f"{folder} is on an encrypted volume ({device})")
    return Finding(Protection.NO, f"{folder} is on {device}, which is not encrypted; "
                   "move the data folder to a LUKS-encrypted disk (see docs/data-protection.md)")


def database_transport(url: str) -> Finding:
    """Whether the connection to the record database is protected in transit."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return Finding(Protection.YES, "the record is a file on this computer (no network)")
    host = parsed.host or ""
    sslmode = str(parsed.query.get("sslmode", ""))
    if sslmode in SAFE_SSLMODES:
        return Finding(Protection.YES, f"PostgreSQL over TLS (sslmode={sslmode})")
    if not host or host.startswith("/") or host in LOCAL_HOSTS:
        return Finding(Protection.YES, "PostgreSQL on this computer (no network)")
    return Finding(Protection.NO, f"PostgreSQL at {host} without TLS; add ?sslmode=verify-full "
                   "(or at least sslmode=require) to the database URL")


def warn_if_unprotected(folder: Path, url: str, *, proc_mounts: Path = PROC_MOUNTS,
                        sys_block: Path = SYS_BLOCK,
                        platform: str = sys.platform) -> list[Finding]:
    """Log a warning for each protection that is missing (at start-up); those findings."""
    disk = folder_encryption(folder, proc_mounts=proc_mounts, sys_block=sys_block,
                             platform=platform)
    missing = [finding for finding in (disk, database_transport(url))
               if finding.status is Protection.NO]
    for finding in missing:
        log.warning("data protection: %s", finding.advice)
    return missing
