"""A ward of simulated rooms in one process, for the 100-room benchmark (``rooms.n100``).

``python -m benchmarks._ward URL FIRST COUNT`` builds COUNT rooms, stations
``Room FIRST`` onwards, each by the one room builder (the same as the window and
``record``): an oximeter (Masimo ASCII) and a pump (Alaris Asena) whose simulators run
inside the process at ``sim://`` ports and are read by their real drivers, the room's
real alarm system, record writer (250 ms sealed batches) and status publisher (a
status a second, the overview's commands done), each room on its own database handle,
so on its own server connection. Each room opens a session for its patient; the
process prints ``ready`` once every room is recording and runs until SIGTERM or
SIGINT, then stops its rooms. Only the processes are fewer than in a clinic: one for a
ward of rooms, where ``rooms.n20`` runs a ``record`` process per room.
"""

from __future__ import annotations

import signal
import sys
import threading

from ketaconsole.bedside.room import Room, RoomOptions, build_room
from ketaconsole.devices.device_spec import DeviceSpec
from ketaconsole.devices.registry import DriverRegistry, built_ins_only
from ketaconsole.session.patient import Patient


def station(index: int) -> str:
    return f"Room {index:03d}"


def open_rooms(url: str, first: int, count: int) -> list[Room]:
    registry = DriverRegistry.discover(allowed=built_ins_only)
    rooms: list[Room] = []
    for index in range(first, first + count):
        specs = [DeviceSpec("oximeter", "masimo-ascii", "sim://masimo-ascii", label="Oximeter"),
                 DeviceSpec("pump", "alaris-asena", "sim://alaris-asena", label="Pump")]
        room = build_room(specs, registry=registry, database_url=url,
                          options=RoomOptions(place=f"ward room {index}",
                                              station=station(index)))
        rooms.append(room)
        room.open_session(Patient(f"Ward Patient{index}", None, 70.0))
    return rooms


def main(argv: list[str]) -> int:
    url, first, count = argv[0], int(argv[1]), int(argv[2])
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    rooms = open_rooms(url, first, count)
    print("ready", flush=True)
    try:
        stop.wait()
    finally:
        for room in rooms:
            room.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
