"""Large numeric tiles: one vital sign each, in the catalogue's precision and unit.

A tile shows a number only while it is live; a stale or invalid value blanks to
dashes with the reason and its age underneath, so it can never pass for a live one.
Under the number it names the device the value comes from (the metric's primary
device, or the device standing in while the primary has no live value).
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QSizePolicy

from ketaconsole.alarms import Alarm
from ketaconsole.catalogue import NIBP_DIA, NIBP_MEAN, NIBP_SYS, Metric
from ketaconsole.live.engine import Engine
from ketaconsole.live.freshness import Freshness, assess, describe_age
from ketaconsole.live.metric_sources import Chosen
from ui import theme
from ui.monitor.alarm_bar import COLOURS, DIMMED, flash_on
from ui.widgets.elided_label import ElidedLabel
from ui.widgets.labels import RIGHT, label, set_text
from ui.widgets.type_scale import restyle

VALUE_PX = 63
"""A vital's digits at the design size: 64 px of ink at 1920x1080."""


class NumericTile(QFrame):
    """One metric's live value."""

    def __init__(self, engine: Engine, metric: Metric, *, value_px: int = VALUE_PX) -> None:
        super().__init__()
        self.setObjectName("panel")
        self.engine = engine
        self.vital = metric
        self._colour = theme.metric_colour(metric.refid)
        self.title = label(metric.short, 18, bold=True)
        self.unit = label(metric.display_unit, 14, muted=True)
        self.value = digits_label(metric.format(None), value_px)
        self.note = label("no data", 13, muted=True, align=Qt.AlignmentFlag.AlignRight)
        self.source = source_label()
        layout = QGridLayout(self)
        layout.setContentsMargins(12, 4, 12, 4)
        layout.addWidget(self.title, 0, 0)
        layout.addWidget(self.unit, 1, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.value, 0, 1, 2, 1)
        layout.addLayout(footer(self.source, self.note), 2, 0, 1, 2)
        layout.setColumnStretch(1, 1)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAccessibleName(metric.label)
        restyle(self.title, f"color: {self._colour};")

        self._live = False
        self.alarm_note = ""
        """An extra line the tile shows under its note (e.g. an overdue check)."""

    def refresh(self, now: float) -> None:
        shown = assess(self.vital, self.engine.latest(self.vital.refid, now), now)
        self._live = shown.freshness is Freshness.LIVE
        set_text(self.value, shown.text)
        set_text(self.note, shown.note)
        show_source(self.source, self.engine, self.engine.source(self.vital.refid, now))
        paint_values(self, [self.value], self._colour, self._live)

    def show_alarm(self, alarm: Alarm | None, now: float) -> None:
        show_tile_alarm(self, self.title, self.vital.short, alarm, now)
        paint_values(self, [self.value], self._colour, self._live)


def digits_label(text: str, px: int) -> QLabel:
    """A vital's big digits: as tall as their ink needs (digits have no descenders and the
    line's spare room above them), so a short tile never squeezes them."""
    shown = label(text, px, bold=True, align=RIGHT)
    shown.setMinimumHeight(QFontMetrics(shown.font()).capHeight() + 12)
    return shown


def source_label() -> ElidedLabel:
    """The small muted line naming where a tile's value comes from."""
    shown = ElidedLabel("")
    shown.setFont(theme.font(13))
    restyle(shown, f"background: transparent; border: none; color: {theme.MUTED};")
    return shown


def footer(source: ElidedLabel, note: QLabel) -> QHBoxLayout:
    """A tile's last line: its source on the left (shortened to fit), its note on the right."""
    row = QHBoxLayout()
    row.setContentsMargins(0, 0, 0, 0)
    row.addWidget(source, 1)
    row.addWidget(note)
    return row


def show_source(shown: ElidedLabel, engine: Engine, chosen: Chosen | None) -> None:
    """The tile's source line; on a narrow tile the devices' kinds without their models
    ("Patient monitor" for "Patient monitor \u00b7 IntelliVue MP20-MP90")."""
    text = source_text(engine, chosen)
    shown.setText(text, shorter=(" for ".join(part.split(" \u00b7 ")[0]
                                      for part in text.split(" for ")),))


