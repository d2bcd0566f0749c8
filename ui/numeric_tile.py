"""Large numeric tiles: one vital sign each, in the catalogue's precision and unit.

A tile shows a number only while it is live; a stale or invalid value blanks to
dashes with the reason and its age underneath, so it can never pass for a live one.
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QSizePolicy

from ketaconsole.alarms import Alarm
from ketaconsole.catalogue import NIBP_DIA, NIBP_MEAN, NIBP_SYS, Metric
from ketaconsole.engine import Engine
from ketaconsole.freshness import Freshness, assess, describe_age
from ui import theme
from ui.alarm_bar import COLOURS, DIMMED, flash_on
from ui.labels import RIGHT, label, set_text


class NumericTile(QFrame):
    """One metric's live value."""

    def __init__(self, engine: Engine, metric: Metric, *, value_px: int = 64) -> None:
        super().__init__()
        self.setObjectName("panel")
        self.engine = engine
        self.vital = metric
        self._colour = theme.metric_colour(metric.refid)
        self.title = label(metric.short, 18, bold=True)
        self.unit = label(metric.display_unit, 14, muted=True)
        self.value = label(metric.format(None), value_px, bold=True, align=RIGHT)
        self.note = label("no data", 13, muted=True, align=Qt.AlignmentFlag.AlignRight)
        layout = QGridLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.addWidget(self.title, 0, 0)
        layout.addWidget(self.unit, 1, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.value, 0, 1, 2, 1)
        layout.addWidget(self.note, 2, 0, 1, 2)
        layout.setColumnStretch(1, 1)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAccessibleName(metric.label)
        self.title.setStyleSheet(f"color: {self._colour};")

    def refresh(self, now: float) -> None:
        shown = assess(self.vital, self.engine.latest(self.vital.refid), now)
        live = shown.freshness is Freshness.LIVE
        set_text(self.value, shown.text)
        set_text(self.note, shown.note)
        self.value.setStyleSheet(f"color: {self._colour if live else theme.STALE};")

    def show_alarm(self, alarm: Alarm | None, now: float) -> None:
        show_tile_alarm(self, self.title, self.vital.short, alarm, now)



def show_tile_alarm(tile: QFrame, title: QLabel, name: str, alarm: Alarm | None,
                    now: float) -> None:
    """Frame a tile in its alarm's colour (flashing per priority) and mark its title."""
    if alarm is None:
        text, style = name, ""
    else:
        colour = alarm.signal.colour
        edge = COLOURS[colour] if flash_on(alarm, now) else DIMMED[colour]
        text = f"{alarm.marks} {name}"
        style = f"QFrame#panel {{ border: 4px solid {edge}; }}"
    if title.text() != text:
        title.setText(text)
    if tile.styleSheet() != style:
        tile.setStyleSheet(style)


class BloodPressureTile(QFrame):
    """The latest NIBP reading (systolic/diastolic and mean) with the time it was taken."""

    def __init__(self, engine: Engine) -> None:
        super().__init__()
        self.setObjectName("panel")
        self.engine = engine
        colour = theme.metric_colour(NIBP_SYS.refid)
        self.title = label("NIBP", 18, bold=True)
        self.title.setStyleSheet(f"color: {colour};")
        unit = label(NIBP_SYS.display_unit, 14, muted=True)
        self.value = label("---/---", 60, bold=True, align=RIGHT)
        self.mean = label("(---)", 28, align=RIGHT)
        self.note = label("no reading yet", 13, muted=True, align=Qt.AlignmentFlag.AlignRight)
        layout = QGridLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.addWidget(self.title, 0, 0)
        layout.addWidget(unit, 1, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.value, 0, 1, 2, 1)
        layout.addWidget(self.mean, 0, 2, 2, 1)
        layout.addWidget(self.note, 2, 0, 1, 3)
        layout.setColumnStretch(1, 1)
        self._colour = colour
        self.setAccessibleName("Non-invasive blood pressure")

    def show_alarm(self, alarm: Alarm | None, now: float) -> None:
        show_tile_alarm(self, self.title, "NIBP", alarm, now)

    def refresh(self, now: float) -> None:
        sys_, dia = self.engine.latest(NIBP_SYS.refid), self.engine.latest(NIBP_DIA.refid)
        mean = self.engine.latest(NIBP_MEAN.refid)
        if sys_ is None or dia is None:
            text, mean_text, note, live = "---/---", "(---)", "no reading yet", False
        else:
            text = f"{NIBP_SYS.format(sys_.value)}/{NIBP_DIA.format(dia.value)}"
            mean_text = f"({NIBP_MEAN.format(mean.value if mean else None)})"
            taken = datetime.fromtimestamp(sys_.received_at).strftime("%H:%M")
            live = sys_.value is not None and dia.value is not None
            note = (f"taken {taken}, {describe_age(sys_.age(now))} ago" if live
                    else f"last attempt {taken} gave no valid reading")
        for shown, new in ((self.value, text), (self.mean, mean_text), (self.note, note)):
            if shown.text() != new:
                shown.setText(new)
        colour = self._colour if live else theme.STALE
        self.value.setStyleSheet(f"color: {colour};")
        self.mean.setStyleSheet(f"color: {colour};")
