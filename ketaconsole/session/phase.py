"""The session's phase as the nurse runs it, and what the header shows with it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from ketaconsole.observations import PumpState


class Phase(Enum):
    PRE_INFUSION = "Pre-infusion"
    INFUSION = "Infusion"
    PAUSED = "Infusion paused"
    RECOVERY = "Recovery"
    MONITORING = "Monitoring"
    """An esketamine session from its first device (the REMS monitoring)."""
    DISCHARGE = "Discharge"
    SIGNED_OFF = "Signed off"


PHASE_AFTER = {"start": Phase.INFUSION, "resume": Phase.INFUSION, "pause": Phase.PAUSED,
               "stop": Phase.RECOVERY}
"""The phase an infusion's start, pause, resume or stop leads to: the nurse's step in the
window, the pump's telemetry where no nurse runs the session (headless ``record``)."""


@dataclass(frozen=True, slots=True)
class PhaseNow:
    """The nurse's phase, when the pump's telemetry says the infusion started, the pump's state."""

    phase: Phase
    infusion_started_at: float | None
    pump_state: PumpState | None = None
    session_open: bool = True
    """Whether a patient is checked in (no checks fall due without one)."""
