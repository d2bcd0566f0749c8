"""A window on the screen it opens on: the last place it had where that fits, else maximised.

A bedside console fills its screen (1280x800 to 2560x1440, at any scaling): it opens
maximised unless the nurse last left it smaller, and then where she left it, provided
that place is wholly on a screen that is there now (a console moved to a smaller
screen, or a screen unplugged, opens maximised again). The place is kept per window in
the settings folder (``KETACONSOLE_HOME``), written when the window closes.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from PySide6.QtCore import QRect
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

from ketaconsole.settings import home_dir

log = logging.getLogger(__name__)


def _kept(name: str) -> Path:
    return home_dir() / "windows" / f"{name}.json"


def _fits(area: QRect) -> bool:
    return any(screen.availableGeometry().contains(area)
               for screen in QGuiApplication.screens())


def _last_place(name: str) -> QRect | None:
    """Where the window was last left, unless maximised (or nothing readable is kept)."""
    try:
        kept = json.loads(_kept(name).read_text(encoding="utf-8"))
        if kept.get("maximised", True):
            return None
        return QRect(int(kept["x"]), int(kept["y"]), int(kept["width"]), int(kept["height"]))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def show_fitted(window: QWidget, name: str) -> None:
    """Show ``window`` where it was last left if that is wholly on a screen, else maximised
    on the screen it opens on."""
    place = _last_place(name)
    if place is not None and _fits(place):
        window.setGeometry(place)
        window.show()
        return
    screen = window.screen() or QGuiApplication.primaryScreen()
    if screen is not None:  # a window manager maximises; without one, this is the size
        window.setGeometry(screen.availableGeometry())
    window.showMaximized()


def keep_place(window: QWidget, name: str) -> None:
    """Remember where ``window`` is (or that it is maximised) for its next opening."""
    place = window.geometry()
    maximised = window.isMaximized() or not _fits(place) or any(
        screen.availableGeometry().size() == place.size()
        for screen in QGuiApplication.screens())
    path = _kept(name)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"maximised": maximised, "x": place.x(), "y": place.y(),
                                    "width": place.width(), "height": place.height()}),
                        encoding="utf-8")
    except OSError as exc:  # a full or read-only disk: the window opens maximised next time
        log.warning("could not keep the window's place: %s", exc)
