"""The SDK's mutation helper: damage classes, and a driver that invents values is caught."""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

import pytest

from drivers.masimo_ascii import DRIVER as MASIMO
from ketaconsole.sdk import (
    DeviceKind,
    DeviceProtocol,
    Driver,
    DriverInfo,
    LineSettings,
    Numeric,
    ProtocolOutput,
)
from ketaconsole.sdk.testing import DAMAGE_CLASSES, damage, mutation_report

CAPTURE = b"".join(b"SPO2=%03d\n" % value for value in (95, 96, 97) * 20)


class TrustingProtocol(DeviceProtocol):
    """Reads any digits after SPO2= as a value: what a driver must not do."""

    def __init__(self, device_id: str, settings: Mapping[str, Any]) -> None:
        super().__init__(device_id, settings)
        self._pending = b""

    def feed(self, data: bytes, now: float) -> ProtocolOutput:
        out = ProtocolOutput()
        *lines, self._pending = (self._pending + data).split(b"\n")
        for line in lines:
            digits = bytes(b for b in line.partition(b"=")[2] if 0x30 <= b <= 0x39)
            if digits:
                out.observations.append(Numeric(self.device_id, "MDC_PULS_OXIM_SAT_O2",
                                                float(digits), "%", now))
        return out


TRUSTING = Driver(DriverInfo("trusting", "Trusting", "Nobody", ("T",), DeviceKind.OXIMETER,
                             LineSettings(), published=False), TrustingProtocol)


@pytest.mark.parametrize("kind", DAMAGE_CLASSES)
def test_each_damage_class_changes_the_bytes(kind: str) -> None:
    rng = random.Random(1)
    assert any(damage(CAPTURE, kind, rng) != CAPTURE for _ in range(10))


def test_an_unknown_damage_class_is_refused_with_the_known_ones() -> None:
    with pytest.raises(ValueError, match="bit-flip"):
        damage(CAPTURE, "melt", random.Random(0))


def test_a_driver_that_trusts_damaged_bytes_is_reported_as_inventing_values() -> None:
    report = mutation_report(TRUSTING, capture=CAPTURE, runs=50)
    assert report.clean_values == 3
    assert report.results["bit-flip"].invented_runs > 0
    assert report.results["drop"].invented_runs > 0
    assert report.invented > 0
    assert "invented" in report.summary()


def test_a_strict_driver_invents_nothing_from_lost_doubled_or_cut_bytes() -> None:
    report = mutation_report(MASIMO, runs=40, classes=("drop", "double", "cut", "restart"))
    assert report.clean_values > 0
    assert report.invented == 0 and report.exceptions == 0, report.summary()
