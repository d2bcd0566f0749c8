"""The main window: hosts the monitor screen and drives it from the frame clock.

With ``KETACONSOLE_REPORT_FIRST_PAINT`` set, the window prints one line
``first-paint <time.monotonic()> <time.process_time()>`` to stderr once its first
paint is done (the start-up benchmark reads it).
"""

from __future__ import annotations

import html
import os
import sys
import time
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QPaintEvent, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QLayout,
    QMainWindow,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ketaconsole import __version__
from ketaconsole.bedside.actors import LOCKED_ACTOR, NO_LOGIN_AUTHOR
from ketaconsole.bedside.room import Room
from ui import theme
from ui.close_guard import CloseGuard
from ui.course.course_page import CoursePage
from ui.monitor.frame_clock import FrameClock
from ui.monitor.monitor_screen import MonitorScreen
from ui.monitor.tone_player import TonePlayer
from ui.widgets.lazy_page import LazyPage

if TYPE_CHECKING:
    from ketaconsole.bedside.security import BedsideSecurity
    from ketaconsole.devices.registry import DriverRegistry
    from ui.lock.idle_watcher import IdleWatcher
    from ui.lock.lock_overlay import LockOverlay
    from ui.records.session_review import Exporter
    from ui.session.record_worker import RecordWorker

FIRST_PAINT_ENV = "KETACONSOLE_REPORT_FIRST_PAINT"


def _report_first_paint() -> None:
    print(f"first-paint {time.monotonic():.6f} {time.process_time():.3f}", file=sys.stderr,
          flush=True)


OPENING_RECORD = "Opening the record \u2026"
"""What the side panel says until the record is open (nobody acts before the lock)."""


