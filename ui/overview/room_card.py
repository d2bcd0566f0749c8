"""A room's card on the clinic overview: who, the big numbers, the alarm, the infusion.

Numbers show only while live (their age at publishing plus the room's silence within
the catalogue's window, and never once the room counts as silent); otherwise dashes.
The most urgent alarm fills the alarm line in its IEC colour, flash and marks; a room
that fell silent shows the overview's own technical alarm there ("Room 3: no news for
7 s"). Clicking the card opens the room's live detail.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFontMetrics,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QResizeEvent,
)
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from ketaconsole.catalogue import (
    CATALOGUE,
    ETCO2,
    HEART_RATE,
    NIBP_DIA,
    NIBP_SYS,
    PULSE_RATE,
    PUMP_RATE,
    RESP_RATE,
    SPO2,
)
from ketaconsole.live.freshness import describe_age
from ketaconsole.overview.board import RoomCard
from ketaconsole.overview.status import RoomStatus
from ui import theme
from ui.monitor.alarm_bar import (
    COLOURS,
    DIMMED,
    TEXT_ON,
    alarm_message,
    alarm_state,
    flash_on,
)
from ui.overview.dose_bar import FULL, DoseBar
from ui.widgets.elided_label import ElidedLabel
from ui.widgets.labels import label, set_text
from ui.widgets.type_scale import restyle

NUMBER_PX = 40
"""The least ink height of a card's value digits on a page of 16 rooms at 1920x1080,
readable at 2 m; bigger cards have bigger numbers, a smaller screen smaller ones."""
NUMBER_PX_MOST = 110
TEXT_PX = 18
"""The least font size of a card's words at 16 rooms on 1920x1080."""
TEXT_PX_MOST = 28
DIGIT_INK = 0.729
"""DejaVu Sans's digit height per pixel of font size (the theme's face)."""


def shown_number(status: RoomStatus, refid: str, silent_s: float) -> str | None:
    """The value as the catalogue formats it while live, else ``None``."""
    found = status.vitals.get(refid)
    if found is None or found.value is None:
        return None
    if not CATALOGUE[refid].fresh_at(found.age_s + silent_s):
        return None
    return CATALOGUE[refid].format(found.value)


