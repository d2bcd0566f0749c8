"""A room card's infusion bar: the dose delivered against the plan, with the pump's words on it.

Drawn by itself and repainted with the card's next paint: a ``QProgressBar`` repaints at
once on every new value, and with 16 cards whose pumps all move each second that was
most of the overview's frame time.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from ui import theme

FULL = 1000
"""The bar's value when the whole planned dose is delivered."""
FILL = "#7c6cf0"


class DoseBar(QWidget):
    """The share of the planned dose delivered (0 to :data:`FULL`) and a line of words."""

    def __init__(self) -> None:
        super().__init__()
        self._value = 0
        self._text = ""
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self._fit()

    def value(self) -> int:
        return self._value

    def text(self) -> str:
        return self._text

    def show_dose(self, value: int, text: str) -> None:
        value = max(0, min(FULL, value))
        if (value, text) != (self._value, self._text):
            self._value, self._text = value, text
            self.update()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.FontChange:
            self._fit()
        super().changeEvent(event)

    def _fit(self) -> None:
        self.setFixedHeight(QFontMetrics(self.font()).height() + 4)

    def sizeHint(self) -> QSize:
        return QSize(QFontMetrics(self.font()).horizontalAdvance(self._text) + 12,
                     self.height())

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        whole = QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5)
        painter.setPen(QPen(QColor(theme.PANEL_EDGE), 1))
        painter.setBrush(QColor(theme.BACKGROUND))
        painter.drawRoundedRect(whole, 4, 4)
        if self._value > 0:
            filled = whole.adjusted(1, 1, -1, -1)
            filled.setWidth(filled.width() * self._value / FULL)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(FILL))
            painter.drawRoundedRect(filled, 3, 3)
        painter.setPen(QColor(theme.TEXT))
        painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self._text)
        painter.end()
