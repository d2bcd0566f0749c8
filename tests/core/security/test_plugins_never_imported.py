"""An unapproved plugin is imported by no command: not the window (room or demo), not replay.

Each command runs in a fresh process whose first import finder writes down every module
looked for whose name starts with ``ketaconsole_plugin``; the fixture plugins (a working
thermometer and one that raises on import) are installed and on no allow-list.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ketaconsole.store import SessionPlan, SessionService, open_database
from tests.plugin_env import plugin_folder, with_plugins

WATCHED = """
import runpy, sys
class Watch:
    def find_spec(self, name, path=None, target=None):
        if name.startswith("ketaconsole_plugin"):
            with open({mark!r}, "a") as mark:
                mark.write(name + "\\n")
        return None
sys.meta_path.insert(0, Watch())
sys.argv = ["ketaconsole", *sys.argv[1:]]
runpy.run_module("ketaconsole", run_name="__main__")
"""


@pytest.fixture(scope="module", autouse=True)
def plugins_installed() -> None:
    plugin_folder()


@pytest.fixture
def record(tmp_path: Path) -> tuple[str, int]:
    url = f"sqlite:///{tmp_path / 'record.sqlite3'}"
    database = open_database(url)
    service = SessionService.begin(database, SessionPlan("Ann Example"), [], station="r1")
    assert service.close()
    database.dispose()
    return url, service.session_id


def imported_by(tmp_path: Path, *args: str, policy_everything: bool = False,
                exit_code: int = 0) -> list[str]:
    """The plugin modules a ``ketaconsole`` process looked for while running ``args``."""
    mark = tmp_path / "imported.txt"
    mark.unlink(missing_ok=True)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen",
           "KETACONSOLE_HOME": str(tmp_path / "home")}
    env.pop("KETACONSOLE_DB", None)
    script = WATCHED.format(mark=str(mark))
    if policy_everything:  # the control: a process that does import every plugin
        script = script.replace("runpy.run_module(", "from ketaconsole.devices.registry import "
                                "DriverRegistry\nDriverRegistry.discover(allowed=lambda "
                                "n, v: True)\nrunpy.run_module(")
    done = subprocess.run([sys.executable, "-c", script, *args], capture_output=True,
                          text=True, timeout=120, env=with_plugins(env), cwd=tmp_path)
    assert done.returncode == exit_code, done.stderr[-2000:]
    return sorted(set(mark.read_text().split())) if mark.exists() else []


def test_the_watch_sees_a_plugin_being_imported(tmp_path: Path) -> None:
    assert imported_by(tmp_path, "--version", policy_everything=True) == [
        "ketaconsole_plugin_broken", "ketaconsole_plugin_demo"]


@pytest.mark.parametrize("args", [
    ("--demo", "--quit-after", "1.5"),
    ("--room", "Room 1", "--quit-after", "1.5"),
    ("drivers",),
    ("plugins", "list"),
    ("decode", "masimo-ascii", "capture.bin"),
    ("probe", "masimo-ascii", "loop://", "--seconds", "0.3"),
], ids=lambda args: args[0])
def test_no_command_imports_an_unapproved_plugin(tmp_path: Path, args: tuple[str, ...]) -> None:
    (tmp_path / "capture.bin").write_bytes(b"")
    nothing_heard = 1 if args[0] == "probe" else 0  # loop:// sends nothing back
    assert imported_by(tmp_path, *args, exit_code=nothing_heard) == []


@pytest.mark.parametrize("command", ["replay", "sessions", "verify", "export"])
def test_no_record_command_imports_an_unapproved_plugin(
        tmp_path: Path, record: tuple[str, int], command: str) -> None:
    url, session_id = record
    args = {"replay": ["replay", str(session_id)], "sessions": ["sessions"],
            "verify": ["verify", str(session_id)],
            "export": ["export", str(session_id), "--format", "csv", "--out", str(tmp_path)]}
    assert imported_by(tmp_path, *args[command], "--db", url) == []
