"""The start-up floor: a bare PySide6 + pyqtgraph window, shown and painted once.

``python -m benchmarks._bare_window`` makes a QApplication, a QMainWindow holding one
pyqtgraph ``PlotWidget``, shows it, processes events once and then prints the same
``first-paint <monotonic> <process CPU>`` line on stderr that the console prints
(``KETACONSOLE_REPORT_FIRST_PAINT``), so that ``ui.startup`` times both alike.
"""

from __future__ import annotations

import sys
import time

import pyqtgraph as pg
from PySide6.QtWidgets import QApplication, QMainWindow


def main() -> int:
    app = QApplication(sys.argv[:1])
    window = QMainWindow()
    window.setCentralWidget(pg.PlotWidget())
    window.resize(1366, 820)
    window.show()
    app.processEvents()
    print(f"first-paint {time.monotonic():.6f} {time.process_time():.3f}", file=sys.stderr,
          flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
