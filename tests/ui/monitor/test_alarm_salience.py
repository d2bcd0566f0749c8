"""Colour encodes priority only, a high alarm outshines everything in both flash phases,
and an alarm's whole message is readable in the bar."""

from __future__ import annotations

from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QLabel, QWidget
from pytestqt.qtbot import QtBot

from ketaconsole.alarms import AlarmSystem
from ketaconsole.catalogue import SPO2
from ketaconsole.live.engine import Engine
from ketaconsole.observations import Numeric
from tests.room_support import bare_room
from ui import theme
from ui.monitor.alarm_bar import COLOURS
from ui.monitor.monitor_screen import MonitorScreen

T0 = 1_800_000_000.0
LONG_FAULT = ("the pump reports end of infusion and has stopped; check the syringe and "
              "the line before you restart it")


def _screen(qtbot: QtBot) -> tuple[MonitorScreen, Engine, AlarmSystem]:
    engine = Engine(clock=lambda: T0)
    room = bare_room(engine=engine)
    assert room.alarms is not None
    screen = MonitorScreen(room)
    qtbot.addWidget(screen)
    screen.resize(1366, 768)
    screen.show()
    qtbot.waitExposed(screen)
    return screen, engine, room.alarms


def _desaturate_with_a_technical_alarm(engine: Engine, alarms: AlarmSystem) -> float:
    alarms.report_audio_fault(LONG_FAULT, T0)
    for second in range(21):
        engine.ingest([Numeric("ox", SPO2.refid, 85.0, "%", T0 + second)])
        alarms.evaluate(T0 + second)
    return T0 + 20


def coloured_ink(widget: QWidget) -> float:
    """How much colour a widget puts on the screen: the sum of its pixels' chroma."""
    image: QImage = widget.grab().toImage()
    ink = 0.0
    for y in range(0, image.height(), 2):
        for x in range(0, image.width(), 2):
            colour = QColor(image.pixel(x, y))
            red, green, blue = colour.red(), colour.green(), colour.blue()
            ink += max(red, green, blue) - min(red, green, blue)
    return ink


def _chip(screen: MonitorScreen, marks: str) -> QLabel:
    return next(c for c in screen.alarm_bar.chips if c.isVisible() and
                c.text().startswith(marks + " "))


def test_a_high_alarm_outshines_a_medium_technical_alarm_in_both_flash_phases(
        qtbot: QtBot) -> None:
    screen, engine, alarms = _screen(qtbot)
    now = _desaturate_with_a_technical_alarm(engine, alarms)
    inks = []
    for phase in (0.0, 0.25, 0.5, 0.75, 0.85, 1.1):  # 2 Hz and 0.6 Hz: both halves of each
        screen.refresh(now + phase)
        qtbot.wait(10)
        high, medium = _chip(screen, "***"), _chip(screen, "**")
        inks.append((coloured_ink(high), coloured_ink(medium)))
        tile = screen.tiles[SPO2.refid]
        assert "background" in tile.styleSheet(), "a high alarm fills its tile"
    assert all(high > 1.5 * medium for high, medium in inks), inks


def test_an_alarm_message_is_shown_whole_in_the_bar(qtbot: QtBot) -> None:
    screen, engine, alarms = _screen(qtbot)
    now = _desaturate_with_a_technical_alarm(engine, alarms)
    screen.refresh(now)
    qtbot.wait(50)
    chip = _chip(screen, "**")
    assert LONG_FAULT in chip.text()
    assert chip.wordWrap()
    assert chip.heightForWidth(chip.width()) <= chip.height() + 1, "the text is cut"


def _distance(one: str, other: str) -> float:
    a, b = QColor(one), QColor(other)
    return sum((x - y) ** 2 for x, y in zip(a.getRgb()[:3], b.getRgb()[:3], strict=True)) ** 0.5


def test_values_at_rest_are_never_in_an_alarm_colour() -> None:
    for refid, colour in theme.METRIC_COLOURS.items():
        for alarm_colour in COLOURS.values():
            assert _distance(colour, alarm_colour) > 90, (refid, colour, alarm_colour)


def test_a_trend_tells_every_series_apart() -> None:
    colours = list(theme.METRIC_COLOURS.items())
    pairs = [(a, b) for i, a in enumerate(colours) for b in colours[i + 1:]
             if a[0] not in {"MDC_PULS_OXIM_PLETH"} and b[0] not in {"MDC_PULS_OXIM_PLETH"}]
    assert all(_distance(a[1], b[1]) > 40 for a, b in pairs), [
        (a, b) for a, b in pairs if _distance(a[1], b[1]) <= 40]
