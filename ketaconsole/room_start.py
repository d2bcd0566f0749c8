"""A room on its way up: made (step 1), with what is left to do to finish it (steps 2-4).

The console window paints the room's monitor first and finishes it afterwards
(:mod:`ui.room_opening`); :meth:`RoomStart.finish` does the rest in turn, as
:func:`~ketaconsole.room.build_room` does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ketaconsole.room import Room
from ketaconsole.station import StationBusy

if TYPE_CHECKING:
    from ketaconsole.registry import DriverRegistry
    from ketaconsole.room_record import RoomRecord


@dataclass(frozen=True, slots=True)
class RoomStart:
    """A room made (its alarms running), its devices and its record still to come."""

    room: Room
    join_devices: Callable[[DriverRegistry], None]
    """Step 2, on the room's thread: the devices join and start reading."""
    open_record: Callable[[], RoomRecord]
    """Step 3, on any thread: open the record (raises :class:`StationBusy`)."""
    devices_need_record: bool = False
    """The devices are set up in the record (a clinic room's profiles): they join once it
    is open (and migrated), never before."""

    def finish(self, registry: DriverRegistry) -> Room:
        """The rest in :func:`~ketaconsole.room.build_room`'s order: record, devices, join.

        Another console on this station stops the room and raises :class:`StationBusy`.
        """
        try:
            opened = self.open_record()
        except StationBusy:
            self.room.stop()
            raise
        self.join_devices(registry)
        self.room.attach_record(opened)
        return self.room
