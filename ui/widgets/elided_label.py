"""A one-line label that never widens the window: long text ends in an ellipsis instead."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import QFrame, QSizePolicy


class ElidedLabel(QFrame):
    """Shows ``text``, or a shorter form of it, or as much as fits with "…" at the end; the
    full text is its tooltip."""

    def __init__(self, text: str = "") -> None:
        super().__init__()
        self._text = text
        self._shorter: tuple[str, ...] = ()
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

    def text(self) -> str:
        return self._text

    def setText(self, text: str, shorter: tuple[str, ...] = ()) -> None:
        """Show ``text``; where it does not fit, the first of ``shorter`` (shorter ways to
        say the same) that fits, and only then an ellipsis."""
        if text != self._text or shorter != self._shorter:
            self._text, self._shorter = text, shorter
            self.setToolTip(text)
            self.update()

    def shown_text(self) -> str:
        """What the label shows at its width now."""
        width = self.contentsRect().width()
        metrics = self.fontMetrics()
        for form in (self._text, *self._shorter):
            if metrics.horizontalAdvance(form) <= width:
                return form
        last = self._shorter[-1] if self._shorter else self._text
        return metrics.elidedText(last, Qt.TextElideMode.ElideRight, width)

    def sizeHint(self) -> QSize:
        metrics = self.fontMetrics()
        margins = self.contentsMargins()
        return QSize(metrics.horizontalAdvance(self._text) + margins.left() + margins.right(),
                     metrics.height() + margins.top() + margins.bottom())

    def minimumSizeHint(self) -> QSize:
        hint = self.sizeHint()
        return QSize(40, hint.height())

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        painter = QPainter(self)
        area = self.contentsRect()
        shown = self.shown_text()
        painter.setPen(self.palette().windowText().color())
        painter.drawText(area, int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft),
                         shown)
        painter.end()
