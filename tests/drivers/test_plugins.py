"""Third-party drivers: a separate distribution is found through its entry point and works
end to end; one that fails on import is listed as broken and stops nothing.

The plugin distributions live in tests/fixtures/ and are installed into a folder of
their own for the test run (tests/plugin_env.py), never into the console's environment.
Plugins load only once approved, so these tests run the commands in a console home
whose admin has put both plugins on the allow-list (what happens to a plugin that is
not approved is in tests/core/security/test_security_plugins.py).
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

from tests.plugin_env import FIXTURES, PLUGINS, plugin_folder, with_plugins

ADMIN_PIN = "246813"
CONSOLE_ENV: dict[str, str] = {}


@pytest.fixture(scope="module", autouse=True)
def plugins_installed() -> Iterator[None]:
    plugin_folder()
    yield


@pytest.fixture(scope="module", autouse=True)
def plugins_approved(plugins_installed: None,
                     tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """A console home with an admin who has approved both plugins at their versions."""
    home = tmp_path_factory.mktemp("console-home")
    CONSOLE_ENV.update(KETACONSOLE_HOME=str(home), KETACONSOLE_DB="")
    added = ketaconsole("users", "add", "--name", "admin", "--role", "admin", "--pin-stdin",
                        stdin=f"{ADMIN_PIN}\n")
    assert added.returncode == 0, added.stderr
    for name in PLUGINS:
        allowed = ketaconsole("plugins", "allow", name, "--as", "admin", "--pin-stdin",
                              stdin=f"{ADMIN_PIN}\n")
        assert allowed.returncode == 0, allowed.stderr
    yield
    CONSOLE_ENV.clear()


def ketaconsole(*args: str, stdin: str | None = None,
                extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "KETACONSOLE_DB"}
    env.update({k: v for k, v in CONSOLE_ENV.items() if v})
    env.update(extra_env or {})
    return subprocess.run([sys.executable, "-m", "ketaconsole", *args], capture_output=True,
                          text=True, timeout=60, env=with_plugins(env), input=stdin)


def listed() -> dict[str, dict[str, Any]]:
    result = ketaconsole("drivers", "--json")
    assert result.returncode == 0, result.stderr
    return {row["slug"]: row for row in json.loads(result.stdout)}


def test_the_plugin_driver_is_listed_with_its_metadata_and_distribution() -> None:
    row = listed()["demo-thermometer"]
    assert row["status"] == "installed"
    assert row["distribution"] == "ketaconsole-plugin-demo"
    assert row["version"] == "0.1.0"
    assert row["vendor"] == "Demo Instruments"
    assert row["kind"] == "monitor"
    assert row["line"]["baudrate"] == 9600


def test_the_broken_plugin_is_listed_as_broken_with_its_error() -> None:
    drivers = listed()
    broken = drivers["broken-demo"]
    assert broken["status"] == "broken"
    assert broken["distribution"] == "ketaconsole-plugin-broken"
    assert "RuntimeError" in broken["error"]
    assert "fails on import on purpose" in broken["error"]
    assert drivers["masimo-ascii"]["status"] == "installed"
    assert drivers["demo-thermometer"]["status"] == "installed"


def test_the_broken_plugin_does_not_stop_the_plain_listing() -> None:
    result = ketaconsole("drivers")
    assert result.returncode == 0
    assert result.stderr == "", "the broken plugin is listed once, on stdout, not warned about"
    lines = result.stdout.splitlines()
    assert any(line.startswith("broken-demo") and "BROKEN: RuntimeError" in line
               for line in lines)
    assert any(line.startswith("masimo-ascii") for line in lines)
    assert any(line.startswith("demo-thermometer") for line in lines)


def test_a_capture_decodes_through_the_plugin(tmp_path: Path) -> None:
    capture = tmp_path / "thermometer.bin"
    capture.write_bytes(b"TEMP=36.8\r\nTEMP=--.-\r\nTEMP=3x.8\r\nTEMP=37.1\r\n")
    result = ketaconsole("decode", "demo-thermometer", str(capture))
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["kind"], r.get("value"), r.get("error")) for r in rows] == [
        ("numeric", 36.8, None), ("numeric", None, None), ("error", None, "framing"),
        ("numeric", 37.1, None)]
    assert {r["metric"] for r in rows if r["kind"] == "numeric"} == {"MDC_TEMP_BODY"}
    assert {r["unit"] for r in rows if r["kind"] == "numeric"} == {"Cel"}
    assert {r["device"] for r in rows} == {"thermometer.bin"}


def test_decoding_with_the_broken_plugin_is_one_clear_line() -> None:
    result = ketaconsole("decode", "broken-demo", str(FIXTURES / "install_plugins.sh"))
    assert result.returncode != 0
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert "no driver 'broken-demo'" in result.stderr


def test_an_approved_plugins_simulator_runs_on_sim_and_probe_decodes_it() -> None:
    result = ketaconsole("probe", "demo-thermometer", "sim://demo-thermometer", "--seconds",
                         "2.5")
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert any(r["kind"] == "numeric" and r["value"] is not None for r in records)


def test_the_demo_accepts_an_approved_plugins_simulator_for_its_role() -> None:
    result = ketaconsole("--demo", "--demo-device", "demo-thermometer", "--quit-after", "2",
                         extra_env={"QT_QPA_PLATFORM": "offscreen"})
    assert result.returncode == 0, result.stderr
    assert "--demo-device" not in result.stderr


def test_the_demo_refuses_a_device_it_cannot_serve_in_one_sentence() -> None:
    result = ketaconsole("--demo", "--demo-device", "no-such-thing", "--quit-after", "1")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert "no such driver is installed and approved" in result.stderr
