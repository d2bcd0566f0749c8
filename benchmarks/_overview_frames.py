"""The clinic overview's frames at 16 and 48 rooms, against a bare Qt window of the same cards.

Needs no server: the overview draws what its board holds, and the board is fed here as the
feed's thread would feed it, each room's news once a second. The rooms are deterministic
(fixed seed) and busy as a real clinic's: every room infusing on a pump with its numbers
moving, every eighth desaturating with a high-priority SpO2 alarm (flashing at 2 Hz),
every sixth with a medium one, one room that fell silent (the overview's own technical
alarm) and one BP check overdue. 48 rooms are three pages of 16: the page shows 16
cards, and the board, the alarm strip and the desk's sound work on all 48.

For each size N (``SIZES``), ``FRAMES`` frames at the window's own 10 a second:

- ``rooms.overviewN.frame.p99_ms`` / ``.p50_ms``: ``OverviewWindow.refresh`` plus the
  repaint of what changed (posted events processed);
- ``rooms.overviewN.full_repaint.p99_ms``: the whole window repainted, once a second;
- ``rooms.overviewN.bare.frame.p99_ms`` / ``.bare.full_repaint.p99_ms``: the floor in the
  same run, a bare PySide6 window of the same size with the same number of card frames,
  each holding the same number of labels and a progress bar, given the same texts (what
  the cards show) and repainted the same way, each bare frame right after one of ours;
- ``rooms.overviewN.frame.vs_bare_ratio``: the two p99 frame times, ours / bare.

Targets (issue 31): frame p99 <= 16 ms and full repaint <= 50 ms at 16 and 48 rooms.
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

SIZES = (16, 48)
FRAMES = int(os.environ.get("KETACONSOLE_BENCH_OVERVIEW_FRAMES", "300"))
FRAME_S = 0.1
SCREEN = (1920, 1080)
SEED = 31


@dataclass
class _Room:
    """One simulated room: its numbers drift as a patient's do."""

    number: int
    spo2: float
    heart: float
    resp: float
    delivered_mg: float

    @property
    def station(self) -> str:
        return f"Room {self.number:02d}"

    @property
    def desaturating(self) -> bool:
        """Every eighth room has its SpO2 below the alarm limit."""
        return self.number % 8 == 0

    def step(self, draw: random.Random) -> None:
        low, high = (84.0, 89.0) if self.desaturating else (91.0, 100.0)
        self.spo2 = min(high, max(low, self.spo2 + draw.choice((-1, 0, 0, 1))))
        self.heart = min(120.0, max(50.0, self.heart + draw.choice((-2, -1, 0, 1, 2))))
        self.resp = min(24.0, max(8.0, self.resp + draw.choice((-1, 0, 0, 1))))
        self.delivered_mg += 35.0 / 2400


def _rooms(count: int) -> list[_Room]:
    draw = random.Random(SEED)
    return [_Room(n, float(draw.randint(86, 88) if n % 8 == 0 else draw.randint(94, 99)),
                  float(draw.randint(60, 90)), float(draw.randint(10, 18)),
                  draw.uniform(2.0, 30.0))
            for n in range(1, count + 1)]


def _status(room: _Room, seq: int, now: float, started: float) -> object:
    from ketaconsole.alarms import Priority
    from ketaconsole.catalogue import (
        HEART_RATE,
        NIBP_DIA,
        NIBP_MEAN,
        NIBP_SYS,
        PULSE_RATE,
        RESP_RATE,
        SPO2,
    )
    from ketaconsole.overview.status import AlarmNow, PumpNow, RoomStatus, VitalNow

    alarms: tuple[AlarmNow, ...] = ()
    if room.desaturating:
        alarms = (AlarmNow("spo2-low", Priority.HIGH, False,
                           f"SpO2 {room.spo2:.0f} % below 90 %", started, False, True),)
    elif room.number % 6 == 0:
        alarms = (AlarmNow("hr-high", Priority.MEDIUM, False,
                           f"HR {room.heart:.0f} /min above 110 /min", started, True, False),)
    vitals = {SPO2.refid: VitalNow(room.spo2, 0.4),
              HEART_RATE.refid: VitalNow(room.heart, 0.4),
              PULSE_RATE.refid: VitalNow(room.heart, 0.4),
              RESP_RATE.refid: VitalNow(room.resp, 0.6),
              NIBP_SYS.refid: VitalNow(128.0 + room.number % 20, 240.0),
              NIBP_DIA.refid: VitalNow(78.0 + room.number % 9, 240.0),
              NIBP_MEAN.refid: VitalNow(95.0, 240.0)}
    return RoomStatus(room.station, "room", seq, now, session_id=room.number,
                      initials="A.B.", phase="Infusion", infusion_started_at=started,
                      vitals=vitals, alarms=alarms,
                      pump=PumpNow(35.0, 52.5, room.delivered_mg, 35.0, "infusing"),
                      links={"alaris-asena": "connected", "masimo-ascii": "connected"},
                      bp_due="BP overdue by 1 min" if room.number == 3 else "BP due in 4 min",
                      bp_overdue=room.number == 3)


def _p99(values: list[float]) -> float:
    return float(np.percentile(np.asarray(values), 99)) * 1000 if values else 0.0


