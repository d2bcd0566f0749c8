"""NE-1000 vocabulary: status letters, alarm types, command errors and unit conversions.

From the NE-1000 user manual's RS-232 chapter ("Basic and Safe Mode Common Syntax" and
the command set), cross-checked against florian-lapp/nesp-lib-py.
"""

from __future__ import annotations

from ketaconsole.sdk import PumpState

# The status letter every reply carries after the two-digit address.
STATUS_TEXT: dict[str, str] = {
    "I": "infusing",
    "W": "withdrawing",
    "S": "pumping program stopped",
    "P": "pumping program paused",
    "T": "timed pause phase",
    "U": "waiting for a user trigger",
    "X": "purging",
}

# Status letter -> the pump state the console shows. Withdrawing is not an infusion
# state, so it has none; purging moves fluid at the pump's maximum rate.
PUMP_STATES: dict[str, PumpState | None] = {
    "I": PumpState.INFUSING,
    "W": None,
    "S": PumpState.STOPPED,
    "P": PumpState.PAUSED,
    "T": PumpState.PAUSED,
    "U": PumpState.PAUSED,
    "X": PumpState.INFUSING,
}

# Letters for which the pump says it moves no fluid: the infusion rate is then 0.
NOT_PUMPING = frozenset("SPTU")

ALARM_MARK = "A"
"""The status letter of an alarm reply: ``A?`` followed by the alarm type."""

# Alarm type letter -> (code, text). All are technical alarms of the pump.
ALARMS: dict[str, tuple[str, str]] = {
    "R": ("pump-reset", "Pump was reset (its power was interrupted)"),
    "S": ("motor-stalled", "Pump motor stalled"),
    "T": ("safe-mode-timeout", "Pump stopped: safe-mode communication time-out"),
    "E": ("program-error", "Pumping program error"),
    "O": ("phase-out-of-range", "Pumping program phase out of range"),
}

WITHDRAW_ALARM = ("withdraw-direction",
                  "Pump is set to withdraw: it would draw fluid back from the line")

# Command error after ``?`` in a reply (``?`` alone: command not recognised).
COMMAND_ERRORS: dict[str, str] = {
    "": "the command is not recognised",
    "NA": "the command is not applicable now",
    "OOR": "the command's value is out of range",
    "COM": "the pump received an invalid packet",
    "IGN": "the command was ignored (a new program phase started)",
}

# Rate units -> factor to mL/h.
RATE_TO_ML_H: dict[str, float] = {
    "UM": 60.0 / 1000.0,
    "MM": 60.0,
    "UH": 1.0 / 1000.0,
    "MH": 1.0,
}

# Volume units -> factor to mL.
VOLUME_TO_ML: dict[str, float] = {
    "UL": 1.0 / 1000.0,
    "ML": 1.0,
}

DIRECTIONS = ("INF", "WDR")

QUERIES = frozenset({"", "VER", "RAT", "DIS", "VOL", "DIA", "DIR", "SAF"})
"""Commands that only read when sent without arguments."""

POLLED = ("RAT", "DIS", "VOL", "DIA", "DIR")
"""What the console reads every poll cycle (``VER`` once per connection)."""
