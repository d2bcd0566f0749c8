"""Times a nurse types for a late entry ("given at 14:05"): today's clock time, never future."""

from __future__ import annotations

from datetime import datetime, timedelta


class EntryTimeError(ValueError):
    """A typed time that cannot be used; the text says what to type."""


def parse_entry_time(text: str, now: float, *, max_back_h: float = 12.0) -> float:
    """``"14:05"`` (today, or yesterday if that is later than now) -> epoch seconds.

    Blank means now. A time in the future, or more than ``max_back_h`` hours ago, is
    refused: a late entry is for something that has already happened this session.
    """
    text = text.strip()
    if not text:
        return now
    try:
        clock = datetime.strptime(text, "%H:%M").time()
    except ValueError:
        raise EntryTimeError(f"Type the time as HH:MM (e.g. 14:05), not {text!r}.") from None
    today = datetime.fromtimestamp(now)
    moment = datetime.combine(today.date(), clock)
    if moment.timestamp() > now + 60:
        yesterday = moment - timedelta(days=1)
        if now - yesterday.timestamp() <= max_back_h * 3600:
            moment = yesterday
        else:
            raise EntryTimeError(f"{text} is in the future; enter when it was given.")
    if now - moment.timestamp() > max_back_h * 3600:
        raise EntryTimeError(f"{text} is more than {max_back_h:g} hours ago; check the time.")
    return min(moment.timestamp(), now)
