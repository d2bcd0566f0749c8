"""The hazard table names only tests that exist, and every hazard names a proof or a TODO."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HAZARDS = ROOT / "docs" / "hazards.md"
REFERENCE = re.compile(r"`(tests/[\w/]+\.py)::(test_\w+)`")


def test_every_test_the_hazard_table_names_exists() -> None:
    text = HAZARDS.read_text(encoding="utf-8")
    references = REFERENCE.findall(text)
    assert len(references) > 20
    missing = [f"{path}::{name}" for path, name in references
               if not (ROOT / path).is_file()
               or f"def {name}(" not in (ROOT / path).read_text(encoding="utf-8")]
    assert missing == []


def test_every_hazard_row_has_a_proof_or_a_todo() -> None:
    rows = [line for line in HAZARDS.read_text(encoding="utf-8").splitlines()
            if re.match(r"^\| \d+ \|", line)]
    assert len(rows) >= 20
    unproven = [row for row in rows
                if not REFERENCE.search(row.split("|")[-2]) and "TODO(ui)" not in row]
    assert unproven == []
