"""Text that grows with the window: every label's size is its 1366x768 size times a scale.

The console is designed at 1366x768; on a bigger screen the monitor's text grows in
proportion (a number read across the room grows with the tile that holds it), never
below its design size.
"""

from __future__ import annotations

import math
from typing import Protocol, runtime_checkable

from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QComboBox,
    QGroupBox,
    QLabel,
    QLineEdit,
    QTabBar,
    QWidget,
)

from ui.widgets.elided_label import ElidedLabel

DESIGN_SIZE = (1366, 768)
TEXT_WIDGETS = (QLabel, QAbstractButton, ElidedLabel, QLineEdit, QComboBox, QAbstractSpinBox,
                QTabBar, QAbstractItemView, QGroupBox)
BASE_PX = "ketaconsoleBasePx"
"""Dynamic property holding a widget's pixel size at the design size."""
SCALED_PX = "ketaconsoleScaledPx"
"""Dynamic property holding the pixel size the widget is shown at now."""
WINDOW_SCALE = "ketaconsoleTextScale"
"""Dynamic property of the widget whose text grows with the window: the scale it is at."""


@runtime_checkable
class ScalesItsCharts(Protocol):
    """A widget whose plots draw their own text (ticks, axis titles): it sizes that text."""

    def scale_charts(self, scale: float) -> None: ...


def scaled_px(base: int, scale: float) -> int:
    """A design size at ``scale``, rounded up (a text is never smaller than its share)."""
    return max(base, math.ceil(base * scale - 0.01))


def scale_for(width: int, height: int) -> float:
    """How much bigger than the design size the window is (at least 1)."""
    return max(1.0, min(width / DESIGN_SIZE[0], height / DESIGN_SIZE[1]))


def scale_text(root: QWidget, scale: float) -> None:
    """Set every label's and button's font under ``root`` to its design size x ``scale``."""
    for widget in [root, *root.findChildren(QWidget)]:
        if isinstance(widget, ScalesItsCharts):
            widget.scale_charts(scale)
        if not isinstance(widget, TEXT_WIDGETS):
            continue
        base = widget.property(BASE_PX)
        if base is None:
            base = widget.font().pixelSize()
            if base <= 0 and widget.font().pointSizeF() > 0:
                base = round(widget.font().pointSizeF() * 4 / 3)
            if base <= 0:
                continue
            widget.setProperty(BASE_PX, base)
        wanted = scaled_px(int(base), scale)
        widget.setProperty(SCALED_PX, wanted)
        font = widget.font()
        if font.pixelSize() != wanted:
            font.setPixelSize(wanted)
            widget.setFont(font)


def take_window_scale(widget: QWidget) -> None:
    """Size ``widget``'s text, added after its window was sized, at the window's scale."""
    holder: QWidget | None = widget
    while holder is not None:
        scale = holder.property(WINDOW_SCALE)
        if scale is not None:
            scale_text(widget, float(scale))
            return
        holder = holder.parentWidget()


def restyle(widget: QWidget, css: str) -> None:
    """Set a widget's style sheet and keep its scaled text size (a new style sheet puts
    back the font the widget had when it was first styled)."""
    if widget.styleSheet() == css:
        return
    widget.setStyleSheet(css)
    for shown in [widget, *widget.findChildren(QWidget)]:
        wanted = shown.property(SCALED_PX)
        if wanted is not None and shown.font().pixelSize() != int(wanted):
            font = shown.font()
            font.setPixelSize(int(wanted))
            shown.setFont(font)
