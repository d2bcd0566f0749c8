"""The main window: hosts the monitor screen and drives it from the frame clock."""

from __future__ import annotations

from PySide6.QtGui import QCloseEvent, QShowEvent
from PySide6.QtWidgets import QMainWindow

from ketaconsole import __version__
from ketaconsole.bedside import BedsideSession
from ui.frame_clock import FrameClock
from ui.monitor_screen import MonitorScreen, RoomLayout
from ui.record_worker import RecordWorker
from ui.tone_player import TonePlayer


class MainWindow(QMainWindow):
    def __init__(self, bedside: BedsideSession, room: RoomLayout) -> None:
        super().__init__()
        self.bedside = bedside
        self.setWindowTitle(f"KetaConsole {__version__}")
        self.worker = RecordWorker(bedside.service, self)
        self.player = TonePlayer(parent=self) if bedside.alarms is not None else None
        self.monitor = MonitorScreen(bedside.engine, room, record=bedside.record,
                                     worker=self.worker, alarms=bedside.alarms,
                                     player=self.player, workflow=bedside.workflow)
        self.setCentralWidget(self.monitor)
        self.frames = FrameClock(self.monitor.refresh, clock=bedside.engine.clock,
                                 parent=self)
        self.resize(1366, 820)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.frames.start()
        self.frames.tick()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.frames.stop()
        event.accept()
