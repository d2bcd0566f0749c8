"""No widget attribute hides a Qt method of the same name.

Qt calls virtual methods such as ``event`` or ``metric`` on every widget; a Python
attribute of that name (``self.event = QComboBox()``) makes Qt call the attribute and
crashes the console. Every ``self.<name> = ...`` in the ui package is checked against the
methods of the Qt widget classes.
"""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtWidgets import (
    QFrame,
    QLabel,
    QMainWindow,
    QStackedWidget,
    QTabWidget,
    QWidget,
)

UI = Path(__file__).resolve().parents[2] / "ui"
ASSIGNED = re.compile(r"^\s+self\.([A-Za-z_]\w*)\s*(?::[^=]+)?=[^=]")
QT_NAMES = {name for cls in (QWidget, QFrame, QLabel, QMainWindow, QStackedWidget, QTabWidget)
            for name in dir(cls) if not name.startswith("_")}


def test_no_widget_attribute_shadows_a_qt_method() -> None:
    clashes = [f"{path.name}:{n}: self.{m.group(1)}"
               for path in sorted(UI.glob("*.py"))
               for n, line in enumerate(path.read_text().splitlines(), start=1)
               if (m := ASSIGNED.match(line)) and m.group(1) in QT_NAMES]
    assert clashes == []
