"""The labels the Devices screen's pages share: headings and message lines."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel

from ui import theme
from ui.widgets.type_scale import restyle


def heading(text: str) -> QLabel:
    label = QLabel(text)
    label.setFont(theme.font(16, bold=True))
    return label


def message_line() -> QLabel:
    """An empty line for what a page has to say (a problem, what was saved)."""
    label = QLabel("")
    label.setWordWrap(True)
    restyle(label, f"color: {theme.ALARM_MEDIUM};")
    return label
