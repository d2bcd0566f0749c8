"""Which phase the session is in, as far as the pump's telemetry shows it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from ketaconsole.observations import PumpState
from ketaconsole.pump_ledger import PumpLedger


class Phase(Enum):
    PRE_INFUSION = "Pre-infusion"
    INFUSION = "Infusion"
    PAUSED = "Infusion paused"
    RECOVERY = "Recovery"


@dataclass(frozen=True, slots=True)
class PhaseNow:
    phase: Phase
    infusion_started_at: float | None


def phase_from_pump(ledger: PumpLedger | None) -> PhaseNow:
    """Pre-infusion until the pump first runs; infusion while it runs; recovery after."""
    if ledger is None:
        return PhaseNow(Phase.PRE_INFUSION, None)
    started = next((c.at for c in ledger.rate_history if c.rate_ml_h > 0), None)
    if started is None:
        return PhaseNow(Phase.PRE_INFUSION, None)
    if ledger.state is PumpState.INFUSING:
        return PhaseNow(Phase.INFUSION, started)
    if ledger.state is PumpState.PAUSED:
        return PhaseNow(Phase.PAUSED, started)
    return PhaseNow(Phase.RECOVERY, started)
