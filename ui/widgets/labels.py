"""Text labels in the console's type scale: size, weight, muted colour, alignment."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QLabel

from ui import theme

RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


def label(text: str, px: int, *, bold: bool = False, muted: bool = False,
          align: Qt.AlignmentFlag | None = None) -> QLabel:
    made = QLabel(text)
    made.setFont(theme.font(px, bold=bold))
    if muted:
        made.setObjectName("muted")
    if align is not None:
        made.setAlignment(align)
    return made


def set_text(shown: QLabel, text: str) -> None:
    """Change a label's text only when it differs (no needless relayout each frame)."""
    if shown.text() != text:
        shown.setText(text)


def note(text: str = "") -> QLabel:
    """A muted, wrapping line that explains (what a page is for, what was done)."""
    made = QLabel(text)
    made.setWordWrap(True)
    made.setObjectName("muted")
    return made


class WrappedText(QLabel):
    """A wrapping label that holds the height its lines need at its width.

    Form and grid layouts give a wrapping label the height of its first guess; at another
    width its last lines would be cut or run into the next row. This one asks for the
    height its text needs each time its width changes.
    """

    def __init__(self, text: str = "") -> None:
        super().__init__(text)
        self.setWordWrap(True)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._hold_height()

    def setText(self, text: str) -> None:
        super().setText(text)
        self._hold_height()

    def _hold_height(self) -> None:
        needed = self.heightForWidth(self.width()) if self.width() > 0 else -1
        if needed > 0 and self.minimumHeight() != needed:
            self.setMinimumHeight(needed)


class StatusLine(WrappedText):
    """A wrapping line that says how something went, taking no room while it is empty."""

    def __init__(self, text: str = "") -> None:
        super().__init__(text)
        self.setVisible(bool(text))

    def setText(self, text: str) -> None:
        super().setText(text)
        self.setVisible(bool(text))
