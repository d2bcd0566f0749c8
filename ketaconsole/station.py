"""Which console this is: the station's name, and the refusal when another runs as it."""

from __future__ import annotations

import os
import socket

STATION_ENV = "KETACONSOLE_STATION"


def station_name() -> str:
    """Which console this is: ``KETACONSOLE_STATION``, else the computer's name."""
    return os.environ.get(STATION_ENV) or socket.gethostname()


class StationBusy(RuntimeError):
    """Another console is running under this station's name on this record."""