class _BareCards:
    """The floor: a plain window of card frames with as many labels as a room card."""

    LABELS = 14
    """Room, who, age, links, four titles and four values, the BP check, the alarm line."""

    def __init__(self, cards: int) -> None:
        from PySide6.QtGui import QFont
        from PySide6.QtWidgets import (
            QFrame,
            QGridLayout,
            QLabel,
            QMainWindow,
            QProgressBar,
            QVBoxLayout,
            QWidget,
        )

        big, small = QFont(), QFont()
        big.setPixelSize(52)
        big.setBold(True)
        small.setPixelSize(18)
        self.window = QMainWindow()
        grid = QGridLayout()
        self.labels: list[list[QLabel]] = []
        self.bars: list[QProgressBar] = []
        for index in range(cards):
            frame = QFrame()
            frame.setFrameShape(QFrame.Shape.Box)
            column = QVBoxLayout(frame)
            shown = [QLabel("--") for _ in range(self.LABELS)]
            for number, one in enumerate(shown):
                one.setFont(big if 8 <= number < 12 else small)
                column.addWidget(one)
            bar = QProgressBar()
            bar.setRange(0, 1000)
            column.addWidget(bar)
            self.labels.append(shown)
            self.bars.append(bar)
            grid.addWidget(frame, index // 4, index % 4)
        body = QWidget()
        body.setLayout(grid)
        self.window.setCentralWidget(body)
        self.window.resize(*SCREEN)
        self.window.show()

    def show(self, texts: list[list[str]], progress: list[int]) -> None:
        for shown, words in zip(self.labels, texts, strict=False):
            for one, text in zip(shown, words, strict=False):
                if one.text() != text:
                    one.setText(text)
        for bar, value in zip(self.bars, progress, strict=False):
            if bar.value() != value:
                bar.setValue(value)


def _card_texts(view: object) -> list[str]:
    """What a room card shows, as the bare window's labels' texts."""
    from ui.overview.room_card import RoomCardView

    assert isinstance(view, RoomCardView)
    return [view.title.text(), view.who.text(), view.age.text(), view.links.text(),
            view.spo2.title.text(), view.rate.title.text(), view.resp.title.text(),
            view.bp.title.text(), view.spo2.value.text(), view.rate.value.text(),
            view.resp.value.text(), view.bp.value.text(), view.checks.text(),
            view.alarm.text()]


def _timed(work: Callable[[], None]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def _one_size(rooms_count: int, home: str, frames: int) -> dict[str, float]:
    from PySide6.QtWidgets import QApplication

    from ketaconsole.bedside.security import BedsideSecurity
    from ketaconsole.overview.board import ClinicBoard
    from ketaconsole.overview.status import RoomStatus
    from ketaconsole.store import open_database
    from ui.overview.overview_window import OverviewWindow

    app = QApplication.instance()
    assert isinstance(app, QApplication)
    database = open_database(f"sqlite:///{home}/overview-{rooms_count}.sqlite3")
    board = ClinicBoard()
    rooms = _rooms(rooms_count)
    draw = random.Random(SEED + rooms_count)
    started = time.time()
    silent = rooms[1]  # its news stops after the first second
    window = OverviewWindow(board, database, BedsideSecurity(database, place="bench").lock)
    window.timer.stop()  # frames are driven here, one every FRAME_S as the timer would
    window.resize(*SCREEN)
    window.show()
    bare = _BareCards(min(rooms_count, 16))
    for room in rooms:  # the rooms as the window opens on them: its cards are made once
        status = _status(room, 0, started, started)
        assert isinstance(status, RoomStatus)
        board.receive(status, started)
    window.refresh(started)
    app.processEvents()
    ours: list[float] = []
    floor: list[float] = []
    full: list[float] = []
    full_floor: list[float] = []
    try:
        for frame in range(frames):
            now = time.time()
            if frame % 10 == 0:  # the rooms' news, once a second
                for room in rooms:
                    if room is silent and frame > 0:
                        continue
                    room.step(draw)
                    status = _status(room, frame + 1, now, started)
                    assert isinstance(status, RoomStatus)
                    board.receive(status, now)

            def ours_frame(at: float = now) -> None:
                window.refresh(at)
                app.processEvents()

            ours.append(_timed(ours_frame))
            texts = [_card_texts(view) for view in window.cards]
            progress = [view.infusion.value() for view in window.cards]

            def bare_frame(texts: list[list[str]] = texts,
                           progress: list[int] = progress) -> None:
                bare.show(texts, progress)
                app.processEvents()

            floor.append(_timed(bare_frame))
            if frame % 10 == 5:
                full.append(_timed(window.repaint))
                full_floor.append(_timed(bare.window.repaint))
            time.sleep(max(0.0, FRAME_S - ours[-1] - floor[-1]))
        shot = os.environ.get("KETACONSOLE_BENCH_OVERVIEW_SCREENSHOT")
        if shot:
            window.grab().save(shot.replace(".png", f"-{rooms_count}.png"), "PNG")
    finally:
        window.stop()
        window.close()
        bare.window.close()
        database.dispose()
    key = f"rooms.overview{rooms_count}"
    return {f"{key}.frame.p99_ms": _p99(ours),
            f"{key}.frame.p50_ms": float(np.median(ours)) * 1000,
            f"{key}.full_repaint.p99_ms": _p99(full),
            f"{key}.bare.frame.p99_ms": _p99(floor),
            f"{key}.bare.full_repaint.p99_ms": _p99(full_floor),
            f"{key}.frame.vs_bare_ratio": _p99(ours) / max(_p99(floor), 1e-6),
            f"{key}.cards": float(len(window.cards))}


def overview_frames(sizes: tuple[int, ...] = SIZES, frames: int = FRAMES) -> dict[str, float]:
    """The overview's frame figures at each size in ``sizes``, ``frames`` frames each."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from ui.theme import apply_theme

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    apply_theme(app)
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="kc-bench-overview-") as home:
        for size in sizes:
            figures.update(_one_size(size, home, frames))
    return figures
