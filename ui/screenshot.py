"""What a screenshot shows: the window's size and, in the demo, which page is open.

``ketaconsole --demo --screenshot FILE --size 1920x1080 --page session`` captures the
Session page at that size. A page other than ``locked`` is shown to the demo's admin
(the demo's own user, in the demo's own database), so every page can be captured.
"""

from __future__ import annotations

from ketaconsole.bedside.security import DEMO_USERS
from ketaconsole.security import Role
from ui.main_window import MainWindow

PAGES = ("locked", "timeline", "session", "devices", "records", "audit")
"""Pages a screenshot can show: the lock panel, or a tab of the side panel."""


class CaptureError(ValueError):
    """A --size or --page the console cannot show; the message says what to use."""


def parse_size(text: str) -> tuple[int, int]:
    """``"1366x768"`` as (1366, 768)."""
    try:
        width, height = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise CaptureError(f"--size must be WIDTHxHEIGHT such as 1366x768, not {text!r}") \
            from None
    if width < 640 or height < 480:
        raise CaptureError("--size must be at least 640x480")
    return width, height


def check_page(page: str, *, demo: bool) -> str:
    name = page.lower()
    if name not in PAGES:
        raise CaptureError(f"--page must be one of {', '.join(PAGES)}, not {page!r}")
    if name != "locked" and not demo:
        raise CaptureError("--page needs --demo (a clinic console opens locked)")
    return name


def show_page(window: MainWindow, page: str) -> None:
    """Open ``page``: log the demo's admin in (unless ``locked``) and choose its tab."""
    security = window.security
    if page == "locked" or security is None:
        return
    username, pin = next((name, pin) for name, _, role, pin in DEMO_USERS
                         if role is Role.ADMIN)
    security.lock.unlock(username, pin)
    side = window.monitor.side
    for index in range(side.count()):
        if side.tabText(index).lower() == page:
            side.setCurrentIndex(index)
            return
