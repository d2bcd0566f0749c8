"""Which console this is: the station's name, and the refusal when another runs as it."""

from __future__ import annotations

import os
import socket

STATION_ENV = "KETACONSOLE_STATION"


def station_name(room: str | None = None) -> str:
    """Which console this is, in the clinic's words where it has them: the name the clinic
    gave it (``KETACONSOLE_STATION``), else the room it runs (``--room NAME``, the demo's
    room), else the computer's name."""
    return os.environ.get(STATION_ENV) or room or socket.gethostname()


class StationBusy(RuntimeError):
    """Another console is running under this station's name on this record."""
