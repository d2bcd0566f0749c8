"""When the next blood pressure is due: the same schedule at the bedside's pace and in a
demo run faster; a fresh reading is never followed by "due now"."""

from __future__ import annotations

import pytest

from ketaconsole.session.checks import CheckIntervals, bp_check
from ketaconsole.session.phase import Phase


@pytest.mark.parametrize("pace", [1.0, 60.0])
def test_a_fresh_reading_puts_the_next_bp_a_whole_interval_away(pace: float) -> None:
    intervals = CheckIntervals().at_pace(pace)
    every = intervals.bp_during_infusion_s
    taken = 1_000.0
    just_after = bp_check(Phase.INFUSION, taken, taken + 1 / pace, intervals)
    assert not just_after.overdue and just_after.text.startswith("BP due in")
    in_last_tenth = bp_check(Phase.INFUSION, taken, taken + every * 0.95, intervals)
    assert in_last_tenth.text == "BP due now" and not in_last_tenth.late
    late = bp_check(Phase.INFUSION, taken, taken + every * 1.2, intervals)
    assert late.text.startswith("BP overdue by") and late.late


def test_no_reading_yet_is_due_now() -> None:
    assert bp_check(Phase.RECOVERY, None, 5.0).text == "BP due now (no reading yet)"
