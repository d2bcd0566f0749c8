"""Every command's parser, driven with hostile values: refused in one line, nothing written.

Each example puts one hostile value (NaN, infinity, huge and negative numbers, an empty
string, control characters, a 10 kB string) into one argument of one command, with every
other argument valid, and runs the command in this process. It must exit 2 (usage) or 1
(refused) with exactly one line on stderr and no traceback, and write no row.
"""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ketaconsole.cli import main

HOSTILE_WORDS = ["nan", "NaN", "-nan", "inf", "-inf", "Infinity", "1e400", "-1e400",
                 "99999999999999999999999", "-1", "-0.5", "0", "", " ", "\x00",
                 "1\n2", "\r\n", "\u202eevil", "\x1b[2J", "10" * 5000]
hostile = st.one_of(
    st.sampled_from(HOSTILE_WORDS),
    st.integers(min_value=10**12, max_value=10**40).map(str),
    st.floats(max_value=-1e-9, allow_nan=False).map(repr),
    st.text(st.characters(min_codepoint=0, max_codepoint=31), min_size=1, max_size=20),
    st.text(min_size=1, max_size=8, alphabet="a\x07\u202e9").map(lambda t: t * 10_000)
    .map(lambda t: t[:10_000]),
)

# One template per argument under test: "{}" is where the hostile value goes.
TEMPLATES: list[list[str]] = [
    ["--demo", "--speed", "{}"],
    ["--demo", "--quit-after", "{}"],
    ["--demo", "--scenario", "{}"],
    ["--demo", "--demo-device", "{}"],
    ["drivers", "--json", "{}"],
    ["decode", "{}", "capture.bin"],
    ["decode", "masimo-ascii", "capture.bin", "--set", "{}"],
    ["probe", "{}", "loop://"],
    ["probe", "masimo-ascii", "{}", "--seconds", "0.2"],
    ["probe", "masimo-ascii", "loop://", "--seconds", "{}"],
    ["probe", "masimo-ascii", "loop://", "--baud", "{}"],
    ["probe", "bbraun-bcc", "loop://", "--set", "poll_s={}"],
    ["simulate", "{}"],
    ["simulate", "masimo-ascii", "--speed", "{}"],
    ["simulate", "masimo-ascii", "--scenario", "{}"],
    ["simulate", "bbraun-bcc", "--set", "poll_s={}"],
    ["record", "--device", "{}"],
    ["record", "--device", "masimo-ascii=loop://", "--minutes", "{}"],
    ["record", "--device", "masimo-ascii=loop://", "--weight", "{}"],
    ["sessions", "--db", "{}"],
    ["verify", "{}"],
    ["replay", "{}"],
    ["export", "{}", "--format", "pdf"],
    ["export", "1", "--format", "{}"],
    ["export", "1", "--format", "hl7", "--mllp-timeout", "{}"],
    ["export", "1", "--format", "hl7", "--mllp-attempts", "{}"],
    ["export", "1", "--format", "hl7", "--mllp", "{}"],
    ["audit", "--review", "{}"],
    ["audit", "--since", "{}"],
    ["settings", "set", "idle-lock-minutes", "{}", "--as", "ada", "--pin-stdin"],
    ["settings", "set", "{}", "5", "--as", "ada", "--pin-stdin"],
    ["users", "add", "--name", "{}", "--role", "nurse", "--as", "ada", "--pin-stdin"],
    ["users", "add", "--name", "nina", "--role", "{}", "--as", "ada", "--pin-stdin"],
    ["users", "disable", "{}", "--as", "ada", "--pin-stdin"],
]
RECORD_TABLES = ("patients", "sessions", "timeline_events", "users", "clinic_settings")


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "home"
    monkeypatch.setenv("KETACONSOLE_HOME", str(folder))
    monkeypatch.delenv("KETACONSOLE_DB", raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "capture.bin").write_bytes(b"")
    return folder


def _run(args: list[str]) -> int:
    try:
        return main(args)
    except SystemExit as exit_:
        return int(exit_.code) if isinstance(exit_.code, int) else 1


def _rows(record: Path) -> int:
    if not record.exists():
        return 0
    with sqlite3.connect(record) as connection:
        names = {row[0] for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
        return sum(connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                   for table in RECORD_TABLES if table in names)


@settings(max_examples=400, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow, HealthCheck.data_too_large])
@given(template=st.sampled_from(TEMPLATES), value=hostile)
@example(template=["drivers", "--json", "{}"], value="1\n2")  # argparse echoes the word
def test_a_hostile_value_in_any_argument_is_refused_in_one_line(
        template: list[str], value: str, home: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    args = [value if word == "{}" else word.replace("{}", value) for word in template]
    monkeypatch.setattr("sys.stdin", io.StringIO("2468\n"))
    capsys.readouterr()
    code = _run(args)
    err = capsys.readouterr().err
    assert code in (1, 2), (args[:6], code, err[:300])
    assert "Traceback" not in err
    assert len(err.splitlines()) == 1, err[:600]
    assert _rows(home / "ketaconsole.sqlite3") == 0
