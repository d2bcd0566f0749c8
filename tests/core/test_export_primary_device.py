"""The exports chart each metric from the device the room showed and alarmed on."""

from __future__ import annotations

from pathlib import Path

import pytest

from ketaconsole.export.record import load_record
from ketaconsole.observations import Numeric
from ketaconsole.store import DeviceUse, SessionPlan, SessionService, open_database

SPO2 = "MDC_PULS_OXIM_SAT_O2"
T0 = 1_790_000_000.0


def _exported(tmp_path: Path, monitor_primary_for: tuple[str, ...]
              ) -> tuple[str, set[float]]:
    """(device, values) of the SpO2 series the exports chart."""
    database = open_database(f"sqlite:///{tmp_path / 'record.sqlite3'}")
    try:
        devices = [DeviceUse("monitor", "intellivue-mib", "/dev/ttyUSB0", {}, {}, "monitor",
                             monitor_primary_for),
                   DeviceUse("oximeter", "masimo-ascii", "/dev/ttyUSB1", {}, {}, "oximeter")]
        service = SessionService.begin(database, SessionPlan("Alex Example"), devices,
                                       station="room-test", clock=lambda: T0)
        for second in range(30):
            # the monitor happens to send first; the oximeter is the dedicated device
            service.recorder.observe(Numeric("monitor", SPO2, 98.0, "%", T0 + second))
            service.recorder.observe(Numeric("oximeter", SPO2, 85.0, "%", T0 + second + 0.5))
        assert service.close(author="nurse.kim")
        series = load_record(database, service.session_id).series[SPO2]
        return series.device_id, set(series.values.tolist())
    finally:
        database.dispose()


@pytest.mark.parametrize(("primary_for", "expected"), [
    ((), ("oximeter", {85.0})),  # the dedicated device, as the tile showed it
    ((SPO2,), ("monitor", {98.0})),  # the monitor, when the room's profile made it primary
])
def test_the_exported_spo2_series_is_the_primary_devices(
        tmp_path: Path, primary_for: tuple[str, ...],
        expected: tuple[str, set[float]]) -> None:
    assert _exported(tmp_path, primary_for) == expected
