"""Before Qt starts: is there a screen to draw on, and are Qt's X11 libraries installed?

Without this, a bare Linux machine gets Qt's cryptic "could not load the Qt platform
plugin xcb" abort; with it, the nurse or IT person gets the exact install line.
"""

from __future__ import annotations

import ctypes.util
import os
import sys

# Shared libraries Qt's xcb platform plugin needs that a bare Debian/Ubuntu lacks,
# and the Debian package that brings each.
XCB_LIBRARIES: dict[str, str] = {
    "xcb-cursor": "libxcb-cursor0",
    "xkbcommon-x11": "libxkbcommon-x11-0",
    "xcb-icccm": "libxcb-icccm4",
    "xcb-keysyms": "libxcb-keysyms1",
    "xcb-shape": "libxcb-shape0",
    "xcb-image": "libxcb-image0",
    "xcb-render-util": "libxcb-render-util0",
}

_HEADLESS_PLATFORMS = ("offscreen", "minimal", "vnc", "eglfs", "linuxfb")


def missing_xcb_packages() -> list[str]:
    """Debian packages whose libraries Qt's xcb plugin needs and cannot find."""
    return [package for library, package in XCB_LIBRARIES.items()
            if ctypes.util.find_library(library) is None]


def display_problem() -> str | None:
    """One sentence saying why a window cannot open here, or ``None`` when it can."""
    if not sys.platform.startswith("linux"):
        return None
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if platform.startswith(_HEADLESS_PLATFORMS):
        return None
    if platform.startswith("wayland") or (not platform and os.environ.get("WAYLAND_DISPLAY")
                                          and not os.environ.get("DISPLAY")):
        return None
    if not os.environ.get("DISPLAY"):
        return ("no display to open a window on; run it in a desktop session, or add "
                "--screenshot FILE with QT_QPA_PLATFORM=offscreen to draw without one")
    missing = missing_xcb_packages()
    if missing:
        return ("Qt needs system libraries to open a window; install them with: "
                f"sudo apt-get install -y {' '.join(missing)}")
    return None
