"""Data protection checks: the encrypted-volume finding from mount and device-mapper tables,
and TLS for a PostgreSQL record. The tables are written as files in the test's folder in
the layout Linux uses (/proc/mounts, /sys/block/NAME/dm/uuid and slaves/)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ketaconsole.security.protection import (
    Protection,
    database_transport,
    folder_encryption,
)


def _block(sys_block: Path, name: str, uuid: str | None = None,
           slaves: tuple[str, ...] = ()) -> None:
    folder = sys_block / name
    (folder / "slaves").mkdir(parents=True)
    if uuid is not None:
        (folder / "dm").mkdir()
        (folder / "dm" / "uuid").write_text(uuid + "\n")
    for slave in slaves:
        (folder / "slaves" / slave).mkdir()


@pytest.fixture
def machine(tmp_path: Path) -> tuple[Path, Path]:
    mounts = tmp_path / "mounts"
    mounts.write_text(
        "/dev/vda1 / ext4 rw,relatime 0 0\n"
        "/dev/dm-0 /srv/clinic ext4 rw,relatime 0 0\n"
        "/dev/dm-2 /srv/lvm ext4 rw,relatime 0 0\n"
        "/dev/dm-3 /srv/plain\\040lvm xfs rw 0 0\n"
        "tmpfs /run/user tmpfs rw 0 0\n"
        "overlay /var/lib/container overlay rw 0 0\n")
    sys_block = tmp_path / "block"
    _block(sys_block, "vda")
    _block(sys_block, "dm-0", "CRYPT-LUKS2-0123456789abcdef-luks-root")
    _block(sys_block, "dm-1", "CRYPT-LUKS2-fedcba-luks-pv")
    _block(sys_block, "dm-2", "LVM-abcdef", slaves=("dm-1",))
    _block(sys_block, "dm-3", "LVM-012345", slaves=("vda",))
    return mounts, sys_block


@pytest.mark.parametrize(("folder", "status", "words"), [
    ("/srv/clinic/KetaConsole", Protection.YES, "is on an encrypted volume (/dev/dm-0)"),
    ("/srv/lvm/data", Protection.YES, "encrypted volume (/dev/dm-2)"),
    ("/srv/plain lvm/data", Protection.NO, "/dev/dm-3, which is not encrypted"),
    ("/home/nurse/.local/share/KetaConsole", Protection.NO, "/dev/vda1, which is not"),
    ("/run/user/1000/KetaConsole", Protection.UNKNOWN, "is in memory (tmpfs"),
    ("/var/lib/container/data", Protection.UNKNOWN, "is on overlay (overlay)"),
])
def test_the_volume_under_the_data_folder_is_found_and_judged(
        machine: tuple[Path, Path], folder: str, status: Protection, words: str) -> None:
    mounts, sys_block = machine
    finding = folder_encryption(Path(folder), proc_mounts=mounts, sys_block=sys_block,
                                platform="linux")
    assert finding.status is status
    assert words in finding.advice


def test_other_systems_are_unknown_and_told_what_to_check(machine: tuple[Path, Path]) -> None:
    mounts, sys_block = machine
    for platform, word in (("win32", "BitLocker"), ("darwin", "FileVault")):
        finding = folder_encryption(Path("/srv/clinic"), proc_mounts=mounts,
                                    sys_block=sys_block, platform=platform)
        assert finding.status is Protection.UNKNOWN and word in finding.advice


@pytest.mark.parametrize(("url", "status"), [
    ("sqlite:///clinic.sqlite3", Protection.YES),
    ("postgresql://kc@db.clinic.example/ketaconsole", Protection.NO),
    ("postgresql+psycopg://kc@db.clinic.example/ketaconsole?sslmode=prefer", Protection.NO),
    ("postgresql+psycopg://kc@db.clinic.example/ketaconsole?sslmode=require", Protection.YES),
    ("postgresql://kc@10.0.0.5:5432/ketaconsole?sslmode=verify-full", Protection.YES),
    ("postgresql://kc@localhost/ketaconsole", Protection.YES),
])
def test_a_networked_postgresql_record_needs_tls(url: str, status: Protection) -> None:
    finding = database_transport(url)
    assert finding.status is status
    if status is Protection.NO:
        assert "sslmode=verify-full" in finding.advice


def test_doctor_reports_each_check_and_fails_on_an_altered_audit_trail(tmp_path: Path) -> None:
    import json
    import os

    from sqlalchemy import text

    from ketaconsole.security import AuditLog
    from ketaconsole.store import open_database

    url = f"sqlite:///{tmp_path / 'record.sqlite3'}"
    env = dict(os.environ, KETACONSOLE_HOME=str(tmp_path), KETACONSOLE_DB=url)

    def doctor() -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "ketaconsole", "doctor", "--json"],
                              capture_output=True, text=True, timeout=60, env=env)

    first = doctor()
    assert first.returncode == 0, first.stderr
    checks = {c["check"]: c for c in json.loads(first.stdout)}
    assert checks["an admin exists"]["status"] == "no"
    assert checks["database connection protected"]["status"] == "yes"
    assert checks["data folder encrypted"]["status"] in ("yes", "no", "unknown")
    assert checks["audit trail intact"]["status"] == "yes"
    database = open_database(url)
    try:
        AuditLog(database).record("login", actor="nia")
        with database.engine.begin() as connection:
            connection.execute(text("UPDATE audit_log SET actor = 'eve'"))
    finally:
        database.dispose()
    second = doctor()
    assert second.returncode == 1
    checks = {c["check"]: c for c in json.loads(second.stdout)}
    assert checks["audit trail intact"]["status"] == "no"
    assert checks["audit trail intact"]["advice"].startswith(
        "the audit trail was altered at entry 1 (login")


def test_start_up_logs_a_warning_for_each_missing_protection(
        machine: tuple[Path, Path], caplog: pytest.LogCaptureFixture) -> None:
    from ketaconsole.security.protection import warn_if_unprotected

    mounts, sys_block = machine
    with caplog.at_level("WARNING", logger="ketaconsole.security.protection"):
        missing = warn_if_unprotected(Path("/home/nurse/KetaConsole"),
                                      "postgresql://kc@db.clinic.example/kc",
                                      proc_mounts=mounts, sys_block=sys_block,
                                      platform="linux")
    assert len(missing) == 2
    assert [r.getMessage().split(":")[0] for r in caplog.records] == ["data protection"] * 2
    caplog.clear()
    with caplog.at_level("WARNING", logger="ketaconsole.security.protection"):
        assert warn_if_unprotected(Path("/srv/clinic/data"), "sqlite:///x",
                                   proc_mounts=mounts, sys_block=sys_block,
                                   platform="linux") == []
    assert caplog.records == []
