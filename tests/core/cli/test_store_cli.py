"""The record commands' answers to bad input: one clear line and a non-zero exit."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from ketaconsole.cli import main
from ketaconsole.devices.registry import DriverRegistry, built_ins_only
from ketaconsole.devices.sim_host import PtyDeviceHost
from ketaconsole.sim.virtual_patient import VirtualPatient


def _one_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    return err[0]


@pytest.mark.parametrize(("device", "expected"), [
    ("masimo-ascii", "--device takes SLUG=PORT"),
    ("=/dev/ttyS0", "--device takes SLUG=PORT"),
    ("no-such-driver=/dev/ttyS0", "no driver 'no-such-driver'"),
    ("masimo-ascii=/dev/no-such-port", "does not exist; check the cable"),
])
def test_record_rejects_a_bad_device(device: str, expected: str, tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["record", "--device", device, "--db", f"sqlite:///{tmp_path / 'r.db'}"])
    assert code != 0
    assert expected in _one_line(capsys)
    assert not (tmp_path / "r.db").exists()  # nothing was started


@pytest.mark.parametrize(("primary", "expected"), [
    ("SpO2", "--primary takes METRIC=DEVICE with DEVICE one of intellivue-mib, masimo-ascii"),
    ("SpO2=nonin", "--primary takes METRIC=DEVICE"),
    ("oxygen=masimo-ascii", "'oxygen' is not a metric the console knows"),
])
def test_record_rejects_a_bad_primary_device_choice(
        primary: str, expected: str, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["record", "--device", "intellivue-mib=/dev/ttyS8",
                 "--device", "masimo-ascii=/dev/ttyS9", "--primary", primary,
                 "--db", f"sqlite:///{tmp_path / 'r.db'}"])
    assert code == 2
    assert expected in _one_line(capsys)
    assert not (tmp_path / "r.db").exists()


def test_record_refuses_two_primary_devices_for_one_metric(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["record", "--device", "intellivue-mib=/dev/ttyS8",
                 "--device", "masimo-ascii=/dev/ttyS9", "--primary", "SpO2=masimo-ascii",
                 "--primary", "SpO2=intellivue-mib", "--db", f"sqlite:///{tmp_path / 'r.db'}"])
    assert code == 2
    assert "each metric has one primary device" in _one_line(capsys)


def test_record_with_a_dead_database_server_is_one_clear_line(
        capsys: pytest.CaptureFixture[str]) -> None:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    driver = DriverRegistry.discover(allowed=built_ins_only).get("masimo-ascii")
    assert driver.create_simulator is not None
    with PtyDeviceHost(driver.create_simulator(VirtualPatient(), {})) as host:
        code = main(["record", "--device", f"masimo-ascii={host.path}", "--minutes", "0.05",
                     "--mrn", "MRN-1001", "--db", f"postgresql+psycopg://nurse:pw@127.0.0.1:{port}/record"])
    assert code == 1
    line = _one_line(capsys)
    assert line.startswith(f"ketaconsole: the database server at 127.0.0.1:{port} cannot "
                           "be reached")


def test_commands_read_the_database_from_the_environment(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("KETACONSOLE_DB", raising=False)
    monkeypatch.setenv("KETACONSOLE_HOME", str(tmp_path / "home"))
    assert main(["sessions"]) == 0
    assert capsys.readouterr().out.strip() == "no sessions recorded yet"
    assert (tmp_path / "home" / "ketaconsole.sqlite3").exists()
    monkeypatch.setenv("KETACONSOLE_DB", f"sqlite:///{tmp_path / 'elsewhere.sqlite3'}")
    assert main(["sessions", "--json"]) == 0
    assert (tmp_path / "elsewhere.sqlite3").exists()


def test_a_session_argument_that_is_not_a_number_is_one_clear_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["replay", "twelve", "--db", f"sqlite:///{tmp_path / 'r.db'}"]) == 2
    assert "SESSION must be a session number such as 12" in _one_line(capsys)
