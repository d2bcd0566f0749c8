"""The SDK's mutation helper against every built-in driver: no damage class a format can
detect yields a value the device never sent, and no damaged capture raises.

Where a format has no checksum (Masimo ASCII 1, Nonin ASCII and #8), a flipped digit is
another well-formed number and is left out, as each driver's docstring says; #8 also
cannot tell four bytes of junk from a packet. NE-1000 basic mode (no check at all) is a
technician's choice and is not held to this; safe mode, the default, is.
"""

from __future__ import annotations

import pytest

from ketaconsole.devices.registry import DriverRegistry, built_ins_only
from ketaconsole.sdk.testing import DAMAGE_CLASSES, mutation_report

REGISTRY = DriverRegistry.discover(allowed=built_ins_only)
NO_FLIPS = tuple(c for c in DAMAGE_CLASSES if c != "bit-flip")
CASES: dict[str, tuple[str, dict[str, str], tuple[str, ...]]] = {
    "masimo-ascii": ("masimo-ascii", {}, NO_FLIPS),
    "nonin-ascii": ("nonin", {"format": "ascii"}, NO_FLIPS),
    "nonin-7": ("nonin", {"format": "7"}, DAMAGE_CLASSES),
    "nonin-2": ("nonin", {"format": "2"}, DAMAGE_CLASSES),
    "nonin-8": ("nonin", {"format": "8"}, tuple(c for c in NO_FLIPS if c != "junk")),
    "intellivue-mib": ("intellivue-mib", {}, DAMAGE_CLASSES),
    "alaris-asena": ("alaris-asena", {}, DAMAGE_CLASSES),
    "bbraun-bcc": ("bbraun-bcc", {}, DAMAGE_CLASSES),
    "ne1000": ("ne1000", {}, DAMAGE_CLASSES),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_no_detectable_damage_makes_a_built_in_driver_invent_a_value(name: str) -> None:
    slug, given, classes = CASES[name]
    driver = REGISTRY.get(slug)
    report = mutation_report(driver, settings=driver.info.resolve_settings(given), runs=60,
                             classes=classes, seed=29)
    assert report.clean_values > 0, report.summary()
    assert report.invented == 0, report.summary()
    assert report.exceptions == 0, report.summary()


def test_every_built_in_driver_is_covered() -> None:
    assert {slug for slug, _, _ in CASES.values()} == set(REGISTRY.slugs)
