"""``python -m benchmarks``: runs every benchmark module, survives a failing one, and ends
with one flat JSON object. (It checks the harness, never a speed.)"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import benchmarks
from benchmarks import __main__ as harness

MODULES = {
    "zz_alpha.py": "def run():\n    return {'zz_alpha.work.s': 0.5, 'zz_alpha.count.n': 3}\n",
    "zz_broken.py": "def run():\n    raise RuntimeError('benchmark bug')\n",
    "zz_import.py": "raise ImportError('missing dependency')\n",
    "zz_helper.py": "VALUE = 1  # a module without run() is no benchmark\n",
    "zz_prefix.py": ("def run(only=None):\n"
                     "    return {'zz_prefix.a.s': 1.0, 'zz_prefix.b.s': 2.0,"
                     " 'zz_prefix.only.text': 0.0 if only is None else len(only)}\n"),
    "zz_nan.py": "def run():\n    return {'zz_nan.value.s': float('nan')}\n",
}


@pytest.fixture
def fake_benchmarks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    for name, text in MODULES.items():
        (tmp_path / name).write_text(text)
    monkeypatch.setattr(benchmarks, "__path__", [*benchmarks.__path__, str(tmp_path)])
    yield tmp_path
    for name in MODULES:
        sys.modules.pop(f"benchmarks.{name[:-3]}", None)


def last_json(out: str) -> dict[str, float]:
    lines = out.strip().splitlines()
    figures = json.loads(lines[-1])
    assert isinstance(figures, dict)
    return figures


def test_every_module_runs_and_a_failing_one_is_reported_without_stopping_the_rest(
        fake_benchmarks: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert harness.main(["--only", "zz"]) == 0
    captured = capsys.readouterr()
    assert last_json(captured.out) == {
        "zz_alpha.work.s": 0.5, "zz_alpha.count.n": 3.0,
        "zz_broken.error": 1.0, "zz_import.error": 1.0, "zz_nan.error": 1.0,
        "zz_prefix.a.s": 1.0, "zz_prefix.b.s": 2.0, "zz_prefix.only.text": 2.0}
    assert "RuntimeError: benchmark bug" in captured.err
    assert "ImportError: missing dependency" in captured.err
    assert "not a finite number" in captured.err


def test_a_dotted_prefix_keeps_only_the_matching_keys(
        fake_benchmarks: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert harness.main(["--only", "zz_prefix.a"]) == 0
    assert last_json(capsys.readouterr().out) == {"zz_prefix.a.s": 1.0}


def test_a_prefix_that_matches_nothing_is_one_clear_line(
        fake_benchmarks: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert harness.main(["--only", "nothing_like_this"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("no benchmark matches 'nothing_like_this'")


def test_the_real_package_holds_the_decode_benchmark() -> None:
    assert "decode" in harness.benchmark_modules()
    assert "__main__" not in harness.benchmark_modules()
