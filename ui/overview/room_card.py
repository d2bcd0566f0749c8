"""A room's card on the clinic overview: who, the big numbers, the alarm, the infusion.

Numbers show only while live (their age at publishing plus the room's silence within
the catalogue's window, and never once the room counts as silent); otherwise dashes.
The most urgent alarm fills the alarm line in its IEC colour, flash and marks; a room
that fell silent shows the overview's own technical alarm there ("Room 3: no news for
7 s"). Clicking the card opens the room's live detail.
"""

from __future__ import annotations

import math

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QMouseEvent, QResizeEvent
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QProgressBar,
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
from ui.monitor.alarm_bar import COLOURS, DIMMED, TEXT_ON, alarm_text, flash_on
from ui.widgets.elided_label import ElidedLabel
from ui.widgets.labels import label, set_text
from ui.widgets.type_scale import restyle

NUMBER_PX = 40
"""The big numbers' size on a card of 16 at 1920x1080; bigger cards have bigger numbers."""
NUMBER_PX_MOST = 96


def shown_number(status: RoomStatus, refid: str, silent_s: float) -> str | None:
    """The value as the catalogue formats it while live, else ``None``."""
    found = status.vitals.get(refid)
    if found is None or found.value is None:
        return None
    if not CATALOGUE[refid].fresh_at(found.age_s + silent_s):
        return None
    return CATALOGUE[refid].format(found.value)


class _Number(QWidget):
    """A label and a big number in the metric's colour."""

    def __init__(self, title: str, colour: str) -> None:
        super().__init__()
        self.colour = colour
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.title = label(title, 13, bold=True)
        restyle(self.title, f"color: {colour};")
        self.value = label("--", NUMBER_PX, bold=True)
        layout.addStretch(1)
        layout.addWidget(self.title)
        layout.addWidget(self.value)
        layout.addStretch(1)

    def set_size(self, px: int) -> None:
        if self.value.font().pixelSize() != px:
            self.value.setFont(theme.font(px, bold=True))

    def show_value(self, text: str | None) -> None:
        set_text(self.value, text if text is not None else "--")
        style = f"color: {self.colour if text is not None else theme.STALE};"
        if self.value.styleSheet() != style:
            restyle(self.value, style)


class RoomCardView(QFrame):
    """One room's card; ``show_card`` once a frame."""

    opened = Signal(str)
    """The station whose card was clicked."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("roomCard")
        self.station = ""
        self._style = ""
        self._links: list[tuple[str, str]] = []
        self._progress: tuple[int, str] = (-1, "")
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.title = label("", 20, bold=True)
        self.who = label("", 16)
        self.age = label("", 13, muted=True, align=Qt.AlignmentFlag.AlignRight)
        self.spo2 = _Number(SPO2.short, theme.metric_colour(SPO2.refid))
        self.rate = _Number("HR", theme.metric_colour(HEART_RATE.refid))
        self.bp = _Number("NIBP", theme.metric_colour(NIBP_SYS.refid))
        self.resp = _Number("RR", theme.metric_colour(RESP_RATE.refid))
        self.alarm = ElidedLabel("")
        self.alarm.setFont(theme.font(15, bold=True))
        self.infusion = QProgressBar()
        self.infusion.setRange(0, 1000)
        self.infusion.setTextVisible(True)
        self.infusion.setFormat("")
        self.pump = label("", 13, muted=True)
        self.checks = label("", 13, muted=True)
        self.links = label("", 13)
        head = QHBoxLayout()
        head.setSpacing(12)
        head.addWidget(self.title)
        head.addWidget(self.who, 1)
        head.addWidget(self.age)
        numbers = QHBoxLayout()
        for number, share in ((self.spo2, 2), (self.rate, 2), (self.bp, 3), (self.resp, 2)):
            numbers.addWidget(number, share)
        foot = QHBoxLayout()
        foot.addWidget(self.checks, 1)
        foot.addWidget(self.links)
        layout = QGridLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.setVerticalSpacing(3)
        layout.addLayout(head, 0, 0)
        layout.addLayout(numbers, 1, 0)
        layout.addWidget(self.alarm, 2, 0)
        layout.addWidget(self.infusion, 3, 0)
        layout.addWidget(self.pump, 4, 0)
        layout.addLayout(foot, 5, 0)
        layout.setRowStretch(1, 1)

    def resizeEvent(self, event: QResizeEvent) -> None:
        px = max(NUMBER_PX, min(NUMBER_PX_MOST, int(event.size().height() * 0.2),
                                int(event.size().width() * 0.07)))
        for number in (self.spo2, self.rate, self.resp):
            number.set_size(px)
        self.bp.set_size(max(NUMBER_PX * 3 // 4, px * 3 // 4))  # "125/77" is twice as wide
        super().resizeEvent(event)

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
        who = " \u00b7 ".join(p for p in (status.initials, phase) if p)
        set_text(self.who, who or "no session")
        set_text(self.age, f"{describe_age(card.silent_s)} ago" if card.silent_s >= 2 else "live")
        # a silent room's last numbers must never pass for live ones
        silent = card.silent_s if card.no_news is None else math.inf
        self.spo2.show_value(shown_number(status, SPO2.refid, silent))
        heart = shown_number(status, HEART_RATE.refid, silent)
        set_text(self.rate.title, "HR" if heart is not None else "PR")
        self.rate.show_value(heart if heart is not None
                             else shown_number(status, PULSE_RATE.refid, silent))
        sys_, dia = (shown_number(status, r, silent) for r in (NIBP_SYS.refid, NIBP_DIA.refid))
        self.bp.show_value(f"{sys_}/{dia}" if sys_ is not None and dia is not None else None)
        resp = shown_number(status, RESP_RATE.refid, silent)
        etco2 = shown_number(status, ETCO2.refid, silent)
        set_text(self.resp.title, "RR" if resp is not None or etco2 is None else ETCO2.short)
        self.resp.show_value(resp if resp is not None else etco2)
        self._show_alarm(card, now)
        self._show_infusion(status)
        set_text(self.checks, status.bp_due)
        checks = f"color: {'#fb923c' if status.bp_overdue else theme.MUTED};"
        if self.checks.styleSheet() != checks:
            restyle(self.checks, checks)
        links = sorted(status.links.items())
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
            ack = "  ack'd" if top.acknowledged else ""
            self.alarm.setText(alarm_text(top) + ack + more)
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

    def _show_infusion(self, status: RoomStatus) -> None:
        pump = status.pump
        if pump is None:
            self._set_progress(0, "no pump")
            set_text(self.pump, "")
            return
        delivered = pump.delivered_mg
        planned = pump.planned_mg
        if delivered is not None and planned:
            self._set_progress(int(min(1.0, delivered / planned) * 1000),
                               f"{delivered:.1f} of {planned:g} mg")
        else:
            self._set_progress(0, "no dose plan")
        rate = PUMP_RATE.with_unit(pump.rate_ml_h)
        mg_h = f" \u00b7 {pump.rate_mg_h:g} mg/h" if pump.rate_mg_h is not None else ""
        set_text(self.pump, f"Pump {pump.state or 'unknown'} \u00b7 {rate}{mg_h}")

    def _set_progress(self, value: int, text: str) -> None:
        if (value, text) != self._progress:
            self._progress = (value, text)
            self.infusion.setValue(value)
            self.infusion.setFormat(text)
