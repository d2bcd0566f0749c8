"""The alarm bar and tiles show alarms by colour, flash and marks; acknowledging is recorded."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from ketaconsole.alarms import AlarmEvent, AlarmEventKind, AlarmSystem, default_profile
from ketaconsole.catalogue import SPO2
from ketaconsole.live.engine import Engine
from ketaconsole.observations import Numeric
from tests.room_support import bare_room
from ui.monitor.alarm_bar import COLOURS, DIMMED, AlarmBar
from ui.monitor.monitor_screen import MonitorScreen

T0 = 1_800_000_000.0


def _desaturate(engine: Engine, alarms: AlarmSystem, seconds: int) -> None:
    for second in range(seconds + 1):
        now = T0 + second
        engine.ingest([Numeric("ox", SPO2.refid, 85.0, "%", now)])
        alarms.evaluate(now)


def _screen(qtbot: QtBot) -> tuple[MonitorScreen, Engine, AlarmSystem, list[AlarmEvent]]:
    """A monitor screen of a bare room; the room's alarm system takes the engine's values."""
    engine = Engine(clock=lambda: T0)
    room = bare_room(engine=engine)
    screen = MonitorScreen(room)
    qtbot.addWidget(screen)
    return screen, engine, room.alarms, room.alarms.events


def test_a_desaturation_shows_a_flashing_red_high_alarm_with_marks(qtbot: QtBot) -> None:
    screen, engine, alarms, _ = _screen(qtbot)
    _desaturate(engine, alarms, 20)
    now = T0 + 20
    screen.refresh(now)
    chip = screen.alarm_bar.chips[0]
    assert chip.text().startswith("***")
    assert "SpO" in chip.text()
    assert COLOURS["red"] in chip.styleSheet()
    assert screen.tiles[SPO2.refid].title.text().startswith("***")
    screen.refresh(now + 0.25)  # half a period at 2 Hz later: the dim phase
    assert DIMMED["red"] in chip.styleSheet()
    assert not screen.alarm_bar.none.isVisible()


def test_acknowledge_is_an_event_with_who_did_it(qtbot: QtBot) -> None:
    screen, engine, alarms, _ = _screen(qtbot)
    _desaturate(engine, alarms, 20)
    screen.alarm_bar.acknowledge_all()
    acknowledged = [e for e in alarms.events if e.kind is AlarmEventKind.ACKNOWLEDGED]
    assert acknowledged and acknowledged[0].by == "nurse (no log-in)"


def test_audio_pause_shows_its_countdown(qtbot: QtBot) -> None:
    screen, engine, alarms, _ = _screen(qtbot)
    _desaturate(engine, alarms, 20)
    alarms.pause_audio(by="nurse", now=T0 + 20)
    screen.refresh(T0 + 30)
    assert screen.alarm_bar.paused.text() == "Audio paused 1:50"


def test_without_an_alarm_system_the_bar_says_alarms_are_off(qtbot: QtBot) -> None:
    bar = AlarmBar(None, None, lambda: "nurse")
    qtbot.addWidget(bar)
    assert bar.none.text() == "ALARMS OFF: no alarm system running"


class _SilentPlayer:
    """A tone player on a machine with no audio output (what the real one reports here)."""

    problem = "no audio device"

    def update(self, audio: object, now: float) -> None:
        self.asked = audio


def test_a_tone_that_cannot_sound_is_a_technical_alarm_on_screen(qtbot: QtBot) -> None:
    alarms = AlarmSystem(default_profile())
    bar = AlarmBar(alarms, _SilentPlayer(), lambda: "nurse")  # type: ignore[arg-type]
    qtbot.addWidget(bar)
    bar.refresh(T0)
    alarms.evaluate(T0 + 1)
    bar.refresh(T0 + 1)
    shown = [c.text() for c in bar.chips if not c.isHidden()]
    assert any("TECH" in text for text in shown), shown
    assert bar.sound.text() == "NO ALARM SOUND: no audio device"


def test_the_real_tone_player_says_whether_it_can_sound(qtbot: QtBot) -> None:
    from PySide6.QtMultimedia import QMediaDevices

    from ui.monitor.tone_player import TonePlayer

    player = TonePlayer()
    if QMediaDevices.audioOutputs():
        assert player.problem is None
    else:
        assert player.problem == "no audio device"
