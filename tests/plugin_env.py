"""The test suite's plugin distributions, in a folder of their own for this test run.

They are installed once per run into a temporary folder (never into the environment
the console runs from, so a later ``./run demo`` lists no test plugin), and the commands
the tests start see them through ``PYTHONPATH``.
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent / "fixtures"
PLUGINS = ("ketaconsole-plugin-demo", "ketaconsole-plugin-broken")
_installed: list[Path] = []


def plugin_folder() -> Path:
    """The folder holding both plugin distributions (installed on first use)."""
    if not _installed:
        target = Path(tempfile.mkdtemp(prefix="ketaconsole-test-plugins-"))
        atexit.register(shutil.rmtree, target, True)
        subprocess.run(["sh", str(FIXTURES / "install_plugins.sh"), sys.executable,
                        str(target)], check=True, capture_output=True, timeout=300)
        _installed.append(target)
    return _installed[0]


def with_plugins(env: dict[str, str]) -> dict[str, str]:
    """``env`` with the plugin folder first on ``PYTHONPATH``."""
    paths = [str(plugin_folder()), *filter(None, [env.get("PYTHONPATH")])]
    return {**env, "PYTHONPATH": os.pathsep.join(paths)}
