"""The import contract holds, and would catch a Qt import slipped into the core."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINT = str(Path(sys.executable).with_name("lint-imports"))


def _lint(where: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([LINT, "--no-cache", str(where / "pyproject.toml")],
                          cwd=where, capture_output=True, text=True, timeout=300,
                          env={"PYTHONPATH": str(where), "PATH": "/usr/bin:/bin"})


def test_the_contract_is_kept() -> None:
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_qt_import_in_the_core_breaks_the_contract(tmp_path: Path) -> None:
    for package in ("ketaconsole", "drivers", "ui"):
        shutil.copytree(ROOT / package, tmp_path / package,
                        ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    engine = tmp_path / "ketaconsole" / "live" / "engine.py"
    engine.write_text(engine.read_text() + "\nimport PySide6  # noqa\n")
    result = _lint(tmp_path)
    assert result.returncode != 0
    assert "Only ui/ imports Qt" in result.stdout
