"""The clinic overview window: every room's card, the desk's alarms and sound, the log-in.

Cards fill a grid sized to the screen, up to 4 x 4 per page (legible at 1920x1080);
more rooms go on further pages, and the alarm strip across the top always shows the
most urgent alarms of every room, on whatever page, so paging never hides one. The
strip's Acknowledge asks each room to acknowledge its alarms for the person logged in
here (nurses and admins); the room does it and records it on its own timeline. Audio
pause works as at the bedside. The screen never waits for the database: the statuses
come from the feed's thread, and acknowledgements go out on a worker thread.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QMainWindow,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ketaconsole.overview.board import ClinicBoard, RoomCard
from ketaconsole.overview.commands import ask_acknowledge
from ketaconsole.security import ConsoleUser, LockState, Role
from ketaconsole.security.lock import ConsoleLock
from ketaconsole.store import Database
from ui import theme
from ui.lock.lock_overlay import LockOverlay
from ui.monitor.alarm_bar import (
    COLOURS,
    DIMMED,
    TEXT_ON,
    alarm_message,
    alarm_state,
    flash_on,
)
from ui.monitor.tone_player import TonePlayer
from ui.overview.overview_detail import RoomDetail
from ui.overview.room_card import TEXT_PX, RoomCardView
from ui.widgets.elided_label import ElidedLabel
from ui.widgets.labels import label, set_text
from ui.widgets.type_scale import restyle

MOST_COLUMNS = 4
MOST_ROWS = 4
PER_PAGE = MOST_COLUMNS * MOST_ROWS
STRIP_ALARMS = 3
FRAME_MS = 100
"""10 frames a second: enough for the high alarm's 2 Hz flash."""
OVERVIEW_ROLES = (Role.NURSE, Role.ADMIN)


def grid_shape(rooms: int) -> tuple[int, int]:
    """Columns and rows for ``rooms`` cards on one page (at most 4 x 4)."""
    shown = max(1, min(rooms, PER_PAGE))
    columns = min(MOST_COLUMNS, math.ceil(math.sqrt(shown)))
    return columns, math.ceil(shown / columns)


