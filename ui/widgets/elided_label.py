"""A one-line label that never widens the window: long text ends in an ellipsis instead."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import QFrame, QSizePolicy


class ElidedLabel(QFrame):
    """Shows ``text``, or a shorter form of it, or as much as fits with "…" at the end; the
    full text is its tooltip.

    A ``kept`` ending (``setText(text, kept)``: an alarm's "acknowledged") is never cut:
    the text before it is shortened instead, down to nothing if it must.
    """

    def __init__(self, text: str = "") -> None:
        super().__init__()
        self._text = text
        self._kept = ""
        self._shorter: tuple[str, ...] = ()
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

    def text(self) -> str:
        return self._text + self._kept

    def kept(self) -> str:
        """The ending shown whole however narrow the label."""
        return self._kept

    def setText(self, text: str, kept: str = "", *, shorter: tuple[str, ...] = ()) -> None:
        """Show ``text`` then ``kept``; where ``text`` does not fit, the first of ``shorter``
        (shorter ways to say the same) that fits, and only then an ellipsis."""
        if (text, kept, shorter) != (self._text, self._kept, self._shorter):
            self._text, self._kept, self._shorter = text, kept, shorter
            self.setToolTip(text + kept)
            self.update()

    def shown_text(self) -> str:
        """What is drawn at the label's width now: the text (or a shorter form of it), cut
        short if it must be, then the kept ending."""
        metrics = self.fontMetrics()
        room = self.contentsRect().width() - metrics.horizontalAdvance(self._kept)
        if room <= 0:
            return self._kept
        for form in (self._text, *self._shorter):
            if metrics.horizontalAdvance(form) <= room:
                return form + self._kept
        last = self._shorter[-1] if self._shorter else self._text
        return metrics.elidedText(last, Qt.TextElideMode.ElideRight, room) + self._kept

    def sizeHint(self) -> QSize:
        metrics = self.fontMetrics()
        margins = self.contentsMargins()
        return QSize(metrics.horizontalAdvance(self.text()) + margins.left() + margins.right(),
                     metrics.height() + margins.top() + margins.bottom())

    def minimumSizeHint(self) -> QSize:
        hint = self.sizeHint()
        margins = self.contentsMargins()
        kept = self.fontMetrics().horizontalAdvance(self._kept) + margins.left() + \
            margins.right()
        return QSize(max(40, kept), hint.height())

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        painter = QPainter(self)
        area = self.contentsRect()
        shown = self.shown_text()
        painter.setPen(self.palette().windowText().color())
        painter.drawText(area, int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft),
                         shown)
        painter.end()
