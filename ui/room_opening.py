"""Finishes a room after the window's first paint: devices on the GUI thread, the record off it."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from ketaconsole.bedside.room import RoomStart
from ketaconsole.station import StationBusy
from ui.main_window import MainWindow
from ui.widgets.background import BackgroundCalls

if TYPE_CHECKING:
    from ketaconsole.devices.registry import DriverRegistry


class RoomOpening(QObject):
    """Steps 2 to 4 of making the window's room (:mod:`ketaconsole.bedside.room`), off the paint.

    :meth:`start` (at the first paint) lets the devices join and lays them out, then
    opens the record on a thread of its own (migrations and PIN hashes never hold up
    the monitor); back on the GUI thread the record joins the room and the window adds
    the record's pages and the lock. Devices set up in the record (a clinic room's)
    join when it is open. A record that cannot be opened joins as its one
    sentence (the banner says it); another console on this station is ``refused``.
    """

    refused = Signal(str)
    """(one sentence) another console runs as this station on this record."""

    def __init__(self, start: RoomStart, window: MainWindow,
                 registry: Callable[[], DriverRegistry]) -> None:
        super().__init__(window)
        self._start = start
        self._window = window
        self._registry = registry
        self._calls = BackgroundCalls(self)
        self._calls.done.connect(self._opened)
        self._calls.failed.connect(self._not_opened)
        self.started = False

    def start(self) -> None:
        if self.started:
            return
        self.started = True
        if not self._start.devices_need_record:
            self._join_devices()
        self._calls.run(self._start.open_record, "record")

    def _join_devices(self) -> None:
        registry = self._registry()
        self._window.registry = registry
        self._start.join_devices(registry)
        self._window.show_devices()

    def _opened(self, opened: object, _tag: object) -> None:
        from ketaconsole.bedside.room_record import RoomRecord

        assert isinstance(opened, RoomRecord)
        room = self._start.room
        if self._start.devices_need_record and not room.stopped:
            self._join_devices()  # their profiles are read from the record, now open
        room.attach_record(opened)
        if room.record_opened:
            self._window.record_opened()

    def _not_opened(self, error: object, _tag: object) -> None:
        if isinstance(error, StationBusy):
            self.refused.emit(str(error))
            return
        from ketaconsole.bedside.room_record import RoomRecord

        self._opened(RoomRecord(None, problem=f"not recording: the record could not be "
                                              f"opened ({error})"), None)

    def wait_idle(self, timeout: float = 30.0) -> None:
        self._calls.wait_idle(timeout)
