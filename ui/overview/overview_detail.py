"""A room's live detail from the overview: everything its status says, read-only.

Every published number with its age, every alarm, the pump against the plan, the
devices' links, the checks due and whether the room is recording. The only action is
asking the room to acknowledge its alarms, which the room records under the person
logged in at the overview.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget

from ketaconsole.catalogue import CATALOGUE
from ketaconsole.live.freshness import describe_age
from ketaconsole.overview.board import RoomCard
from ui import theme
from ui.widgets.labels import label, set_text

NOTHING = "\u2014"


class RoomDetail(QWidget):
    """One room's whole status, refreshed with the overview's frames."""

    def __init__(self, station: str, *, on_acknowledge: Callable[[str], None]) -> None:
        super().__init__()
        self.station = station
        self.setWindowTitle(f"{station} - live detail (read-only)")
        self.resize(640, 720)
        self.heading = label(station, 24, bold=True)
        self.body = QLabel("")
        self.body.setFont(theme.font(16))
        self.body.setWordWrap(True)
        self.body.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.acknowledge = QPushButton("Acknowledge this room's alarms")
        self.acknowledge.clicked.connect(lambda: on_acknowledge(self.station))
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(label("Read-only: what the room published; act at the bedside.", 13,
                               muted=True))
        layout.addWidget(self.body, 1)
        layout.addWidget(self.acknowledge)

    def show_card(self, card: RoomCard | None, now: float) -> None:
        if card is None:
            set_text(self.body, "This room has not published a status.")
            return
        set_text(self.body, describe_room(card))
        del now


def describe_room(card: RoomCard) -> str:
    """The detail's text: one line per fact."""
    status = card.status
    lines = [f"Patient: {status.initials or NOTHING}   Phase: {status.phase or 'no session'}"
             f"   Session: {status.session_id or NOTHING}",
             f"Last news: {describe_age(card.silent_s)} ago"
             + ("  (console closed)" if status.closed else "")]
    lines.append("")
    for refid, vital in status.vitals.items():
        metric = CATALOGUE[refid]
        value = metric.format(vital.value) if vital.value is not None else NOTHING
        lines.append(f"{metric.short}: {value} {metric.display_unit}   "
                     f"({describe_age(vital.age_s + card.silent_s)} old)")
    lines.append("")
    for alarm in card.alarms:
        state = "acknowledged" if alarm.acknowledged else "sounding" if alarm.audible \
            else "silent"
        lines.append(f"{alarm.marks} {alarm.priority.value}: {alarm.message}  ({state})")
    if card.status.more_alarms:
        lines.append(f"... and {card.status.more_alarms} more")
    if not card.alarms:
        lines.append("No active alarms")
    pump = status.pump
    if pump is not None:
        lines += ["", f"Pump: {pump.state or 'unknown'}, {pump.rate_ml_h or 0:g} mL/h, "
                      f"{pump.rate_mg_h or 0:g} mg/h; delivered {pump.delivered_mg or 0:g} of "
                      f"{pump.planned_mg or 0:g} mg planned"]
    lines += ["", "Devices: " + (", ".join(f"{d} {s}" for d, s in sorted(status.links.items()))
                                 or "none"),
              status.bp_due or "",
              f"Record: {status.record_problem or 'recording'}"]
    if status.audio_paused_s:
        lines.append(f"Audio paused at the bedside for {status.audio_paused_s:.0f} s")
    return "\n".join(lines)
