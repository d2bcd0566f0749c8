"""The clinic board: every room's newest status, which rooms fell silent, what sounds at the desk.

Qt-free and driven by the time the caller passes in. A room whose status has not moved
for :data:`NO_NEWS_AFTER_S` becomes the overview's own technical alarm ("Room 3: no
news for 7 s"), as IEC 60601-1-8 asks of a distributed alarm system; silence is timed
by the overview's own clock from the last new status it received, so a room's clock
cannot hide it. A room closed on purpose says so in its last status and raises nothing.

Sound at the desk follows the bedside's rules: a room's high-priority alarm sounds here
while it sounds in its room (not acknowledged, not paused there); the overview's own
alarms sound until acknowledged here; the audio pause silences what sounds for two
minutes, and a new alarm of higher priority than any it covered sounds through it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from ketaconsole.alarms import SIGNALS, AudioPause, AudioState, Priority
from ketaconsole.overview.status import AlarmNow, RoomStatus

NO_NEWS_AFTER_S = 5.0
NO_NEWS_PRIORITY = Priority.MEDIUM
AUDIO_PAUSE_S = 120.0
SOUNDS_AT_THE_DESK = Priority.HIGH
"""The least urgent room alarm that sounds at the overview (lower ones are shown only)."""


def no_news_id(station: str) -> str:
    return f"no-news:{station}"


@dataclass(frozen=True, slots=True)
class RoomCard:
    """One room as the overview shows it now."""

    status: RoomStatus
    silent_s: float
    """Seconds since the overview last received news from the room."""
    no_news: AlarmNow | None
    """The overview's own technical alarm for this room, while it is silent."""

    @property
    def station(self) -> str:
        return self.status.station

    @property
    def stale(self) -> bool:
        """Whether what the room last said is no longer news: it fell silent or its console
        closed. Its pump state, phase, checks and links are then history, never live."""
        return self.no_news is not None or self.status.closed

    @property
    def alarms(self) -> tuple[AlarmNow, ...]:
        """Every alarm to show on the card, the most urgent first (none once it closed)."""
        if self.status.closed:
            return ()
        shown = (self.no_news, *self.status.alarms) if self.no_news else self.status.alarms
        return tuple(sorted(shown, key=lambda a: (-a.priority.rank, -a.started_at)))


@dataclass(slots=True)
class _Known:
    status: RoomStatus
    news_at: float
    acknowledged_silence: float | None = None
    """When the current silence was acknowledged at the overview (its start time)."""


class ClinicBoard:
    """The rooms the overview knows, fed by the status feed (any thread), read by the screen."""

    def __init__(self, *, no_news_after_s: float = NO_NEWS_AFTER_S) -> None:
        self.no_news_after_s = no_news_after_s
        self._lock = threading.Lock()
        self._rooms: dict[str, _Known] = {}
        self._pause: AudioPause | None = None

    def receive(self, status: RoomStatus, received_at: float) -> None:
        """A status arrived; only a newer one than the last counts as news."""
        with self._lock:
            known = self._rooms.get(status.station)
            if known is None:
                # first sight: the room's last word may be old (a room killed before we
                # started); a status is never counted as newer than it says it is
                self._rooms[status.station] = _Known(status, min(received_at,
                                                                 status.published_at))
            elif status.seq != known.status.seq or status.published_at > \
                    known.status.published_at:
                known.status = status
                known.news_at = received_at
                known.acknowledged_silence = None

    def stations(self) -> list[str]:
        with self._lock:
            return sorted(self._rooms)

    def cards(self, now: float) -> list[RoomCard]:
        """Every room, by station name."""
        with self._lock:
            return [self._card(known, now) for _, known in sorted(self._rooms.items())]

    def card(self, station: str, now: float) -> RoomCard | None:
        with self._lock:
            known = self._rooms.get(station)
            return None if known is None else self._card(known, now)

    def _card(self, known: _Known, now: float) -> RoomCard:
        silent = max(0.0, now - known.news_at)
        alarm = None
        if silent > self.no_news_after_s and not known.status.closed:
            started = known.news_at + self.no_news_after_s
            alarm = AlarmNow(no_news_id(known.status.station), NO_NEWS_PRIORITY, True,
                             f"{known.status.station}: no news for {int(silent)} s", started,
                             known.acknowledged_silence == known.news_at,
                             known.acknowledged_silence != known.news_at)
        return RoomCard(known.status, silent, alarm)

    # -- the desk's sound -------------------------------------------------------------------

    def acknowledge_silence(self, station: str) -> bool:
        """Silence a room's no-news alarm (it stays shown until news comes); whether one was."""
        with self._lock:
            known = self._rooms.get(station)
            if known is None:
                return False
            known.acknowledged_silence = known.news_at
            return True

    def _sounding(self, now: float) -> list[AlarmNow]:
        found: list[AlarmNow] = []
        for card in self.cards(now):
            if card.no_news is not None:
                if card.no_news.audible:
                    found.append(card.no_news)
                continue  # a silent room's old alarms are not news
            found.extend(a for a in card.alarms
                         if a.audible and a.priority.rank >= SOUNDS_AT_THE_DESK.rank)
        return found

    def pause_audio(self, now: float, *, by: str | None = None) -> AudioPause:
        """Pause the desk's sound for two minutes."""
        sounding = self._sounding(now)
        covers = max((a.priority for a in sounding), key=lambda p: p.rank, default=None)
        with self._lock:
            self._pause = AudioPause(now, now + AUDIO_PAUSE_S, covers, by)
            return self._pause

    def audio(self, now: float) -> AudioState:
        """The tone the desk should sound now, and the pause's countdown."""
        sounding = self._sounding(now)
        with self._lock:
            pause = self._pause if self._pause is not None and now < self._pause.until \
                else None
        if pause is not None:
            covered = pause.covers.rank if pause.covers is not None else -1
            sounding = [a for a in sounding
                        if a.started_at >= pause.started_at and a.priority.rank > covered]
        tone = max((a.priority for a in sounding), key=lambda p: p.rank, default=None)
        return AudioState(tone, SIGNALS[tone].tone if tone else None,
                          pause.until if pause else None,
                          pause.remaining_s(now) if pause else None)
