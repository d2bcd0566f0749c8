"""The device status strip: each device's link state in words and colour, never colour alone."""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel

from ketaconsole.live.engine import Engine
from ketaconsole.live.freshness import describe_age
from ketaconsole.observations import LinkStatus
from ui import theme
from ui.widgets.type_scale import restyle

JOINING = "\u25cf Devices: connecting"
"""What the strip says before the room's devices have joined (the first paint)."""

_WORDS = {
    LinkStatus.CONNECTING: "connecting",
    LinkStatus.CONNECTED: "connected",
    LinkStatus.NO_DATA: "no data",
    LinkStatus.DISCONNECTED: "disconnected",
}


class DeviceStatusStrip(QFrame):
    """One entry per device: '● Pulse oximeter: connected'."""

    def __init__(self, engine: Engine, devices: list[tuple[str, str]], *,
                 joining: bool = False) -> None:
        super().__init__()
        self.setObjectName("panel")
        self.engine = engine
        self._labels: dict[str, tuple[str, QLabel]] = {}
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(10, 4, 10, 4)
        if joining:
            self._note(JOINING)
            self._layout.addStretch(1)
        else:
            self.set_devices(devices)

    def set_devices(self, devices: list[tuple[str, str]]) -> None:
        """One entry per device, in place of what the strip said before."""
        while (item := self._layout.takeAt(0)) is not None:
            widget = item.widget()
            if widget is not None:
                widget.deleteLater()
        self._labels.clear()
        if not devices:
            self._note("No devices configured: open Devices to add one.")
        for device_id, label in devices:
            widget = QLabel(f"\u25cf {label}: starting")
            widget.setFont(theme.font(14))
            self._labels[device_id] = (label, widget)
            self._layout.addWidget(widget)
        self._layout.addStretch(1)

    def _note(self, text: str) -> None:
        note = QLabel(text)
        note.setObjectName("muted")
        self._layout.addWidget(note)

    def refresh(self, now: float) -> None:
        for device_id, (label, widget) in self._labels.items():
            state = self.engine.link(device_id)
            status = state.status if state else LinkStatus.CONNECTING
            words = _WORDS[status]
            last_data = self.engine.last_data_at(device_id)
            if status is LinkStatus.NO_DATA and last_data is not None:
                words = f"no data for {describe_age(now - last_data)}"
            elif status is LinkStatus.DISCONNECTED and state is not None:
                words = f"disconnected {describe_age(now - state.received_at)} ago"
            text = f"\u25cf {label}: {words}"
            if widget.text() != text:
                widget.setText(text)
                colour = theme.LINK_COLOURS[status.value]
                restyle(widget, f"color: {colour};")