def source_text(engine: Engine, chosen: Chosen | None) -> str:
    """``"Pulse oximeter"``; ``"Patient monitor for Pulse oximeter"`` when standing in."""
    if chosen is None:
        return ""
    name = engine.sources.label(chosen.device_id)
    if not chosen.stands_in:
        return name
    return f"{name} for {engine.sources.label(chosen.primary_id)}"


def paint_values(tile: QFrame, values: list[QLabel], colour: str, live: bool) -> None:
    """A live value in its metric's colour (white on a tile filled red), else grey; the
    tile's title likewise white on red."""
    filled = bool(tile.property("alarmFilled"))
    title = getattr(tile, "title", None)
    if isinstance(title, QLabel):
        restyle(title, f"color: {'white' if filled else colour};")
    style = f"color: {('white' if filled else colour) if live else theme.STALE};"
    for value in values:
        restyle(value, style)


def show_tile_alarm(tile: QFrame, title: QLabel, name: str, alarm: Alarm | None,
                    now: float) -> None:
    """Frame a tile in its alarm's colour (flashing per priority) and mark its title."""
    filled = False
    if alarm is None:
        text, style = name, ""
    else:
        colour = alarm.signal.colour
        bright = flash_on(alarm, now)
        edge = COLOURS[colour] if bright else DIMMED[colour]
        text = f"{alarm.marks} {name}"
        if colour == "red":  # a high alarm fills the tile red in both halves of the flash
            filled = True
            fill = COLOURS["red"] if bright else DIMMED["red"]
            style = (f"QFrame#panel {{ background: {fill}; border: 4px solid "
                     f"{COLOURS['red']}; }} QLabel {{ color: white; }}")
        else:
            style = f"QFrame#panel {{ border: {4 if colour == 'yellow' else 3}px solid {edge}; }}"
    tile.setProperty("alarmFilled", filled)
    if title.text() != text:
        title.setText(text)
    restyle(tile, style)


class BloodPressureTile(QFrame):
    """The latest NIBP reading (systolic/diastolic and mean) with the time it was taken."""

    def __init__(self, engine: Engine) -> None:
        super().__init__()
        self.setObjectName("panel")
        self.engine = engine
        colour = theme.metric_colour(NIBP_SYS.refid)
        self.title = label("NIBP", 18, bold=True)
        restyle(self.title, f"color: {colour};")
        unit = label(NIBP_SYS.display_unit, 14, muted=True)
        self.value = digits_label("---/---", VALUE_PX)
        self.mean = label("(---)", 24, align=RIGHT)
        self.note = label("no reading yet", 13, muted=True, align=Qt.AlignmentFlag.AlignRight)
        self.overdue = label("", 13, bold=True)
        restyle(self.overdue, f"color: {theme.ALARM_LOW};")
        self.source = source_label()
        layout = QGridLayout(self)
        layout.setContentsMargins(12, 4, 12, 4)
        layout.addWidget(self.title, 0, 0)
        layout.addWidget(unit, 1, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.value, 0, 1, 2, 1)
        layout.addWidget(self.mean, 0, 2, 2, 1)
        last = footer(self.source, self.note)
        last.insertWidget(0, self.overdue)
        layout.addLayout(last, 2, 0, 1, 3)
        layout.setColumnStretch(1, 1)
        self._colour = colour
        self._live = False
        self.setAccessibleName("Non-invasive blood pressure")

    def show_overdue(self, overdue: bool) -> None:
        """Say on the tile that a blood-pressure check is overdue (the alarm bar has it too)."""
        set_text(self.overdue, "* check overdue" if overdue else "")

    def show_alarm(self, alarm: Alarm | None, now: float) -> None:
        show_tile_alarm(self, self.title, "NIBP", alarm, now)
        paint_values(self, [self.value, self.mean], self._colour, self._live)

    def refresh(self, now: float) -> None:
        chosen = self.engine.source(NIBP_SYS.refid, now)
        show_source(self.source, self.engine, chosen)
        cuff = chosen.device_id if chosen is not None else ""
        sys_, dia = (self.engine.latest_from(NIBP_SYS.refid, cuff),
                     self.engine.latest_from(NIBP_DIA.refid, cuff))
        mean = self.engine.latest_from(NIBP_MEAN.refid, cuff)
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
        self._live = live
        paint_values(self, [self.value, self.mean], self._colour, live)
