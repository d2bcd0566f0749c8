"""A real window on an X server (Xvfb) through Qt's xcb platform, shot to a PNG."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest


def _free_display() -> int:
    for number in range(90, 190):
        if not Path(f"/tmp/.X11-unix/X{number}").exists() and \
                not Path(f"/tmp/.X{number}-lock").exists():
            return number
    raise RuntimeError("no free X display number between :90 and :189")


@pytest.fixture
def xvfb_display() -> Iterator[str]:
    if shutil.which("Xvfb") is None:
        if os.environ.get("CI"):
            pytest.fail("Xvfb is not installed; CI must install it (apt-get install xvfb)")
        pytest.skip("Xvfb is not installed here (apt-get install xvfb); CI runs this test")
    number = _free_display()
    server = subprocess.Popen(["Xvfb", f":{number}", "-screen", "0", "1440x900x24",
                               "-nolisten", "tcp"], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while not Path(f"/tmp/.X11-unix/X{number}").exists():
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail("Xvfb did not start")
            time.sleep(0.05)
        yield f":{number}"
    finally:
        server.terminate()
        server.wait(5)


@pytest.mark.xvfb
def test_demo_opens_a_real_window_under_xvfb(xvfb_display: str, tmp_path: Path) -> None:
    shot = tmp_path / "window.png"
    env = {k: v for k, v in os.environ.items() if k != "WAYLAND_DISPLAY"}
    env.update(DISPLAY=xvfb_display, QT_QPA_PLATFORM="xcb", KETACONSOLE_HOME=str(tmp_path))
    result = subprocess.run(
        [sys.executable, "-m", "ketaconsole", "--demo", "--screenshot", str(shot),
         "--quit-after", "3"], capture_output=True, text=True, timeout=90, env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
