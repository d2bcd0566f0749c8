"""Plays the IEC 60601-1-8 alarm tone the alarm system asks for, at its repeat interval.

Sound goes through Qt Multimedia. When it cannot (no Qt Multimedia, no audio device),
``problem`` says so in one sentence for the alarm bar; the visual signals are never
affected by the sound.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QUrl

from ketaconsole.alarms import SIGNALS, AudioState, Priority
from ketaconsole.alarms.tones import TONE_FOLDER


class TonePlayer(QObject):
    """One sound effect per priority; ``update(audio, now)`` once a frame.

    With ``load_now=False`` the sounds (Qt Multimedia and its audio back end) are loaded
    by :meth:`load`: the console window does it right after its first paint, so that
    loading them never holds up the first sight of the monitor.
    """

    def __init__(self, folder: Path = TONE_FOLDER, parent: QObject | None = None, *,
                 load_now: bool = True) -> None:
        super().__init__(parent)
        self.problem: str | None = None
        self._folder = folder
        self._effects: dict[Priority, Any] = {}
        self._last_start: tuple[Priority, float] | None = None
        self.started = 0
        self.loaded = False
        if load_now:
            self.load()

    def load(self) -> None:
        """Load the sound of each priority (once), or say in ``problem`` why there is none."""
        if self.loaded:
            return
        self.loaded = True
        folder = self._folder
        try:
            from PySide6.QtMultimedia import QMediaDevices, QSoundEffect
        except ImportError as exc:
            self.problem = f"Qt Multimedia is unavailable ({exc})"
            return
        if not QMediaDevices.audioOutputs():
            self.problem = "no audio device"
        for priority, signal in SIGNALS.items():
            if signal.tone is None:
                continue
            effect = QSoundEffect(self)
            effect.setSource(QUrl.fromLocalFile(str(folder / signal.tone)))
            effect.setVolume(1.0)
            self._effects[priority] = effect

    def update(self, audio: AudioState, now: float) -> None:
        tone = audio.tone
        if tone is None:
            self._stop_all()
            self._last_start = None
            return
        repeat = SIGNALS[tone].repeat_s or 0.0
        if self._last_start is not None:
            playing, since = self._last_start
            if playing is tone and now - since < repeat:
                return
        self._stop_all()
        effect = self._effects.get(tone)
        if effect is not None:
            effect.play()
        self._last_start = (tone, now)
        self.started += 1

    def _stop_all(self) -> None:
        for effect in self._effects.values():
            if effect.isPlaying():
                effect.stop()
