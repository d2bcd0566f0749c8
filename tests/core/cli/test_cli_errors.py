"""Bad input on the command line: a non-zero exit and exactly one clear line on stderr."""

from __future__ import annotations

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
