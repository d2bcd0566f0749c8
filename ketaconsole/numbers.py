"""Numbers people type in, checked in one place: finite, within their range, the range said.

Every number the console takes from a person (a command's option, a driver setting, a
session number) goes through a :class:`NumberRange`, so NaN, infinity and values too
large for a clock, a line speed or a database column are refused with one sentence that
names the range, before anything is opened or created.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

SHOWN_MAX = 40
"""How much of a refused value the sentence repeats (a 10 kB argument is not echoed)."""


class NumberError(ValueError):
    """A typed-in number that is not a number, not finite or out of range; says which."""


def shown(text: str, limit: int = SHOWN_MAX) -> str:
    """``text`` quoted with control characters escaped, shortened to ``limit`` characters."""
    if len(text) > limit:
        return repr(text[:limit]) + f" (and {len(text) - limit:,} more characters)"
    return repr(text)


def echo(text: str, limit: int = SHOWN_MAX * 2) -> str:
    """``text`` as typed when it is plain and short, else :func:`shown` (quoted, escaped)."""
    if len(text) <= limit and text.isprintable():
        return text
    return shown(text, limit)


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() and abs(value) < 1e15 else f"{value:g}"


@dataclass(frozen=True, slots=True)
class NumberRange:
    """What a number must be: whole or not, its lowest and highest value, and its unit."""

    what: str
    low: float = -math.inf
    high: float = math.inf
    integer: bool = False
    above_low: bool = False
    """The lowest value itself is refused ("more than 0")."""
    unit: str = ""

    def describe(self) -> str:
        """The rule in words: 'more than 0 and at most 86,400 seconds'."""
        parts = []
        if self.low != -math.inf and self.high != math.inf and not self.above_low:
            parts.append(f"from {_number(self.low)} to {_number(self.high)}")
        elif self.low != -math.inf:
            parts.append(f"{'more than' if self.above_low else 'at least'} {_number(self.low)}")
        if self.high != math.inf and (self.above_low or self.low == -math.inf):
            parts.append(f"at most {_number(self.high)}")
        kind = "a whole number" if self.integer else "a number"
        return " ".join([kind, " and ".join(parts), self.unit]).replace("  ", " ").strip()

    def refusal(self, text: str) -> str:
        """The sentence (without the option's name) for a refused value."""
        return f"must be {self.describe()}, not {shown(text)}"

    def parse(self, text: str) -> float:
        """The number ``text`` holds, or :class:`NumberError` naming the allowed range."""
        try:
            value: float = int(text.strip()) if self.integer else float(text.strip())
        except (ValueError, OverflowError):
            raise NumberError(f"{self.what} {self.refusal(text)}") from None
        return self.check(value, text)

    def check(self, value: float, text: str | None = None) -> float:
        """``value`` itself when finite and within range, else :class:`NumberError`."""
        finite = math.isfinite(value)
        too_low = finite and (value < self.low or (self.above_low and value == self.low))
        if not finite or too_low or value > self.high:
            raise NumberError(f"{self.what} {self.refusal(str(value) if text is None else text)}")
        return value

    def parse_int(self, text: str) -> int:
        """:meth:`parse` for a whole-number range, typed as ``int``."""
        return int(self.parse(text))


ROW_NUMBER = NumberRange("SESSION", 1, 2**63 - 1, integer=True)
"""A row number as the database can hold it (a session, an audit entry)."""
