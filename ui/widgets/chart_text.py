"""Text inside the console's plots (ticks, axis titles, plot titles, legends), in the
console's type scale: at the design size ``CHART_PX``, growing with the window like
every label."""

from __future__ import annotations

import pyqtgraph as pg

from ui import theme
from ui.widgets.type_scale import scaled_px

CHART_PX = 13
"""A chart's text at the design size (1366x768)."""
AXES = ("left", "bottom")


def size_chart_text(plot: pg.PlotItem, scale: float) -> None:
    """Ticks, axis titles, the title and the legend of ``plot`` at the window's ``scale``."""
    px = scaled_px(CHART_PX, scale)
    font = theme.font(px)
    for name in AXES:
        axis = plot.getAxis(name)
        axis.setTickFont(font)
        axis.label.setFont(font)
        if axis.labelText:
            style = {key: value for key, value in axis.labelStyle.items()
                     if key not in ("size", "font-size")}
            axis.setLabel(axis.labelText, axis.labelUnits or None,
                          **style, **{"font-size": f"{px}px"})
    title = plot.titleLabel
    if title.isVisible() and title.text:
        plot.layout.setRowFixedHeight(0, round(px * 1.8))
        title.setMaximumHeight(round(px * 1.8))
        title.setText(title.text, size=f"{px}px")
    legend = plot.legend
    if legend is not None:
        legend.setLabelTextSize(f"{px}px")  # for entries added later
        for _, entry in legend.items:
            entry.setText(entry.text, size=f"{px}px")
    for item in plot.items:
        text = getattr(item, "label", None) if isinstance(item, pg.InfiniteLine) else None
        if isinstance(text, pg.TextItem):
            text.setFont(font)


def chart_tick_width(scale: float) -> int:
    """A left axis wide enough for three-digit ticks (no title) at ``scale``."""
    return round(scaled_px(CHART_PX, scale) * 3.2)
