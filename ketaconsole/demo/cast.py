"""Who and what the demo has: its patient, and the devices it can simulate for each role.

Kept apart from :mod:`ketaconsole.demo.room` (which starts the simulators) so that the command
line can list the demo's drivers without loading a room.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

DEMO_PATIENT = ("Demo Patient", 42)
DEMO_HEIGHT_CM = 172.0
"""The demo patient's height: 70 kg at 172 cm is a BMI of 23.7, dosed on actual weight."""
DEMO_MRN = "DEMO-0001"


@dataclass(frozen=True, slots=True)
class DemoDevice:
    """One device of the demo room: which driver, the id it shows under, its settings."""

    slug: str
    device_id: str
    label: str
    settings: dict[str, str] = field(default_factory=dict)


# In order of preference per role; the first installed driver of each role is used.
DEMO_ROLES: tuple[tuple[DemoDevice, ...], ...] = (
    (DemoDevice("intellivue-mib", "monitor", "Patient monitor"),),
    (DemoDevice("masimo-ascii", "oximeter", "Pulse oximeter"),
     DemoDevice("nonin", "oximeter", "Pulse oximeter", {"format": "7"})),
    (DemoDevice("alaris-asena", "pump", "Infusion pump"),
     DemoDevice("ne1000", "pump", "Infusion pump"),
     DemoDevice("bbraun-bcc", "pump", "Infusion pump")),
)


def prefer(roles: Sequence[Sequence[DemoDevice]],
           slugs: Sequence[str]) -> tuple[tuple[DemoDevice, ...], ...]:
    """The roles with the preferred drivers first in each (``--demo-device nonin``)."""
    wanted = list(slugs)
    return tuple(tuple(sorted(role, key=lambda spec: (spec.slug not in wanted,
                                                      wanted.index(spec.slug)
                                                      if spec.slug in wanted else 0)))
                 for role in roles)


def demo_slugs(roles: Sequence[Sequence[DemoDevice]] = DEMO_ROLES) -> list[str]:
    return [spec.slug for role in roles for spec in role]
