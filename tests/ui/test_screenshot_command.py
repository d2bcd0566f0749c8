"""``ketaconsole --demo --screenshot FILE --quit-after S`` draws the window to a PNG and exits 0."""

from __future__ import annotations

import os
import struct
import subprocess
import sys
from pathlib import Path

import pytest


def _console(*args: str, env: dict[str, str] | None = None,
             timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ketaconsole", *args], capture_output=True,
                          text=True, timeout=timeout, env=env)


def _png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG file"
    width, height = struct.unpack(">II", header[16:24])
    return width, height


def test_demo_screenshot_is_written_and_the_command_exits_0(tmp_path: Path) -> None:
    shot = tmp_path / "demo.png"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "KETACONSOLE_HOME": str(tmp_path)}
    result = _console("--demo", "--screenshot", str(shot), "--quit-after", "3", env=env)
    assert result.returncode == 0, result.stderr
    width, height = _png_size(shot)
    assert width >= 1000 and height >= 600


def test_screenshot_into_a_missing_folder_is_one_clear_line_and_exit_2(tmp_path: Path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "KETACONSOLE_HOME": str(tmp_path)}
    result = _console("--demo", "--screenshot", str(tmp_path / "nope" / "x.png"), env=env)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "does not exist" in result.stderr


@pytest.mark.parametrize("args", [["--bogus"], ["--quit-after", "soon"]])
def test_a_usage_mistake_is_one_line_and_exit_2(args: list[str]) -> None:
    result = _console(*args)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "--help" in result.stderr


def test_version_prints_the_version() -> None:
    from ketaconsole import __version__

    result = _console("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"ketaconsole {__version__}"


@pytest.mark.parametrize("size", ["1366x768", "1920x1080"])
def test_a_page_is_captured_at_the_size_asked(tmp_path: Path, size: str) -> None:
    shot = tmp_path / "session.png"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "KETACONSOLE_HOME": str(tmp_path)}
    result = _console("--demo", "--screenshot", str(shot), "--size", size, "--page",
                      "session", "--quit-after", "3", env=env)
    assert result.returncode == 0, result.stderr
    assert _png_size(shot) == tuple(int(part) for part in size.split("x"))


@pytest.mark.parametrize(("args", "said"), [
    (["--size", "big"], "--size must be WIDTHxHEIGHT"),
    (["--page", "kitchen"], "--page must be one of"),
])
def test_a_wrong_size_or_page_is_one_clear_line_and_exit_2(
        tmp_path: Path, args: list[str], said: str) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "KETACONSOLE_HOME": str(tmp_path)}
    result = _console("--demo", *args, "--screenshot", str(tmp_path / "x.png"), env=env)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and said in result.stderr
