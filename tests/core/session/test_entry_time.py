"""Late entries take a typed clock time; a future time is refused with what to do."""

from __future__ import annotations

from datetime import datetime

import pytest

from ketaconsole.session.entry_time import EntryTimeError, parse_entry_time

NOW = datetime(2026, 11, 27, 14, 30).timestamp()


def test_blank_means_now() -> None:
    assert parse_entry_time("  ", NOW) == NOW


def test_a_time_earlier_today_is_taken() -> None:
    assert parse_entry_time("14:05", NOW) == datetime(2026, 11, 27, 14, 5).timestamp()


def test_just_after_midnight_an_evening_time_means_yesterday() -> None:
    now = datetime(2026, 11, 28, 0, 20).timestamp()
    assert parse_entry_time("23:50", now) == datetime(2026, 11, 27, 23, 50).timestamp()


@pytest.mark.parametrize(("text", "words"), [("16:00", "future"), ("2pm", "HH:MM"),
                                             ("01:00", "hours ago")])
def test_unusable_times_are_refused_with_what_to_type(text: str, words: str) -> None:
    with pytest.raises(EntryTimeError, match=words):
        parse_entry_time(text, NOW)
