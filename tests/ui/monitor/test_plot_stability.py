"""The pinned PySide6 / pyqtgraph pair survives heavy ``setData`` on live curves.

PySide6 6.12.0 with pyqtgraph 0.14.0 crashes the interpreter inside
``PlotDataItem.setData`` on Python 3.11 ("Fatal Python error: none_dealloc"). The
work runs in a child process so that a crash fails this test instead of the run.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

STRESS = textwrap.dedent("""
    import numpy as np
    import pyqtgraph as pg
    from PySide6.QtWidgets import QApplication

    app = QApplication([])
    widget = pg.GraphicsLayoutWidget()
    curves = []
    for row in range(3):
        plot = widget.addPlot(row=row, col=0)
        curve = plot.plot(pen=pg.mkPen("c", width=1), connect="finite")
        curve.setClipToView(True)
        curve.setDownsampling(auto=True, method="peak")
        curves.append(curve)
    widget.show()
    rng = np.random.default_rng(1)
    for frame in range(1500):
        for curve in curves:
            y = rng.standard_normal(1000)
            y[rng.integers(0, 1000, 5)] = np.nan
            curve.setData(np.arange(1000) / 125.0, y)
        if frame % 10 == 0:
            app.processEvents()
    print("frames", frame + 1)
""")


def test_set_data_thousands_of_times_on_live_curves_does_not_crash() -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run([sys.executable, "-c", STRESS], capture_output=True, text=True,
                            timeout=240, env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "frames 1500" in result.stdout
