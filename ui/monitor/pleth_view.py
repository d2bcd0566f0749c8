"""The live plethysmogram: the last seconds of the oximeter's wave, redrawn once per frame."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout

from ketaconsole.catalogue import PLETH
from ketaconsole.live.engine import Engine
from ui import theme
from ui.widgets.type_scale import restyle

WINDOW_S = 8.0


class PlethView(QFrame):
    """Draws the pleth wave from the engine's ring buffer; blanks when the wave stops."""

    def __init__(self, engine: Engine) -> None:
        super().__init__()
        self.setObjectName("panel")
        self.engine = engine
        self._drawn = -1
        title = QLabel("Pleth")
        title.setFont(theme.font(16, bold=True))
        restyle(title, f"color: {theme.metric_colour(PLETH.refid)};")
        self.status = QLabel("no pleth signal")
        self.status.setObjectName("muted")
        self.plot = pg.PlotWidget(background=theme.PANEL, enableMenu=False)  # never built
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        self.plot.hideAxis("left")
        self.plot.hideAxis("bottom")
        self.plot.setXRange(-WINDOW_S, 0, padding=0)
        self.curve = self.plot.plot(pen=pg.mkPen(theme.metric_colour(PLETH.refid), width=2),
                                    connect="finite", antialias=False)
        self.curve.setClipToView(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.addWidget(title)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.status)
        self.setAccessibleName("Plethysmogram")

    def refresh(self, now: float) -> None:
        stream = self.engine.wave(PLETH.refid)
        if stream is None:
            return
        silent = now - stream.last_received_at > (PLETH.fresh_for_s or 2.0)
        if silent:
            if self._drawn != -2:
                self.curve.setData([], [])
                self.status.setText("pleth signal lost")
                self._drawn = -2
            return
        if stream.buffer.written == self._drawn:
            return
        self._drawn = stream.buffer.written
        count = int(stream.sample_rate_hz * WINDOW_S)
        samples = stream.buffer.latest(count)
        x = (np.arange(samples.shape[0]) - samples.shape[0]) / stream.sample_rate_hz
        self.curve.setData(x, samples)
        if self.status.text():
            self.status.setText("")