class Digits(QWidget):
    """A big value drawn as tall as its digits (no room kept for letters' ascenders and
    descenders, which digits have none of): the card's height goes to the numbers."""

    def __init__(self, colour: str) -> None:
        super().__init__()
        self._text = "--"
        self.colour = colour
        self.setFont(theme.font(56, bold=True))
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self._fit()

    def text(self) -> str:
        return self._text

    def setText(self, text: str) -> None:
        if text != self._text:
            self._text = text
            self.update()

    def set_colour(self, colour: str) -> None:
        if colour != self.colour:
            self.colour = colour
            self.update()

    def set_size(self, px: int) -> None:
        if self.font().pixelSize() != px:
            self.setFont(theme.font(px, bold=True))
            self._fit()

    def ink_height(self) -> int:
        """The digits' drawn height in pixels."""
        return QFontMetrics(self.font()).tightBoundingRect("0123456789").height()

    def _fit(self) -> None:
        self.setFixedHeight(self.ink_height() + 6)
        self.updateGeometry()

    def sizeHint(self) -> QSize:
        return QSize(QFontMetrics(self.font()).horizontalAdvance(self._text) + 2,
                     self.height())

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        shown = self.font()
        wide = QFontMetrics(shown).horizontalAdvance(self._text)
        if wide > self.width() > 0:  # smaller, never cut: a value is read whole or not at all
            shown = theme.font(max(8, shown.pixelSize() * self.width() // wide), bold=True)
        painter.setFont(shown)
        painter.setPen(QColor(self.colour))
        ink = QFontMetrics(shown).tightBoundingRect("0123456789")
        baseline = (self.height() + ink.height()) // 2 - ink.bottom()
        painter.drawText(0, baseline, self._text)
        painter.end()


class _Number(QWidget):
    """A label over a big number in the metric's colour (dashes, greyed, when not live)."""

    def __init__(self, title: str, colour: str) -> None:
        super().__init__()
        self.colour = colour
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.title = label(title, TEXT_PX, bold=True)
        restyle(self.title, f"color: {colour};")
        self.value = Digits(theme.STALE)
        layout.addWidget(self.title)
        layout.addWidget(self.value)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

    def set_size(self, px: int, text_px: int) -> None:
        self.value.set_size(px)
        if self.title.font().pixelSize() != text_px:
            self.title.setFont(theme.font(text_px, bold=True))

    def show_value(self, text: str | None, *, live: bool = True) -> None:
        """The value in its colour; greyed when ``live`` is false (a reading that stands
        until the next, of a room that sends no news: its last, never a current one)."""
        self.value.setText(text if text is not None else "--")
        self.value.set_colour(self.colour if text is not None and live else theme.STALE)


def card_sizes(width: int, height: int) -> tuple[int, int]:
    """The font size of a card's numbers and of its words, from the card's own size: a
    page of 16 on 1920x1080 gets digits >= ``NUMBER_PX`` tall and words of ``TEXT_PX``."""
    text = max(10, min(TEXT_PX_MOST, int(height * 0.078), int(width * 0.0475)))
    number = max(16, min(NUMBER_PX_MOST, int(height * 0.24), int(width * 0.15)))
    return number, text


class RoomCardView(QFrame):
    """One room's card; ``show_card`` once a frame.

    Head (room, patient and phase, news age, device links), the numbers in two rows
    (SpO2, HR, RR; NIBP with the next BP check), the alarm line (its message may be cut
    short, whether it is acknowledged never is), and the infusion with the pump's state.
    The card sizes its type to itself and never asks the window for more room.
    """

    opened = Signal(str)
    """The station whose card was clicked."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("roomCard")
        self.station = ""
        self._style = ""
        self._links: list[tuple[str, str]] = []
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setMinimumSize(160, 100)  # its own minimum: the page decides the card's size
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.title = label("", TEXT_PX + 2, bold=True)
        self.who = ElidedLabel("")
        self.age = label("", TEXT_PX, muted=True, align=Qt.AlignmentFlag.AlignRight)
        self.links = label("", TEXT_PX)
        self.spo2 = _Number(SPO2.short, theme.metric_colour(SPO2.refid))
        self.rate = _Number("HR", theme.metric_colour(HEART_RATE.refid))
        self.resp = _Number("RR", theme.metric_colour(RESP_RATE.refid))
        self.bp = _Number("NIBP", theme.metric_colour(NIBP_SYS.refid))
        self.checks = label("", TEXT_PX, muted=True)
        self.checks.setWordWrap(True)
        self.alarm = ElidedLabel("")
        self.infusion = DoseBar()
        self.pump = self.infusion
        """The pump's state and rate are written on the infusion's bar."""
        head = QHBoxLayout()
        head.setSpacing(10)
        head.addWidget(self.title)
        head.addWidget(self.who, 1)
        head.addWidget(self.age)
        head.addWidget(self.links)
        numbers = QGridLayout()
        numbers.setHorizontalSpacing(10)
        numbers.setVerticalSpacing(0)
        numbers.addWidget(self.spo2, 0, 0)
        numbers.addWidget(self.rate, 0, 1)
        numbers.addWidget(self.resp, 0, 2)
        pressure = QHBoxLayout()  # "184/101" is as wide as it is; the BP check beside it
        pressure.setSpacing(10)
        pressure.addWidget(self.bp)
        pressure.addWidget(self.checks, 1, Qt.AlignmentFlag.AlignBottom)
        self.bp.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self.bp.value.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        numbers.addLayout(pressure, 1, 0, 1, 3)
        for column, share in enumerate((3, 3, 2)):  # SpO2 and HR reach 3 digits, RR 2
            numbers.setColumnStretch(column, share)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 4, 10, 4)
        layout.setSpacing(2)
        layout.addLayout(head)
        layout.addLayout(numbers, 1)
        layout.addWidget(self.alarm)
        layout.addWidget(self.infusion)
        self._sized = (0, 0)
        self._resize_type(NUMBER_PX, TEXT_PX)

    def _resize_type(self, number: int, text: int) -> None:
        if (number, text) == self._sized:
            return
        self._sized = (number, text)
        for shown in (self.spo2, self.rate, self.resp, self.bp):
            shown.set_size(number, text)
        self.title.setFont(theme.font(text + 2, bold=True))
        for words in (self.who, self.age, self.links, self.checks, self.infusion):
            words.setFont(theme.font(text))
        self.alarm.setFont(theme.font(text, bold=True))

    def resizeEvent(self, event: QResizeEvent) -> None:
        self._resize_type(*card_sizes(event.size().width(), event.size().height()))
        super().resizeEvent(event)

    def fonts(self) -> dict[str, int]:
        """Every text's font size on the card, by what it shows (for the size checks)."""
        found = {"room": self.title.font().pixelSize(), "who": self.who.font().pixelSize(),
                 "age": self.age.font().pixelSize(), "links": self.links.font().pixelSize(),
                 "checks": self.checks.font().pixelSize(),
                 "alarm": self.alarm.font().pixelSize(),
                 "infusion": self.infusion.font().pixelSize()}
        for name, shown in (("SpO2", self.spo2), ("HR", self.rate), ("RR", self.resp),
                            ("NIBP", self.bp)):
            found[f"{name} label"] = shown.title.font().pixelSize()
        return found

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.station:
            self.opened.emit(self.station)
        super().mousePressEvent(event)

    def show_card(self, card: RoomCard, now: float) -> None:
        status = card.status
        self.station = status.station
        if self.title.text() != status.station:
            self.setAccessibleName(f"Room {status.station}")
            set_text(self.title, status.station)
        phase = "console closed" if status.closed else status.phase
        if card.no_news is not None and phase:
            phase = f"last known: {phase}"  # what a silent room said is no live state
        who = " \u00b7 ".join(p for p in (status.initials, phase) if p)
        self.who.setText(who or "no session")
        set_text(self.age, f"{describe_age(card.silent_s)} ago" if card.silent_s >= 2 else "live")
        # a silent room's last numbers must never pass for live ones
        silent = card.silent_s if card.no_news is None else math.inf
        self.spo2.show_value(shown_number(status, SPO2.refid, silent))
        heart = shown_number(status, HEART_RATE.refid, silent)
        set_text(self.rate.title, "HR" if heart is not None else "PR")
        self.rate.show_value(heart if heart is not None
                             else shown_number(status, PULSE_RATE.refid, silent))
        sys_, dia = (shown_number(status, r, silent) for r in (NIBP_SYS.refid, NIBP_DIA.refid))
        self.bp.show_value(f"{sys_}/{dia}" if sys_ is not None and dia is not None else None,
                           live=not card.stale)
        resp = shown_number(status, RESP_RATE.refid, silent)
        etco2 = shown_number(status, ETCO2.refid, silent)
        set_text(self.resp.title, "RR" if resp is not None or etco2 is None else ETCO2.short)
        self.resp.show_value(resp if resp is not None else etco2)
        self._show_alarm(card, now)
        self._show_infusion(status, card)
        set_text(self.checks, "" if card.stale else status.bp_due)
        checks = f"color: {'#fb923c' if status.bp_overdue else theme.MUTED};"
        if self.checks.styleSheet() != checks:
            restyle(self.checks, checks)
        links = [(device, "unknown") for device, _ in sorted(status.links.items())] \
            if card.stale else sorted(status.links.items())
        if links != self._links:
            self._links = links
            self.links.setText(" ".join(
                f"<span style='color:{theme.LINK_COLOURS.get(state, theme.MUTED)}'>\u25cf</span>"
                for _, state in links))
            self.links.setToolTip("\n".join(f"{device}: {state}" for device, state in links))

    def _show_alarm(self, card: RoomCard, now: float) -> None:
        shown = card.alarms
        edge = theme.PANEL_EDGE
        if not shown:
            self.alarm.setText("Console closed: this room is not watched" if card.status.closed
                               else "No alarms")
            style = f"color: {theme.MUTED}; padding: 2px 8px;"
        else:
            top = shown[0].as_alarm()
            colour = top.signal.colour
            bright = flash_on(top, now)
            background = COLOURS[colour] if bright else DIMMED[colour]
            foreground = TEXT_ON[colour] if bright else "white"
            more = f"  (+{len(shown) - 1 + card.status.more_alarms})" if len(shown) > 1 else ""
            # the message may be cut short, whether it is acknowledged never is
            self.alarm.setText(alarm_message(top), kept=alarm_state(top) + more)
            style = (f"background: {background}; color: {foreground}; padding: 2px 8px; "
                     "border-radius: 4px;")
            edge = COLOURS[colour]
        if self.alarm.styleSheet() != style:
            restyle(self.alarm, style)
        frame = (f"#roomCard {{ background: {theme.PANEL}; border: 3px solid {edge}; "
                 "border-radius: 8px; }")
        if frame != self._style:
            self._style = frame
            restyle(self, frame)

    def _show_infusion(self, status: RoomStatus, card: RoomCard) -> None:
        """The dose delivered against the plan, and the pump's state and rate on the bar;
        a room with no news shows what it last said as such, never a live pump state."""
        pump = status.pump
        if pump is None:
            self._show_dose(0, "no pump")
            return
        delivered, planned = pump.delivered_mg, pump.planned_mg
        fraction = int(min(1.0, delivered / planned) * FULL) \
            if delivered is not None and planned else 0
        dose = f"{delivered:.1f} of {planned:g} mg" if delivered is not None and planned \
            else "no dose plan"
        if card.stale:
            gone = "console closed" if status.closed else \
                f"no news for {describe_age(card.silent_s)}"
            self._show_dose(fraction, f"{dose} \u00b7 pump not known",
                               f"Pump state not known: {gone}.")
            return
        rate = PUMP_RATE.with_unit(pump.rate_ml_h)
        self._show_dose(fraction, f"{dose} \u00b7 {pump.state or 'pump state unknown'}",
                           f"Pump {pump.state or 'state unknown'} \u00b7 {rate}")

    def _show_dose(self, value: int, text: str, detail: str = "") -> None:
        self.infusion.show_dose(value, text)
        if self.infusion.toolTip() != detail:
            self.infusion.setToolTip(detail)
