"""Rendered text heights: how tall a widget's text really is on the screen, in pixels.

The full glyph height is measured on ink: the sample "lg" is drawn in the widget's own
font and the rows that hold any ink are counted, from the top of the ascender to the
bottom of the descender. A vital sign's digits are measured on the widget itself, as
the screen shows them: the rows of its grab that differ from its background.
"""

from __future__ import annotations

from functools import cache

import numpy as np
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QImage, QPainter
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QComboBox,
    QGraphicsTextItem,
    QGroupBox,
    QLabel,
    QLineEdit,
    QTabBar,
    QWidget,
)

FULL_GLYPH_SAMPLE = "lg"
"""An ascender and a descender: the full height a line of text takes."""
TEXT_WIDGETS = (QLabel, QAbstractButton, QLineEdit, QComboBox, QAbstractSpinBox, QTabBar,
                QAbstractItemView, QGroupBox)


def _ink_rows(image: QImage, background: QColor | None) -> int:
    """How many rows of ``image`` hold ink (alpha, or a colour other than ``background``)."""
    converted = image.convertToFormat(QImage.Format.Format_ARGB32)
    width, height = converted.width(), converted.height()
    pixels = np.frombuffer(converted.constBits(), np.uint8).reshape(
        height, converted.bytesPerLine())[:, : width * 4].reshape(height, width, 4)
    if background is None:
        inked = pixels[:, :, 3] > 24
    else:
        plain = np.array([background.blue(), background.green(), background.red()])
        inked = (np.abs(pixels[:, :, :3].astype(int) - plain).sum(axis=2)) > 60
    rows = np.flatnonzero(inked.any(axis=1))
    return 0 if rows.size == 0 else int(rows[-1] - rows[0] + 1)


@cache
def _full_glyph_height(family: str, pixel_size: int, bold: bool) -> int:
    font = QFont(family)
    font.setPixelSize(pixel_size)
    font.setBold(bold)
    metrics = QFontMetrics(font)
    image = QImage(metrics.horizontalAdvance(FULL_GLYPH_SAMPLE) + 8, metrics.height() + 8,
                   QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setFont(font)
    painter.setPen(QColor("white"))
    painter.drawText(QPoint(4, 4 + metrics.ascent()), FULL_GLYPH_SAMPLE)
    painter.end()
    return _ink_rows(image, None)


def full_glyph_height(font: QFont) -> int:
    """The rendered height of a line of text in ``font`` (ascender top to descender foot)."""
    size = font.pixelSize() if font.pixelSize() > 0 else round(font.pointSizeF() * 4 / 3)
    return _full_glyph_height(font.family(), size, font.bold())


def drawn_font(item: QGraphicsTextItem) -> QFont:
    """The font a plot's text item really draws in: its first run's format over the item's
    own font (an HTML size in the text wins over the item's font)."""
    document = item.document()
    fragment = document.begin().begin().fragment()
    own = fragment.charFormat().font() if fragment.isValid() else QFont()
    return own.resolve(item.font())


def digits_height(shown: QLabel) -> int:
    """The rendered height of the digits ``shown`` displays, read from its grab."""
    image = shown.grab().toImage()
    corner = image.pixelColor(0, 0)
    return _ink_rows(image, corner)


def text_fonts(root: QWidget) -> list[tuple[str, QFont]]:
    """(what, font) of every visible widget under ``root`` that shows text."""
    found: list[tuple[str, QFont]] = []
    for widget in [root, *root.findChildren(QWidget)]:
        if not isinstance(widget, TEXT_WIDGETS) or not widget.isVisible():
            continue
        if widget.width() <= 1 or widget.height() <= 1:
            continue
        text = _text_of(widget)
        if isinstance(widget, QLabel | QAbstractButton) and not text.strip():
            continue
        found.append((f"{type(widget).__name__} {text[:40]!r}", widget.font()))
    return found


def _text_of(widget: QWidget) -> str:
    if isinstance(widget, QGroupBox):
        return widget.title()
    if isinstance(widget, QTabBar):
        return widget.tabText(0) if widget.count() else ""
    text = getattr(widget, "text", None)
    value = text() if callable(text) else ""
    return value if isinstance(value, str) else ""
