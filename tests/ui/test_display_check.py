"""Without a screen or Qt's X11 libraries, the console says what to do instead of aborting."""

from __future__ import annotations

import pytest

from ui import display_check


def test_no_display_is_explained(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(display_check.sys, "platform", "linux")
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    problem = display_check.display_problem()
    assert problem is not None and "no display" in problem


def test_missing_xcb_libraries_give_the_exact_install_line(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(display_check.sys, "platform", "linux")
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    absent = {"xcb-cursor", "xcb-icccm"}
    monkeypatch.setattr(display_check.ctypes.util, "find_library",
                        lambda name: None if name in absent else f"lib{name}.so")
    problem = display_check.display_problem()
    assert problem == ("Qt needs system libraries to open a window; install them with: "
                       "sudo apt-get install -y libxcb-cursor0 libxcb-icccm4")


def test_offscreen_needs_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    monkeypatch.delenv("DISPLAY", raising=False)
    assert display_check.display_problem() is None
