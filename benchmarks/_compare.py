"""``python -m benchmarks --compare FILE``: this run's figures beside a saved earlier run's.

FILE is what an earlier ``python -m benchmarks`` printed (its last JSON line is read,
so the whole saved output or just that line will do). Each figure of this run gets one
line: the earlier value, this run's, and this run's as a multiple of the earlier one.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path

Figures = dict[str, float]


class SavedRunError(ValueError):
    """The saved run cannot be read; the text is one sentence saying what to do."""


def load_saved(path: Path) -> Figures:
    """The figures of a saved run: the last line of the file that is a JSON object."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SavedRunError(f"cannot read the saved run {path} ({exc}); give the file that "
                            "an earlier 'python -m benchmarks' printed") from exc
    for line in reversed(text.strip().splitlines()):
        try:
            figures = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(figures, dict):
            return _numbers(path, figures)
    raise SavedRunError(f"{path} holds no figures (no line is a JSON object); save the output "
                        "of 'python -m benchmarks > FILE' and compare against that")


def _numbers(path: Path, figures: Mapping[object, object]) -> Figures:
    checked: Figures = {}
    for key, value in figures.items():
        if not isinstance(key, str) or isinstance(value, bool) \
                or not isinstance(value, int | float):
            raise SavedRunError(f"{path} gives {key!r}: {value!r}, which is not a figure; "
                                "save the output of 'python -m benchmarks' unchanged")
        checked[key] = float(value)
    return checked


def _number(value: float) -> str:
    return f"{value:.4g}"


def change(earlier: float, now: float) -> str:
    """This run's value as a multiple of the earlier one (``x1.25``)."""
    if earlier == now:
        return "x1"
    if earlier == 0 or not math.isfinite(earlier) or not math.isfinite(now):
        return "-"
    return f"x{now / earlier:.3g}"


def comparison(earlier: Figures, now: Figures, only: str | None = None) -> list[str]:
    """One line per figure: key, earlier value, this run's value and the change.

    A figure the earlier run did not have is ``new``; one it had (within ``only``) that
    this run did not measure is ``not measured``.
    """
    keys = sorted(set(now) | {k for k in earlier if only is None or k.startswith(only)})
    width = max((len(k) for k in keys), default=0)
    lines: list[str] = []
    for key in keys:
        if key not in now:
            lines.append(f"{key:<{width}}  {_number(earlier[key]):>10} -> not measured")
        elif key not in earlier:
            lines.append(f"{key:<{width}}  {'new':>10} -> {_number(now[key]):<10}")
        else:
            lines.append(f"{key:<{width}}  {_number(earlier[key]):>10} -> "
                         f"{_number(now[key]):<10}  {change(earlier[key], now[key])}")
    return lines
