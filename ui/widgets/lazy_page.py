"""A side-panel page built the first time it is shown, so start-up draws the monitor first."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QVBoxLayout, QWidget


class LazyPage(QWidget):
    """Holds the place of a page; ``build`` makes the real page on first show."""

    def __init__(self, build: Callable[[], QWidget]) -> None:
        super().__init__()
        self._build = build
        self.page: QWidget | None = None
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)

    def ensure_built(self) -> QWidget:
        if self.page is None:
            self.page = self._build()
            self._layout.addWidget(self.page)
        return self.page

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.ensure_built()
