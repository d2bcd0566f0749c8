"""The overview's board: silent rooms become technical alarms; the desk sounds by bedside rules."""

from __future__ import annotations

from ketaconsole.alarms import Priority
from ketaconsole.overview.board import AUDIO_PAUSE_S, ClinicBoard, no_news_id
from ketaconsole.overview.status import AlarmNow, RoomStatus

T0 = 1_790_000_000.0


def _status(station: str, seq: int, at: float, *alarms: AlarmNow,
            closed: bool = False) -> RoomStatus:
    return RoomStatus(station, f"room {station}", seq, at, alarms=alarms, closed=closed)


def _high(at: float, *, acknowledged: bool = False, audible: bool = True) -> AlarmNow:
    return AlarmNow("spo2-low", Priority.HIGH, False, "SpO2 84 % below 85 %", at,
                    acknowledged, audible)


def test_a_room_silent_for_more_than_5_s_is_a_technical_alarm_naming_it() -> None:
    board = ClinicBoard()
    for second in range(4):
        board.receive(_status("Room 3", second + 1, T0 + second), T0 + second)
    (card,) = board.cards(T0 + 8.0)
    assert card.no_news is None
    (card,) = board.cards(T0 + 10.0)
    assert card.no_news is not None and card.no_news.technical
    assert card.no_news.message == "Room 3: no news for 7 s"
    assert card.no_news.priority is Priority.MEDIUM and card.alarms[0] is card.no_news
    board.receive(_status("Room 3", 5, T0 + 10.5), T0 + 10.5)
    assert board.cards(T0 + 10.6)[0].no_news is None


def test_silence_is_timed_by_the_overviews_clock_not_the_rooms() -> None:
    board = ClinicBoard()
    board.receive(_status("Room 1", 1, T0 + 3600.0), T0)  # the room's clock runs an hour ahead
    board.receive(_status("Room 1", 1, T0 + 3600.0), T0 + 4.0)  # the same status again
    assert board.cards(T0 + 5.5)[0].no_news is not None


def test_a_room_already_silent_when_the_overview_starts_is_alarmed_at_once() -> None:
    board = ClinicBoard()
    board.receive(_status("Room 2", 40, T0 - 60.0), T0)
    card = board.cards(T0 + 0.1)[0]
    assert card.no_news is not None and card.no_news.message == "Room 2: no news for 60 s"


def test_a_console_closed_on_purpose_raises_nothing() -> None:
    board = ClinicBoard()
    board.receive(_status("Room 4", 9, T0, _high(T0 - 5), closed=True), T0)
    assert board.cards(T0 + 60.0)[0].no_news is None
    assert board.cards(T0 + 60.0)[0].alarms == ()
    assert board.audio(T0 + 60.0).tone is None


def test_a_rooms_high_alarm_sounds_at_the_desk_while_it_sounds_in_its_room() -> None:
    board = ClinicBoard()
    board.receive(_status("Room 1", 1, T0, _high(T0)), T0)
    assert board.audio(T0).tone is Priority.HIGH
    board.receive(_status("Room 1", 2, T0 + 1, _high(T0, acknowledged=True, audible=False)),
                  T0 + 1)
    assert board.audio(T0 + 1).tone is None
    medium = AlarmNow("rr-low", Priority.MEDIUM, False, "RR 7 below 8", T0, False, True)
    board.receive(_status("Room 1", 3, T0 + 2, medium), T0 + 2)
    assert board.audio(T0 + 2).tone is None  # medium and low are shown, not sounded, here


def test_audio_pause_silences_for_two_minutes_but_a_higher_new_alarm_sounds_through() -> None:
    board = ClinicBoard()
    board.receive(_status("Room 1", 1, T0), T0)
    board.receive(_status("Room 2", 1, T0), T0)
    board.receive(_status("Room 2", 2, T0 + 7), T0 + 7)
    assert board.audio(T0 + 7).tone is Priority.MEDIUM  # Room 1: no news
    pause = board.pause_audio(T0 + 7, by="nia")
    assert pause.covers is Priority.MEDIUM and board.audio(T0 + 8).tone is None
    assert board.audio(T0 + 8).paused_remaining_s == AUDIO_PAUSE_S - 1
    board.receive(_status("Room 2", 3, T0 + 9, _high(T0 + 9)), T0 + 9)
    assert board.audio(T0 + 9).tone is Priority.HIGH
    board.receive(_status("Room 2", 4, T0 + 10), T0 + 10)
    assert board.audio(T0 + 10).tone is None
    assert board.audio(T0 + 7 + AUDIO_PAUSE_S).tone is Priority.MEDIUM


def test_acknowledging_a_silent_room_at_the_desk_stops_its_sound_until_it_falls_silent_again(
        ) -> None:
    board = ClinicBoard()
    board.receive(_status("Room 5", 1, T0), T0)
    assert board.acknowledge_silence("Room 5")
    card = board.cards(T0 + 6)[0]
    assert card.no_news is not None and card.no_news.acknowledged
    assert board.audio(T0 + 6).tone is None
    board.receive(_status("Room 5", 2, T0 + 7), T0 + 7)
    card = board.cards(T0 + 13)[0]
    assert card.no_news is not None and not card.no_news.acknowledged
    assert card.no_news.alarm_id == no_news_id("Room 5")
    assert board.audio(T0 + 13).tone is Priority.MEDIUM
