"""The alarm bar: every active alarm by priority, colour, flash and marks, with its controls.

Colours and flash rates come from the alarm system's signal table (IEC 60601-1-8:
high red flashing ~2 Hz, medium yellow ~0.6 Hz, low cyan steady; marks *** ** *), so
priority is never shown by colour alone. Acknowledge (F2) and audio pause (F3) act on
the alarm system and are recorded with who did it; the pause shows its countdown.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QWidget,
)

from ketaconsole.alarms import Alarm, AlarmSystem, Category, Priority
from ui import theme
from ui.monitor.tone_player import TonePlayer
from ui.widgets.type_scale import restyle, scaled_px

SHOWN = 3
CHIP_PX = 18
COLOURS = {"red": theme.ALARM_HIGH, "yellow": theme.ALARM_MEDIUM, "cyan": theme.ALARM_LOW}
DIMMED = {"red": "#7f1d1d", "yellow": "#6b5a10", "cyan": "#0b4650"}
TEXT_ON = {"red": "white", "yellow": "black", "cyan": "black"}
"""Text colour on a filled alarm colour (the overview's cards and strip)."""
"""The dark half of a flash: a high alarm stays a filled red even then."""


def chip_style(colour: str, bright: bool, px: int = 18) -> str:
    """A chip's look: a high alarm is a filled red block in both halves of its flash, the
    most salient thing on the screen; medium and low alarms are outlined, their colour in
    the border and the words, so a yellow never outshines a red."""
    edge = COLOURS[colour] if bright else DIMMED[colour]
    if colour == "red":
        fill = theme.ALARM_HIGH if bright else DIMMED["red"]
        return (f"background: {fill}; color: white; border: 3px solid {COLOURS['red']};"
                f" padding: 4px 10px; border-radius: 5px; font-size: {px}px;"
                " font-weight: bold;")
    width = 2 if colour == "yellow" else 1
    return (f"background: {theme.PANEL}; color: {edge}; border: {width}px solid {edge};"
            f" padding: 4px 10px; border-radius: 5px; font-size: {px}px; font-weight: bold;")


def flash_on(alarm: Alarm, now: float) -> bool:
    """Whether a flashing alarm is in its bright half-period at ``now`` (steady: always)."""
    rate = alarm.signal.flash_hz
    if rate <= 0 or alarm.acknowledged:
        return True
    return math.floor((now - alarm.started_at) * rate * 2) % 2 == 0


def alarm_text(alarm: Alarm) -> str:
    return f"{alarm_message(alarm)}{alarm_state(alarm)}".strip()


def alarm_message(alarm: Alarm) -> str:
    """The alarm's marks, kind and message: what may be cut short where room runs out."""
    kind = "" if alarm.category is Category.PHYSIOLOGICAL else "TECH  "
    return f"{alarm.marks} {kind}{alarm.message}".strip()


def alarm_state(alarm: Alarm) -> str:
    """Whether a person has seen to the alarm ("  \u2713 acknowledged", "  (latched:
    reset)"), or nothing: never cut short, so an acknowledged alarm never looks new."""
    if alarm.latched:
        return "  (latched: reset)"
    return "  \u2713 acknowledged" if alarm.acknowledged else ""


class AlarmBar(QFrame):
    """The alarm bar across the top of the monitor screen."""

    def __init__(self, alarms: AlarmSystem | None, player: TonePlayer | None,
                 author: Callable[[], str], parent: QWidget | None = None, *,
                 on_action: Callable[[str, str], None] | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("panel")
        self.alarms = alarms
        self.player = player
        self._author = author
        self._on_action = on_action
        """Told (action, alarms) of every acknowledge and pause, e.g. to audit a locked one."""
        self._reported_sound: str | None = None
        self.text_scale = 1.0
        """The window's text scale (the chips' size is in their style, which they change)."""
        self.chips = [QLabel("") for _ in range(SHOWN)]
        for chip in self.chips:
            chip.setFont(theme.font(CHIP_PX, bold=True))
            chip.setWordWrap(True)
            chip.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            chip.hide()
        self.none = QLabel("No active alarms" if alarms is not None
                           else "ALARMS OFF: no alarm system running")
        self.none.setFont(theme.font(16))
        self.none.setObjectName("muted")
        self.more = QLabel("")
        self.more.setObjectName("muted")
        self.sound = QLabel("")
        self.sound.setFont(theme.font(13, bold=True))
        restyle(self.sound, "color: #fb923c;")
        self.paused = QLabel("")
        self.paused.setFont(theme.font(14, bold=True))
        restyle(self.paused, f"color: {theme.ALARM_MEDIUM};")
        self.acknowledge = QPushButton("Acknowledge (F2)")
        self.pause = QPushButton("Pause audio 2 min (F3)")
        self.acknowledge.clicked.connect(self.acknowledge_all)
        self.pause.clicked.connect(self.pause_audio)
        for key, action in (("F2", self.acknowledge_all), ("F3", self.pause_audio)):
            shortcut = QShortcut(QKeySequence(key), self)
            shortcut.setContext(Qt.ShortcutContext.ApplicationShortcut)
            shortcut.activated.connect(action)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 4, 10, 4)
        layout.addWidget(self.none, 1)
        for chip in self.chips:
            layout.addWidget(chip, 3)
        layout.addWidget(self.more)
        controls = QGridLayout()
        controls.setVerticalSpacing(2)
        controls.addWidget(self.acknowledge, 0, 0)
        controls.addWidget(self.pause, 0, 1)
        states = QHBoxLayout()  # under both buttons: a long sound warning is never cut
        states.setContentsMargins(0, 0, 0, 0)
        states.addWidget(self.paused)
        states.addStretch(1)
        states.addWidget(self.sound)
        controls.addLayout(states, 1, 0, 1, 2)
        layout.addLayout(controls)
        self.setAccessibleName("Alarms")

    def acknowledge_all(self) -> None:
        if self.alarms is None:
            return
        active = self.alarms.active_alarms(time.time())
        if active:
            self.alarms.acknowledge(by=self._author(), now=time.time())
            self._told("acknowledge", active)

    def pause_audio(self) -> None:
        if self.alarms is not None:
            self.alarms.pause_audio(by=self._author(), now=time.time())
            self._told("audio pause", self.alarms.active_alarms(time.time()))

    def _told(self, action: str, active: list[Alarm]) -> None:
        if self._on_action is not None:
            self._on_action(action, ", ".join(a.alarm_id for a in active) or "none")

    def refresh(self, now: float) -> None:
        if self.alarms is not None:
            self.show_alarms(self.alarms.active_alarms(now), now)

    def show_alarms(self, active: list[Alarm], now: float) -> None:
        """Draw ``active`` (already sorted, most urgent first) and drive the tone."""
        if self.alarms is None:
            return
        self.none.setVisible(not active)
        for chip, alarm in zip(self.chips, active, strict=False):
            style = chip_style(alarm.signal.colour, flash_on(alarm, now),
                               scaled_px(CHIP_PX, self.text_scale))
            if chip.styleSheet() != style:
                restyle(chip, style)
            text = alarm_text(alarm)
            if chip.text() != text:
                chip.setText(text)
            chip.setAccessibleName(f"{alarm.priority.value} priority alarm: {alarm.message}")
            chip.show()
        for chip in self.chips[len(active):]:
            chip.hide()
        extra = len(active) - SHOWN
        self.more.setText(f"+{extra} more" if extra > 0 else "")
        audio = self.alarms.audio(now)
        if audio.paused and audio.paused_remaining_s is not None:
            left = math.ceil(audio.paused_remaining_s)
            self.paused.setText(f"Audio paused {left // 60}:{left % 60:02d}")
        else:
            self.paused.setText("")
        self.acknowledge.setEnabled(bool(active))
        if self.player is not None:
            self.player.update(audio, now)
            self._report_sound(self.player.problem, now)

    def _report_sound(self, problem: str | None, now: float) -> None:
        """A tone that cannot sound is itself a technical alarm, not just a note."""
        assert self.alarms is not None
        if problem != self._reported_sound:
            if problem:
                self.alarms.report_audio_fault(problem, now)
            else:
                self.alarms.clear_audio_fault()
            self._reported_sound = problem
        shown = f"NO ALARM SOUND: {problem}" if problem else ""
        if self.sound.text() != shown:
            self.sound.setText(shown)


def alarms_by_metric(active: list[Alarm]) -> dict[str, Alarm]:
    """The most urgent active physiological alarm on each metric (``active`` is sorted)."""
    found: dict[str, Alarm] = {}
    for alarm in active:
        refid = alarm.values.get("metric")
        if alarm.category is Category.PHYSIOLOGICAL and isinstance(refid, str) \
                and alarm.priority is not Priority.ADVISORY:
            found.setdefault(refid, alarm)
    return found
