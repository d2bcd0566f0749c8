"""The main window: hosts the monitor screen and drives it from the frame clock.

With ``KETACONSOLE_REPORT_FIRST_PAINT`` set, the window prints one line
``first-paint <time.monotonic()> <time.process_time()>`` to stderr once its first
paint is done (the start-up benchmark reads it).
"""

from __future__ import annotations

import os
import sys
import time

from PySide6.QtCore import QTimer
from PySide6.QtGui import QCloseEvent, QPaintEvent, QShowEvent
from PySide6.QtWidgets import QMainWindow, QWidget

from ketaconsole import __version__
from ketaconsole.bedside import BedsideSession
from ketaconsole.registry import DriverRegistry
from ui.frame_clock import FrameClock
from ui.lazy_page import LazyPage
from ui.monitor_screen import MonitorScreen, RoomLayout
from ui.record_worker import NO_LOGIN_AUTHOR, RecordWorker
from ui.session_panel import default_export_folder
from ui.tone_player import TonePlayer

FIRST_PAINT_ENV = "KETACONSOLE_REPORT_FIRST_PAINT"


def _report_first_paint() -> None:
    print(f"first-paint {time.monotonic():.6f} {time.process_time():.3f}", file=sys.stderr,
          flush=True)


class MainWindow(QMainWindow):
    def __init__(self, bedside: BedsideSession, room: RoomLayout, *,
                 database_url: str | None = None, registry: DriverRegistry | None = None,
                 room_name: str = "") -> None:
        super().__init__()
        self.bedside = bedside
        self.setWindowTitle(f"KetaConsole {__version__}")
        self.worker = RecordWorker(lambda: bedside.service, self)
        self.player = TonePlayer(parent=self) if bedside.alarms is not None else None
        self.monitor = MonitorScreen(bedside.engine, room, record=bedside.record,
                                     worker=self.worker, alarms=bedside.alarms,
                                     player=self.player, workflow=bedside.workflow)
        self.setCentralWidget(self.monitor)
        self.registry = registry
        self.room_name = room_name
        self.devices_page = LazyPage(self._build_devices)
        self.monitor.add_page(self.devices_page, "Devices", wide=True)
        self.records_page: LazyPage | None = None
        self._record_source = bedside.database or database_url
        if self._record_source is not None:
            self.records_page = LazyPage(self._build_records)
            self.monitor.add_page(self.records_page, "Records", wide=True)
            self.monitor.side.currentChanged.connect(self._refresh_records)
        self.frames = FrameClock(self.monitor.refresh, clock=bedside.engine.clock,
                                 parent=self)
        self.resize(1366, 820)
        self._report_first_paint = bool(os.environ.get(FIRST_PAINT_ENV))

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.frames.start()
        self.frames.tick()

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if self._report_first_paint:
            self._report_first_paint = False
            QTimer.singleShot(0, _report_first_paint)  # after the children's paint too

    def _build_devices(self) -> QWidget:
        from ui.devices_screen import DevicesScreen

        return DevicesScreen(self.registry or DriverRegistry.discover(), self.bedside.database,
                             author=lambda: NO_LOGIN_AUTHOR, room=self.room_name)

    def _build_records(self) -> QWidget:
        from ui.records_screen import RecordsScreen

        assert self._record_source is not None
        return RecordsScreen(self._record_source, export_folder=default_export_folder(),
                             author=lambda: NO_LOGIN_AUTHOR)

    def _refresh_records(self, _index: int) -> None:
        page = self.records_page
        if page is not None and page.page is not None and \
                self.monitor.side.currentWidget() is page:
            page.page.refresh()  # type: ignore[attr-defined]

    def closeEvent(self, event: QCloseEvent) -> None:
        self.frames.stop()
        for lazy in (self.devices_page, self.records_page):
            if lazy is not None and lazy.page is not None:
                lazy.page.shutdown()  # type: ignore[attr-defined]
        event.accept()
