"""The tree shows the architecture: few loose modules, no giant class, nothing named like a test."""

from __future__ import annotations

import ast
import fnmatch
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PRODUCT = ("ketaconsole", "ui", "drivers")
MOST_LOOSE_MODULES = 12
LONGEST_CLASS = 400
TEST_NAMES = ("test_*.py", "*_test.py", "tests.py", "conftest.py")
"""The names test runners and tools take for tests."""


def _product_files() -> list[Path]:
    return sorted(p for top in PRODUCT for p in (ROOT / top).rglob("*.py")
                  if "build" not in p.relative_to(ROOT).parts)


@pytest.mark.parametrize("top", ["ketaconsole", "ui"])
def test_at_most_a_dozen_modules_stay_loose_at_the_top(top: str) -> None:
    loose = sorted(p.name for p in (ROOT / top).glob("*.py"))
    assert len(loose) <= MOST_LOOSE_MODULES, loose


def test_no_class_is_longer_than_400_lines() -> None:
    long = []
    for path in _product_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and node.end_lineno is not None:
                lines = node.end_lineno - node.lineno + 1
                if lines > LONGEST_CLASS:
                    long.append(f"{path.relative_to(ROOT)}: {node.name} ({lines} lines)")
    assert not long


def test_no_product_file_is_named_like_a_test() -> None:
    named = [str(p.relative_to(ROOT)) for p in _product_files()
             if any(fnmatch.fnmatch(p.name, pattern) for pattern in TEST_NAMES)]
    assert not named


def test_every_package_says_what_it_owns() -> None:
    silent = [str(p.relative_to(ROOT)) for top in ("ketaconsole", "ui")
              for p in (ROOT / top).rglob("__init__.py")
              if ast.get_docstring(ast.parse(p.read_text(encoding="utf-8"))) is None]
    assert not silent