class MainWindow(QMainWindow):
    """The console: the live monitor from the first paint, the record's pages once it opens.

    Made on a room still opening (its devices joining, its record opening), the window
    shows the monitor and its alarms at once and holds the side panel behind
    :data:`OPENING_RECORD`; :meth:`show_devices` and :meth:`record_opened` add the rest.
    Made on a finished room, it does both at once. Right after the first paint it adds
    the trend's plots and loads the alarm sounds, then emits ``first_painted``.
    """

    first_painted = Signal()
    opened = Signal()
    """Emitted once the record's pages (and the lock) are in place."""

    def __init__(self, room: Room, *, database_url: str | None = None,
                 registry: DriverRegistry | None = None, room_name: str = "") -> None:
        super().__init__()
        self.room = room
        self.setWindowTitle(f"KetaConsole {__version__}")
        self.security: BedsideSecurity | None = None
        self.worker: RecordWorker | None = None
        self.player = TonePlayer(parent=self, load_now=False)
        self._held_alarm_actions: list[tuple[str, str]] = []
        self.monitor = MonitorScreen(room, player=self.player, alarm_actor=self._actor,
                                     on_alarm_action=self._alarm_action,
                                     session_pages=False, trend_later=True)
        self.setCentralWidget(self.monitor)
        own_layout = self.layout()
        if own_layout is not None:  # the monitor's text size follows the window, not back
            own_layout.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        self.close_guard = CloseGuard(self._close_leaving_session_open)
        self.monitor.insert_bar(self.close_guard)
        self.lock_panel: LockOverlay | None = None
        self.idle: IdleWatcher | None = None
        self.records_page: LazyPage | None = None
        self.audit_page: LazyPage | None = None
        self.outcomes_page: LazyPage | None = None
        self.devices_page: LazyPage | None = None
        self.course_page = CoursePage()
        self.registry = registry
        self.room_name = room_name
        self._database_url = database_url
        self.opening_panel = QLabel(OPENING_RECORD)
        self.opening_panel.setObjectName("muted")
        self.opening_panel.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.frames = FrameClock(self.monitor.refresh, clock=room.engine.clock, parent=self)
        self.resize(1366, 820)
        self._report_first_paint = bool(os.environ.get(FIRST_PAINT_ENV))
        self._painted = False
        self._leave_open = False
        if room.record_opened:
            self.record_opened()
        else:
            self.monitor.show_locked(self.opening_panel)

    @property
    def is_open(self) -> bool:
        """Whether the record's pages and the lock are in place."""
        return self.worker is not None

    def show_devices(self) -> None:
        """The room's devices joined after the window was made: lay them out."""
        self.monitor.show_devices()

    def record_opened(self) -> None:
        """The room's record is attached (or known not to open): add what writes to it.

        The Timeline and Session pages, the lock (the console then shows it, locked),
        and the Devices, Records, Audit and Outcomes pages, built on first visit.
        """
        from ui.session.record_worker import RecordWorker

        room = self.room
        security = self.security = room.security
        self.worker = RecordWorker(room.workflow, self,
                                   after=security.audit_result if security else None)
        self.monitor.add_session_pages(self.worker, exporter=self._exporter(),
                                       signer=self._signer)
        if security is not None:
            self._wire_lock(security)
            held, self._held_alarm_actions = self._held_alarm_actions, []
            for action, alarm in held:
                security.alarm_action(action, alarm)
        else:
            self.monitor.show_locked(None)
        self.devices_page = LazyPage(self._build_devices)
        self.monitor.add_page(self.devices_page, "Devices", wide=True)
        self._record_source = room.database or self._database_url
        if self._record_source is not None:
            self.records_page = LazyPage(self._build_records)
            self.monitor.add_page(self.records_page, "Records", wide=True)
        if security is not None and room.database is not None:
            self.audit_page = LazyPage(self._build_audit)
            self.monitor.add_page(self.audit_page, "Audit", wide=True)
            self.outcomes_page = LazyPage(self._build_outcomes)
            self.monitor.add_page(self.outcomes_page, "Outcomes", wide=True)
        self.monitor.add_page(self.course_page, "Course", wide=True)
        self.course_page.listeners.append(self._show_course_tab)
        # the last patient's course and timeline leave with them (opened again, the course
        # is read afresh, with the session just ended)
        self.monitor.session_listeners += [self.course_page.clear,
                                           self.monitor.timeline.start_afresh]
        self._show_course_tab()
        self.monitor.side.currentChanged.connect(self._refresh_records)
        self.opened.emit()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.frames.start()
        self.frames.tick()

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if not self._painted:
            self._painted = True
            QTimer.singleShot(0, self._first_paint_done)  # after the children's paint too

    def _first_paint_done(self) -> None:
        if self._report_first_paint:
            _report_first_paint()
        self.monitor.trend.build_plots()
        self.player.load()
        self.first_painted.emit()

    # -- who is at the console ---------------------------------------------------------

    lock_changed = Signal()

    def _wire_lock(self, security: BedsideSecurity) -> None:
        """Start locked; a PIN or emergency access opens the side panel; idle locks it."""
        from ui.lock.first_admin_form import FirstAdminForm
        from ui.lock.idle_watcher import IdleWatcher
        from ui.lock.lock_overlay import LockOverlay

        self.lock_panel = LockOverlay(security.lock, security.users())
        self.lock_hint = QLabel(security.hint or "")
        self.lock_hint.setWordWrap(True)
        self.lock_hint.setObjectName("muted")
        panel_layout = self.lock_panel.layout()
        assert isinstance(panel_layout, QVBoxLayout)
        panel_layout.insertWidget(1, self.lock_hint)
        if security.needs_first_admin():
            self.first_admin = FirstAdminForm(security, self._show_lock_state)
            panel_layout.insertWidget(2, self.first_admin)
        self.who = QLabel("")
        self.who.setTextFormat(Qt.TextFormat.RichText)
        self.who.setAccessibleName("Logged in")
        lock_button = QPushButton("Lock (Ctrl+L)")
        lock_button.clicked.connect(self.lock_now)
        self.monitor.header.add_control(self.who)
        self.monitor.header.add_control(lock_button)
        shortcut = QShortcut(QKeySequence("Ctrl+L"), self)
        shortcut.setContext(Qt.ShortcutContext.ApplicationShortcut)
        shortcut.activated.connect(self.lock_now)
        self.lock_changed.connect(self._show_lock_state)
        security.lock.subscribe(lambda _state, _user: self.lock_changed.emit())
        app = QApplication.instance()
        if app is not None:
            self.idle = IdleWatcher(app, security.lock.idle_seconds,
                                    on_idle=self._lock_when_idle,
                                    on_input=security.lock.touch)
        self._show_lock_state()

    def _lock_when_idle(self) -> None:
        if self.security is not None:
            self.security.lock.lock("idle")

    def lock_now(self) -> None:
        if self.security is not None:
            self.security.lock.lock("locked by the user")

    def _show_lock_state(self) -> None:
        security = self.security
        if security is None or self.lock_panel is None:
            return
        if security.locked:
            self.who.setText("")
            self.lock_panel.set_users(security.users())
            self.lock_panel.reset()
            self.monitor.show_locked(self.lock_panel)
            self.course_page.clear()
            for lazy in (self.records_page, self.audit_page, self.outcomes_page):
                if lazy is not None and lazy.page is not None:
                    lazy.page.forget()  # type: ignore[attr-defined]
            return
        user = security.lock.current_user()
        # the name, and under it the role in words: two short lines keep the header's
        # room for the patient's weight and the timer
        if user is None:
            self.who.setText("")
        else:
            role = user.role.words + (" \u00b7 EMERGENCY ACCESS" if user.break_glass else "")
            self.who.setText(f"{html.escape(user.display_name)}<br><span style='color: "
                             f"{theme.MUTED}'>{html.escape(role)}</span>")
        self.monitor.show_locked(None)
        from ketaconsole.security.roles import ROLE_PERMISSIONS, Permission

        side = self.monitor.side
        for page, permission in ((self.audit_page, Permission.REVIEW_AUDIT),
                                 (self.outcomes_page, Permission.VIEW_OUTCOMES)):
            if page is None:
                continue
            # only those who may use a page see its tab
            may = user is not None and permission in ROLE_PERMISSIONS.get(user.role,
                                                                           frozenset())
            if not may and side.currentWidget() is page:
                side.setCurrentIndex(0)
            side.setTabVisible(side.indexOf(page), may)
        self._refresh_records(0)  # checked again for the person now at the console
        if self.devices_page is not None and self.devices_page.page is not None:
            self.devices_page.page.show_rights()  # type: ignore[attr-defined]

    def _show_course_tab(self) -> None:
        """The Course tab is there while a course screen is open, and comes to the front
        when one opens; closed, the side panel goes back to the Session page."""
        side, page = self.monitor.side, self.course_page
        if page.screens:
            side.setTabVisible(side.indexOf(page), True)
            side.setCurrentWidget(page)
            return
        if side.currentWidget() is page:  # before hiding it, or the tab bar picks a page
            side.setCurrentWidget(self.monitor.session)
        side.setTabVisible(side.indexOf(page), False)

    def _build_devices(self) -> QWidget:
        from ketaconsole.security.plugins import clinic_registry
        from ui.devices.devices_screen import DevicesScreen

        return DevicesScreen(self.registry or clinic_registry(), self.room.database,
                             self.security.console if self.security else None,
                             room=self.room_name)

    def _build_records(self) -> QWidget:
        from ui.records.records_screen import RecordsGate, RecordsScreen
        from ui.session.session_panel import default_export_folder

        assert self._record_source is not None
        security = self.security
        gate = (RecordsGate(listing=security.records_listing, opening=security.record_opening)
                if security is not None else None)
        return RecordsScreen(self._record_source, export_folder=default_export_folder(),
                             author=self._actor, gate=gate, exporter=self._exporter())

    def _build_audit(self) -> QWidget:
        from ui.records.audit_screen import AuditGate, AuditScreen

        security, database = self.security, self.room.database
        assert security is not None and database is not None
        return AuditScreen(database, AuditGate(viewing=security.audit_viewing,
                                               reviewing=security.emergency_review))

    def _build_outcomes(self) -> QWidget:
        from ui.records.outcomes_screen import OutcomesScreen

        security, database = self.security, self.room.database
        assert security is not None and database is not None
        return OutcomesScreen(database, security.outcomes_viewing)

    def _exporter(self) -> Exporter | None:
        """Exports through the guarded services (role checked, audited), when there are any."""
        security = self.security
        if security is None:
            return None
        return lambda session_id, fmt, folder: security.console.export(session_id, fmt, folder)

    def _signer(self) -> str | None:
        """The name of the person logged in, to pre-fill the sign-off."""
        user = self.security.lock.current_user() if self.security is not None else None
        return None if user is None or user.break_glass else user.display_name

    def _actor(self) -> str:
        """Who acts now (alarm actions): before the record opens, the console is locked."""
        if self.security is not None:
            return self.security.actor()
        return NO_LOGIN_AUTHOR if self.is_open else LOCKED_ACTOR

    def _alarm_action(self, action: str, alarm: str) -> None:
        """Audit an alarm action taken while locked; before the record opens, hold it."""
        if self.security is not None:
            self.security.alarm_action(action, alarm)
        elif not self.is_open:
            self._held_alarm_actions.append((action, alarm))

    def _refresh_records(self, _index: int) -> None:
        """Read the Records, Audit or Outcomes page again when it comes into view (roles
        checked)."""
        for page in (self.records_page, self.audit_page, self.outcomes_page):
            if page is not None and page.page is not None and \
                    self.monitor.side.currentWidget() is page:
                page.page.refresh()  # type: ignore[attr-defined]

    def _close_leaving_session_open(self) -> None:
        self._leave_open = True
        self.close()

    def close_now(self) -> None:
        """Close without asking (screenshots, timed runs); an open session stays open."""
        self._leave_open = True
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        service = self.room.service
        if service is not None and not self._leave_open:
            patient = self.room.model.patient
            self.close_guard.ask(service.session_id,
                                 patient.name if patient is not None else "the patient")
            event.ignore()
            return
        self.frames.stop()
        for lazy in (self.devices_page, self.records_page, self.audit_page,
                     self.outcomes_page):
            if lazy is not None and lazy.page is not None:
                lazy.page.shutdown()  # type: ignore[attr-defined]
        event.accept()
