"""Slow work off the GUI thread: an answer for a screen closed meanwhile is dropped quietly."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
import shiboken6
from pytestqt.qtbot import QtBot

from ui.widgets.background import BackgroundCalls


@pytest.fixture
def thread_failures() -> Iterator[list[BaseException | None]]:
    """What any thread raised and left unhandled while the test ran."""
    failures: list[BaseException | None] = []
    before = threading.excepthook
    threading.excepthook = lambda args: failures.append(args.exc_value)
    yield failures
    threading.excepthook = before


def test_a_call_whose_screen_was_closed_meanwhile_ends_without_an_error(
        qtbot: QtBot, thread_failures: list[BaseException | None]) -> None:
    calls = BackgroundCalls()
    release = threading.Event()
    calls.run(lambda: release.wait(5) and "ports", tag="ports")
    shiboken6.delete(calls)  # the Devices page closed while its ports were being listed
    release.set()
    calls.wait_idle(5)
    assert not calls.busy
    assert thread_failures == []


def test_a_call_answers_its_screen_while_it_is_open(qtbot: QtBot) -> None:
    calls = BackgroundCalls()
    with qtbot.waitSignal(calls.done, timeout=5000) as answer:
        calls.run(lambda: "ports", tag="ports")
    assert answer.args == ["ports", "ports"]