class OverviewWindow(QMainWindow):
    """Every room of the clinic at a glance."""

    def __init__(self, board: ClinicBoard, database: Database, lock: ConsoleLock, *,
                 player: TonePlayer | None = None,
                 feed_problem: Callable[[], str | None] = lambda: None,
                 clock: Callable[[], float] = time.time) -> None:
        super().__init__()
        self.setWindowTitle("KetaConsole - clinic overview")
        self.board = board
        self.database = database
        self.lock = lock
        self.player = player
        self.clock = clock
        self._feed_problem = feed_problem
        self._commands = ThreadPoolExecutor(max_workers=1, thread_name_prefix="overview-ack")
        self.page = 0
        self.cards: list[RoomCardView] = []
        self.details: dict[str, RoomDetail] = {}
        self.frame_times_ms: list[float] = []
        self._send_failure: str | None = None
        self._build()
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.refresh_now)
        self.timer.start(FRAME_MS)

    # -- building ------------------------------------------------------------------------

    def _build(self) -> None:
        self.strip = [ElidedLabel("") for _ in range(STRIP_ALARMS)]
        for chip in self.strip:
            chip.setFont(theme.font(18, bold=True))
        # every word at least 18 px, the buttons' and the lock panel's too (the console's
        # style sheet would otherwise keep them at the application's size)
        restyle(self, f"QPushButton, QLineEdit, QComboBox, QAbstractItemView, "
                           f"#lockOverlay QLabel {{ font-size: {TEXT_PX}px; }}")
        self.none = label("No active alarms in any room", TEXT_PX, muted=True)
        self.acknowledge = QPushButton("Acknowledge (F2)")
        self.pause = QPushButton("Pause audio 2 min (F3)")
        self.paused = label("", TEXT_PX, bold=True)
        restyle(self.paused, f"color: {theme.ALARM_MEDIUM};")
        self.message = label("", TEXT_PX)
        restyle(self.message, f"color: {theme.ALARM_MEDIUM};")
        self.acknowledge.clicked.connect(self.acknowledge_all)
        self.pause.clicked.connect(self.pause_audio)
        for key, action in (("F2", self.acknowledge_all), ("F3", self.pause_audio)):
            shortcut = QShortcut(QKeySequence(key), self)
            shortcut.setContext(Qt.ShortcutContext.ApplicationShortcut)
            shortcut.activated.connect(action)
        bar = QHBoxLayout()
        bar.addWidget(self.none, 1)
        for chip in self.strip:
            bar.addWidget(chip, 3)
        controls = QGridLayout()
        controls.addWidget(self.acknowledge, 0, 0)
        controls.addWidget(self.pause, 0, 1)
        controls.addWidget(self.paused, 1, 0)
        controls.addWidget(self.message, 1, 1)
        bar.addLayout(controls)

        self.grid = QGridLayout()
        self.grid.setSpacing(8)
        self.page_label = label("", TEXT_PX, muted=True)
        self.previous = QPushButton("\u25c0 Previous page")
        self.next = QPushButton("Next page \u25b6")
        self.previous.clicked.connect(lambda: self.show_page(self.page - 1))
        self.next.clicked.connect(lambda: self.show_page(self.page + 1))
        self.who = label("", TEXT_PX)
        self.lock_button = QPushButton("Lock")
        self.lock_button.clicked.connect(lambda: self.lock.lock())
        self.problem = label("", TEXT_PX, bold=True)
        restyle(self.problem, f"color: {theme.ALARM_MEDIUM};")
        foot = QHBoxLayout()
        foot.addWidget(self.problem, 1)
        foot.addWidget(self.page_label)
        foot.addWidget(self.previous)
        foot.addWidget(self.next)
        foot.addWidget(self.who)
        foot.addWidget(self.lock_button)

        self.login = LockOverlay(self.lock, self._users())
        self.login.setFixedWidth(340)
        self.login.unlocked.connect(self._logged_in)
        self.login.break_glass.connect(lambda *_: self._logged_in(self.lock.current_user()))
        middle = QHBoxLayout()
        middle.addLayout(self.grid, 1)
        middle.addWidget(self.login)
        root = QVBoxLayout()
        root.addLayout(bar)
        root.addLayout(middle, 1)
        root.addLayout(foot)
        body = QWidget()
        body.setLayout(root)
        self.setCentralWidget(body)

    def _users(self) -> list[ConsoleUser]:
        from ketaconsole.security.users import list_users

        return [u for u in list_users(self.database) if u.role in OVERVIEW_ROLES]

    def _logged_in(self, user: ConsoleUser | None) -> None:
        if user is not None and user.role not in OVERVIEW_ROLES and not user.break_glass:
            self.lock.lock("the overview is for nurses and admins")
            self.login.message.setText("The overview is for nurses and admins; log in as "
                                       "one of them.")

    # -- each frame ------------------------------------------------------------------------

    def refresh_now(self) -> None:
        started = time.perf_counter()
        self.refresh(self.clock())
        self.frame_times_ms.append((time.perf_counter() - started) * 1000)
        del self.frame_times_ms[:-2000]

    def refresh(self, now: float) -> None:
        self.lock.tick()
        cards = self.board.cards(now)
        self._show_cards(cards, now)
        self._show_strip(cards, now)
        user = self.lock.current_user()
        self.login.setVisible(self.lock.state is LockState.LOCKED)
        set_text(self.who, user.shown if user else "Locked")
        self.lock_button.setEnabled(user is not None)
        set_text(self.problem, self._feed_problem() or self._send_failure or "")
        for station, detail in list(self.details.items()):
            if detail.isVisible():
                detail.show_card(self.board.card(station, now), now)
            else:
                del self.details[station]

    def show_page(self, page: int) -> None:
        pages = max(1, math.ceil(len(self.board.stations()) / PER_PAGE))
        self.page = min(max(0, page), pages - 1)
        self.refresh(self.clock())

    def _show_cards(self, cards: list[RoomCard], now: float) -> None:
        pages = max(1, math.ceil(len(cards) / PER_PAGE))
        self.page = min(self.page, pages - 1)
        shown = cards[self.page * PER_PAGE:(self.page + 1) * PER_PAGE]
        if len(shown) != len(self.cards):
            self._lay_out(len(shown))
        for view, card in zip(self.cards, shown, strict=True):
            view.show_card(card, now)
        set_text(self.page_label, f"Page {self.page + 1} of {pages}" if pages > 1 else
                 f"{len(cards)} room(s)")
        self.previous.setVisible(pages > 1)
        self.next.setVisible(pages > 1)

    def _lay_out(self, count: int) -> None:
        for view in self.cards:
            self.grid.removeWidget(view)
            view.deleteLater()
        self.cards = []
        columns, rows = grid_shape(count)
        for line in range(MOST_COLUMNS):  # every card of a page the same size
            self.grid.setColumnStretch(line, 1 if line < columns else 0)
            self.grid.setRowStretch(line, 1 if line < rows else 0)
        for index in range(count):
            view = RoomCardView()
            view.opened.connect(self.open_detail)
            self.grid.addWidget(view, index // columns, index % columns)
            self.cards.append(view)

    def _show_strip(self, cards: list[RoomCard], now: float) -> None:
        alarms = sorted(((card.station, a) for card in cards for a in card.alarms),
                        key=lambda pair: (-pair[1].priority.rank, pair[1].acknowledged,
                                          -pair[1].started_at))
        self.none.setVisible(not alarms)
        for chip, (station, found) in zip(self.strip, alarms, strict=False):
            alarm = found.as_alarm()
            colour = alarm.signal.colour
            bright = flash_on(alarm, now)
            style = (f"background: {COLOURS[colour] if bright else DIMMED[colour]}; "
                     f"color: {TEXT_ON[colour] if bright else 'white'}; padding: 4px 10px; "
                     "border-radius: 5px;")
            if chip.styleSheet() != style:
                restyle(chip, style)
            prefix = "" if found.message.startswith(station) else f"{station}: "
            chip.setText(prefix + alarm_message(alarm), kept=alarm_state(alarm))
            chip.show()
        for chip in self.strip[len(alarms):]:
            chip.hide()
        audio = self.board.audio(now)
        left = audio.paused_remaining_s
        set_text(self.paused, f"Audio paused {math.ceil(left) // 60}:"
                              f"{math.ceil(left) % 60:02d}" if left is not None else "")
        self.acknowledge.setEnabled(bool(alarms))
        if self.player is not None:
            self.player.update(audio, now)
            if self.player.problem:
                set_text(self.message, f"NO ALARM SOUND: {self.player.problem}")
        for note in (self.paused, self.message):  # an empty line takes no height
            note.setVisible(bool(note.text()))

    # -- the nurse's actions ---------------------------------------------------------------

    def acknowledge_all(self) -> None:
        """Ask every room with an unacknowledged alarm to acknowledge it for the person here."""
        user = self.lock.current_user()
        now = self.clock()
        if user is None or (user.role not in OVERVIEW_ROLES and not user.break_glass):
            set_text(self.message, "Log in to acknowledge: the room records it under your "
                                   "name.")
            return
        self.lock.touch()
        for card in self.board.cards(now):
            self.acknowledge_room(card, user.username)
        set_text(self.message, "")
        self._send_failure = None

    def acknowledge_room(self, card: RoomCard, username: str) -> None:
        if card.no_news is not None:
            self.board.acknowledge_silence(card.station)
            return
        if any(not a.acknowledged for a in card.status.alarms):
            self._commands.submit(self._ask, card.station, username)

    def _ask(self, station: str, username: str) -> None:
        try:
            ask_acknowledge(self.database, station, by=username)
        except Exception as exc:  # shown in the strip; the screen must go on
            self._send_failure = (f"The acknowledgement for {station} could not be sent "
                                  f"({type(exc).__name__}); try again.")

    def pause_audio(self) -> None:
        user = self.lock.current_user()
        self.board.pause_audio(self.clock(), by=user.username if user else None)

    def open_detail(self, station: str) -> None:
        detail = self.details.get(station)
        if detail is None:
            detail = RoomDetail(station, on_acknowledge=self._acknowledge_one)
            self.details[station] = detail
        detail.show()
        detail.raise_()
        detail.show_card(self.board.card(station, self.clock()), self.clock())

    def _acknowledge_one(self, station: str) -> None:
        user = self.lock.current_user()
        card = self.board.card(station, self.clock())
        if card is None:
            return
        if user is None:
            set_text(self.message, "Log in to acknowledge: the room records it under your "
                                   "name.")
            return
        self.acknowledge_room(card, user.username)

    def stop(self) -> None:
        self.timer.stop()
        for detail in self.details.values():
            detail.close()
        self._commands.shutdown(wait=True)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.stop()
        super().closeEvent(event)
