"""Text that grows with the window: every label's size is its 1366x768 size times a scale.

The console is designed at 1366x768; on a bigger screen the monitor's text grows in
proportion (a number read across the room grows with the tile that holds it), never
below its design size.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QComboBox,
    QLabel,
    QLineEdit,
    QTabBar,
    QWidget,
)

from ui.widgets.elided_label import ElidedLabel

DESIGN_SIZE = (1366, 768)
TEXT_WIDGETS = (QLabel, QAbstractButton, ElidedLabel, QLineEdit, QComboBox, QAbstractSpinBox,
                QTabBar, QAbstractItemView)
BASE_PX = "ketaconsoleBasePx"
"""Dynamic property holding a widget's pixel size at the design size."""
SCALED_PX = "ketaconsoleScaledPx"
"""Dynamic property holding the pixel size the widget is shown at now."""


def scale_for(width: int, height: int) -> float:
    """How much bigger than the design size the window is (at least 1)."""
    return max(1.0, min(width / DESIGN_SIZE[0], height / DESIGN_SIZE[1]))


def scale_text(root: QWidget, scale: float) -> None:
    """Set every label's and button's font under ``root`` to its design size x ``scale``."""
    for widget in [root, *root.findChildren(QWidget)]:
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
        wanted = round(int(base) * scale)
        widget.setProperty(SCALED_PX, wanted)
        font = widget.font()
        if font.pixelSize() != wanted:
            font.setPixelSize(wanted)
            widget.setFont(font)


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
