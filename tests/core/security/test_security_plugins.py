"""Driver plugins load only from the clinic's allow-list; an unapproved plugin is never imported.

Uses the fixture plugins in tests/fixtures (a working thermometer driver and one whose
import raises). Each command runs as a subprocess in a fresh console home, so what is
imported is that process's business alone.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.plugin_env import plugin_folder, with_plugins

ADMIN_PIN = "864297"
PROBE = """
import json, sys
from pathlib import Path
from ketaconsole.devices.registry import DriverRegistry
from ketaconsole.security.plugins import AllowList
def everything(_name, _version):
    return True
policy = everything if sys.argv[1] == "none" else AllowList(None).permits
registry = DriverRegistry.discover(allowed=policy)
print(json.dumps({
    "installed": registry.slugs,
    "broken": [b.name for b in registry.broken],
    "not_allowed": [[p.name, p.distribution, p.version] for p in registry.not_allowed],
    "imported": sorted(m for m in sys.modules if m.startswith("ketaconsole_plugin"))}))
"""


@pytest.fixture(scope="module", autouse=True)
def plugins_installed() -> None:
    plugin_folder()


@pytest.fixture
def home(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "home"
    folder.mkdir()
    yield folder


def ketaconsole(home: Path, *args: str, stdin: str | None = None
                ) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "KETACONSOLE_DB"}
    env["KETACONSOLE_HOME"] = str(home)
    return subprocess.run([sys.executable, "-m", "ketaconsole", *args], capture_output=True,
                          text=True, timeout=60, env=with_plugins(env), input=stdin)


def probe(policy: str) -> dict[str, Any]:
    result = subprocess.run([sys.executable, "-c", PROBE, policy], capture_output=True,
                            text=True, timeout=60, env=with_plugins(dict(os.environ)))
    assert result.returncode == 0, result.stderr
    found: dict[str, Any] = json.loads(result.stdout)
    return found


def drivers(home: Path) -> dict[str, dict[str, Any]]:
    result = ketaconsole(home, "drivers", "--json")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    return {row["slug"]: row for row in json.loads(result.stdout)}


def add_admin(home: Path) -> None:
    added = ketaconsole(home, "users", "add", "--name", "ada", "--role", "admin",
                        "--pin-stdin", stdin=f"{ADMIN_PIN}\n")
    assert added.returncode == 0, added.stderr


def test_an_unapproved_plugin_is_not_imported_at_all(tmp_path: Path) -> None:
    found = probe(str(tmp_path / "empty-allow-list.json"))
    assert found["imported"] == []
    assert found["broken"] == [], "the broken plugin raised: it was imported"
    assert ["broken-demo", "ketaconsole-plugin-broken", "0.1.0"] in found["not_allowed"]
    assert ["demo-thermometer", "ketaconsole-plugin-demo", "0.1.0"] in found["not_allowed"]
    assert {"masimo-ascii", "nonin", "ne1000"} <= set(found["installed"])


def test_a_policy_permitting_every_plugin_imports_the_broken_one(tmp_path: Path) -> None:
    # The control for the test above: the fixture plugin really raises when imported.
    found = probe("none")
    assert "broken-demo" in found["broken"]
    assert "demo-thermometer" in found["installed"]
    assert found["not_allowed"] == []


def test_the_drivers_command_lists_unapproved_plugins_as_not_allowed(home: Path) -> None:
    listed = drivers(home)
    for slug, dist in (("broken-demo", "ketaconsole-plugin-broken"),
                       ("demo-thermometer", "ketaconsole-plugin-demo")):
        assert listed[slug] == {"slug": slug, "status": "not allowed", "distribution": dist,
                                "version": "0.1.0"}
    assert listed["masimo-ascii"]["status"] == "installed"
    plain = ketaconsole(home, "drivers")
    assert any(line.startswith("demo-thermometer") and "NOT ALLOWED" in line
               for line in plain.stdout.splitlines())


def test_using_an_unapproved_driver_says_how_to_approve_it(home: Path) -> None:
    capture = home / "thermometer.bin"
    capture.write_bytes(b"TEMP=36.8\r\n")
    result = ketaconsole(home, "decode", "demo-thermometer", str(capture))
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "ketaconsole: driver 'demo-thermometer' comes from plugin ketaconsole-plugin-demo "
        "0.1.0, which is not on the clinic's allow-list; an admin approves it with "
        "'ketaconsole plugins allow ketaconsole-plugin-demo 0.1.0'"]


def test_approval_is_of_the_installed_code_audited_and_revocable(home: Path) -> None:
    add_admin(home)
    allowed = ketaconsole(home, "plugins", "allow", "ketaconsole_plugin_demo",
                          "--as", "ada", "--pin-stdin", stdin=f"{ADMIN_PIN}\n")
    assert allowed.stdout.strip() == "allowed ketaconsole_plugin_demo 0.1.0", allowed.stderr
    listed = drivers(home)
    assert listed["demo-thermometer"]["status"] == "installed"
    assert listed["broken-demo"]["status"] == "not allowed"
    revoked = ketaconsole(home, "plugins", "revoke", "ketaconsole-plugin-demo",
                          "--as", "ada", "--pin-stdin", stdin=f"{ADMIN_PIN}\n")
    assert revoked.returncode == 0, revoked.stderr
    assert drivers(home)["demo-thermometer"]["status"] == "not allowed"
    audit = ketaconsole(home, "audit", "--json")
    entries = [json.loads(line) for line in audit.stdout.splitlines()]
    changes = [(e["action"], e["actor"], e["target"]) for e in entries
               if e["action"].startswith("plugin_")]
    assert changes == [("plugin_allowed", "ada", "ketaconsole_plugin_demo 0.1.0"),
                       ("plugin_revoked", "ada", "ketaconsole-plugin-demo")]
    status = json.loads(ketaconsole(home, "plugins", "list", "--json").stdout)
    assert {r["driver"]: r["status"] for r in status["installed"]} == {
        "broken-demo": "not allowed", "demo-thermometer": "not allowed"}


def test_a_nurse_cannot_approve_a_plugin(home: Path) -> None:
    add_admin(home)
    nurse = ketaconsole(home, "users", "add", "--name", "nia", "--role", "nurse", "--as",
                        "ada", "--pin-stdin", stdin=f"{ADMIN_PIN}\n471962\n")
    assert nurse.returncode == 0, nurse.stderr
    refused = ketaconsole(home, "plugins", "allow", "ketaconsole-plugin-demo", "--as", "nia",
                          "--pin-stdin", stdin="471962\n")
    assert refused.returncode == 1
    assert refused.stderr.splitlines() == [
        "ketaconsole: nia (nurse) may not approve driver plugins; ask an admin to do it"]
    assert drivers(home)["demo-thermometer"]["status"] == "not allowed"
