"""A plugin approval covers the installed code: its files' hash, kept in the record, audited.

Different code installed under the same version needs a new approval; neither a
hand-edited file nor a row written around ``plugins allow`` approves anything.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ketaconsole.security.plugins import installed_code
from ketaconsole.store import open_database
from ketaconsole.store.models import PluginApprovalRow
from tests.core.security.test_security_plugins import ADMIN_PIN, add_admin, drivers, ketaconsole
from tests.plugin_env import FIXTURES, plugin_folder

DEMO = "ketaconsole-plugin-demo"


@pytest.fixture(autouse=True)
def plugins_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    """The test plugins, for the commands the tests start and for this process's look-ups."""
    monkeypatch.syspath_prepend(str(plugin_folder()))


@pytest.fixture
def home(tmp_path: Path) -> Path:
    folder = tmp_path / "home"
    folder.mkdir()
    return folder


def approve(home: Path) -> None:
    add_admin(home)
    allowed = ketaconsole(home, "plugins", "allow", DEMO, "--as", "ada", "--pin-stdin",
                          stdin=f"{ADMIN_PIN}\n")
    assert allowed.returncode == 0, allowed.stderr
    assert drivers(home)["demo-thermometer"]["status"] == "installed"


def test_the_approval_is_on_the_audit_trail_with_the_files_hash(home: Path) -> None:
    approve(home)
    entries = [json.loads(line) for line in
               ketaconsole(home, "audit", "--json").stdout.splitlines()]
    (allowed,) = [e for e in entries if e["action"] == "plugin_allowed"]
    code = installed_code(DEMO)
    assert code is not None
    assert (allowed["target"], allowed["detail"]["files_sha256"]) == (
        f"{DEMO} 0.1.0", code.files_sha256)


def test_a_hand_edited_allow_list_file_approves_nothing(home: Path) -> None:
    (home / "plugins-allowed.json").write_text(json.dumps({"approved": [
        {"distribution": DEMO, "version": "0.1.0", "approved_by": "ada",
         "approved_at": 1.0}]}))
    assert drivers(home)["demo-thermometer"]["status"] == "not allowed"


def test_a_row_written_around_the_command_approves_nothing(home: Path) -> None:
    add_admin(home)
    code = installed_code(DEMO)
    assert code is not None
    database = open_database(f"sqlite:///{home / 'ketaconsole.sqlite3'}")
    with database.sessions() as session, session.begin():
        for seq in (1, 999):  # the admin's own entry, and an entry that does not exist
            session.add(PluginApprovalRow(distribution=DEMO, version="0.1.0",
                                          files_sha256=code.files_sha256, approved_by="ada",
                                          approved_at=1.0, audit_seq=seq))
    database.dispose()
    assert drivers(home)["demo-thermometer"]["status"] == "not allowed"


def test_different_code_under_the_same_version_needs_a_new_approval(
        home: Path, tmp_path: Path) -> None:
    approve(home)
    source = tmp_path / "plugin_demo"
    shutil.copytree(FIXTURES / "plugin_demo", source)
    module = source / "ketaconsole_plugin_demo" / "__init__.py"
    module.write_text(module.read_text() + "\nCHANGED = True  # same version, other code\n")
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps",
                    "--disable-pip-version-check", "--target",
                    str(site), str(source)], check=True, capture_output=True, timeout=300)
    env = {**os.environ, "KETACONSOLE_HOME": str(home), "PYTHONPATH": str(site)}
    env.pop("KETACONSOLE_DB", None)
    listed = subprocess.run([sys.executable, "-m", "ketaconsole", "drivers", "--json"],
                            capture_output=True, text=True, timeout=60, env=env, cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    rows = {row["slug"]: row for row in json.loads(listed.stdout)}
    assert rows["demo-thermometer"]["version"] == "0.1.0"
    assert rows["demo-thermometer"]["status"] == "not allowed"
    assert drivers(home)["demo-thermometer"]["status"] == "installed"  # the approved code


def test_only_the_installed_version_can_be_approved(home: Path) -> None:
    add_admin(home)
    other = ketaconsole(home, "plugins", "allow", DEMO, "0.0.9", "--as", "ada",
                        "--pin-stdin", stdin=f"{ADMIN_PIN}\n")
    assert other.returncode == 1
    assert other.stderr.splitlines() == [
        f"ketaconsole: {DEMO} 0.0.9 is not installed here (0.1.0 is); an approval covers "
        "the installed files only"]


def _installed_copy(tmp_path: Path, *, version: str | None = None,
                    change: bool = False) -> Path:
    source = tmp_path / "plugin_demo"
    shutil.copytree(FIXTURES / "plugin_demo", source)
    if version is not None:
        project = source / "pyproject.toml"
        project.write_text(project.read_text().replace('version = "0.1.0"',
                                                       f'version = "{version}"'))
    if change:
        module = source / "ketaconsole_plugin_demo" / "__init__.py"
        module.write_text(module.read_text() + "\nCHANGED = True  # other code\n")
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps",
                    "--disable-pip-version-check", "--target",
                    str(site), str(source)], check=True, capture_output=True, timeout=300)
    return site


@pytest.mark.parametrize(("version", "change", "says"), [
    ("0.2.0", False, "approved at 0.1.0, but 0.2.0 is installed: approve the new version"),
    (None, True, "its installed files changed since 0.1.0 was approved"),
])
def test_the_plugin_list_says_why_an_approved_plugin_is_not_allowed_any_more(
        home: Path, tmp_path: Path, version: str | None, change: bool, says: str) -> None:
    approve(home)
    site = _installed_copy(tmp_path, version=version, change=change)
    paths = [str(site), *filter(None, [os.environ.get("PYTHONPATH")])]
    env = {**os.environ, "KETACONSOLE_HOME": str(home), "PYTHONPATH": os.pathsep.join(paths)}
    env.pop("KETACONSOLE_DB", None)
    listed = subprocess.run([sys.executable, "-m", "ketaconsole", "plugins", "list"],
                            capture_output=True, text=True, timeout=60, env=env, cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    (row,) = [line for line in listed.stdout.splitlines() if line.startswith("demo-thermometer")]
    assert "not allowed" in row and says in row
