"""Bad input on the command line: a non-zero exit and exactly one clear line on stderr."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest


def ketaconsole(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ketaconsole", *args], capture_output=True,
                          text=True, timeout=60)


@pytest.mark.parametrize(("args", "says"), [
    (("--bogus",), "unrecognized arguments: --bogus; run 'ketaconsole --help' for usage"),
    (("decode", "nope", "capture.bin"), "no driver 'nope'; installed drivers: "),
    (("probe", "masimo-ascii", "/dev/does-not-exist"),
     "port /dev/does-not-exist does not exist; check the cable and the port name"),
    (("decode", "masimo-ascii", "missing-file"),
     "capture file missing-file does not exist; check the path"),
    (("decode", "masimo-ascii", "capture.bin", "--set", "model"),
     "--set takes KEY=VALUE, not 'model'"),
    (("decode", "masimo-ascii", "capture.bin", "--set", "model=rad9"),
     "setting model must be one of rad8, rad7, radical7, not 'rad9'"),
    (("probe", "masimo-ascii", "/dev/null", "--seconds", "0"),
     "--seconds: must be a number more than 0"),
])
def test_bad_input_exits_non_zero_with_exactly_one_line_on_stderr(
        args: tuple[str, ...], says: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "capture.bin").write_bytes(b"")
    result = ketaconsole(*args)
    assert result.returncode != 0
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert says in lines[0]
    assert result.stdout == ""


def test_a_folder_given_as_capture_is_one_clear_line(tmp_path: Path) -> None:
    result = ketaconsole("decode", "masimo-ascii", str(tmp_path))
    assert result.returncode != 0
    assert result.stderr.splitlines() == [
        f"ketaconsole: {tmp_path} is a folder; give the capture file itself"]


def test_decode_prints_one_json_object_per_observation(tmp_path: Path) -> None:
    capture = tmp_path / "rad8.bin"
    capture.write_bytes(b"05/12/13 14:51:32 SN=0000071453 SPO2=098% BPM=064 PI=03.60% "
                        b"DESAT=-- PIDELTA=+-- ALARM=0000 EXC=000000\r\n")
    result = ketaconsole("decode", "masimo-ascii", str(capture))
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    # Identity, then SpO2, pulse rate, PI, DESAT and PIDELTA (the last two dashed: no value).
    assert [line.split(',"')[0] for line in result.stdout.splitlines()] == [
        '{"kind":"identity"', *['{"kind":"numeric"'] * 5]


def _in(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KETACONSOLE_HOME": str(home),
           "KETACONSOLE_DB": f"sqlite:///{home / 'record.sqlite3'}"}
    return subprocess.run([sys.executable, "-m", "ketaconsole", *args], capture_output=True,
                          text=True, timeout=60, env=env)


def test_an_unexpected_failure_is_one_line_and_with_v_its_traceback(tmp_path: Path) -> None:
    assert _in(tmp_path, "sessions").returncode == 0
    with sqlite3.connect(tmp_path / "record.sqlite3") as broken:  # a record missing a table
        broken.execute("DROP TABLE sessions")
    quiet = _in(tmp_path, "sessions")
    assert quiet.returncode == 1
    assert quiet.stderr.splitlines() == [
        "ketaconsole: the command failed unexpectedly (OperationalError); nothing more was "
        "done; run it again with -v for details and report it"]
    loud = _in(tmp_path, "-v", "sessions")
    assert loud.returncode == 1
    assert "Traceback (most recent call last):" in loud.stderr
    assert "no such table: sessions" in loud.stderr
    assert loud.stderr.splitlines()[-1] == (
        "ketaconsole: the command failed unexpectedly (OperationalError); nothing more was "
        "done; report it with the traceback above")


def test_a_locked_record_names_the_process_holding_it(tmp_path: Path) -> None:
    assert _in(tmp_path, "sessions").returncode == 0
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sqlite3, sys\n"
         f"c = sqlite3.connect({str(tmp_path / 'record.sqlite3')!r}, isolation_level=None)\n"
         "c.execute('BEGIN EXCLUSIVE'); print('held', flush=True); sys.stdin.readline()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        done = _in(tmp_path, "patients", "--add", "Ann Lee", "--mrn", "A1")
    finally:
        holder.communicate("\n", timeout=10)
    assert done.returncode == 1
    (line,) = done.stderr.splitlines()
    assert line.startswith(f"ketaconsole: the record is locked: process {holder.pid} (python")
    assert line.endswith("holds it; wait for it to finish or close it, then run the "
                         "command again")
