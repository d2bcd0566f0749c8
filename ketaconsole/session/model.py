"""The session model: the one owner of the patient, the dose plan, the infusion clock and the phase.

The session workflow writes it (check-in names the patient, the confirmed plan is the
plan, the nurse's steps are the phase); everything else reads it: the alarms' pump
check, the pump panel, the header, the timeline's checks. The infusion clock is the
pump's (:mod:`ketaconsole.session.pump_infusion`), the delivered dose the pump ledger's
(:mod:`ketaconsole.live.pump_ledger`, kept by the engine): the model asks them, it never
recomputes them. The pump's own state is shown beside the nurse's phase, never instead
of it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from ketaconsole.alarms import AlarmSystem
from ketaconsole.dose import DoseDelivered, DosePlan, InfusionClock, reconcile
from ketaconsole.live.engine import Engine
from ketaconsole.observations import Observation, PumpState
from ketaconsole.session.esketamine import NasalRecord
from ketaconsole.session.patient import Patient
from ketaconsole.session.phase import Phase, PhaseNow
from ketaconsole.session.pump_infusion import (
    NURSE_ACTION_STATES,
    NURSE_PUMP,
    PumpDrivenInfusion,
    PumpEvent,
)

if TYPE_CHECKING:
    from ketaconsole.course.eligibility import Assessment
    from ketaconsole.session.events import Entry
    from ketaconsole.session.state import SessionState


class SessionModel:
    """What the session at this bedside is: who, which plan, where it stands."""

    def __init__(self, engine: Engine, alarms: AlarmSystem, pumps: Sequence[str], *,
                 check_pump_against_plan: bool = True, pace: float = 1.0) -> None:
        self.engine = engine
        self.pace = pace
        self.pump_listeners: list[Callable[[str, float], None]] = []
        """Told (action, at) as the pump's telemetry starts, pauses, resumes or stops the
        infusion (headless ``record``, where no nurse is there, records the phase)."""
        self.nurse_listeners: list[Callable[[str, float, DosePlan | None], None]] = []
        """Told (action, at, plan) of each start, pause, resume and stop the nurse records
        and of "end" when the session closes (a simulated pump follows them)."""
        self.alarms = alarms
        self.pump_id: str | None = pumps[0] if pumps else None
        """The pump whose telemetry is the infusion (``None``: the room has no pump)."""
        self.check_pump_against_plan = check_pump_against_plan
        self._lock = threading.Lock()
        self.patient: Patient | None = None
        self.plan: DosePlan | None = None
        self.phase = Phase.PRE_INFUSION
        self.session_id: int | None = None
        self.course: Assessment | None = None
        """The approved eligibility assessment (dose range) this session runs under."""
        self.nasal = NasalRecord()
        """The treatment kind and the esketamine order, devices and times: the fold
        (:meth:`NasalRecord.apply`) of the events this session recorded."""
        self.infusion = self._follow()
        # Subscribed now, before the alarms are attached, so that the infusion has seen a
        # pump's start before the alarms check the pump against the plan.
        engine.subscribe(self._observe_pump)

    def _follow(self, clock: InfusionClock | None = None) -> PumpDrivenInfusion:
        return PumpDrivenInfusion(self.pump_id or NURSE_PUMP,
                                  clock or InfusionClock(pace=self.pace),
                                  on_start=self.alarms.mark_dosing_started,
                                  on_change=self._pump_moved)

    def _pump_moved(self, action: str, at: float) -> None:
        if self.pump_id is None:
            return  # the nurse's own actions: she moves the phase herself
        for listener in list(self.pump_listeners):
            listener(action, at)

    def _observe_pump(self, observation: Observation) -> None:
        if self.pump_id is not None:
            self.infusion.observe(observation)

    def follow_pump(self, pump_id: str) -> None:
        """The room's pump joined (before any session): its telemetry is the infusion."""
        self.pump_id = pump_id
        self.infusion = self._follow()

    # -- written by the workflow ----------------------------------------------------------

    def open(self, session_id: int, patient: Patient) -> None:
        """A session was opened (or resumed) for this patient."""
        with self._lock:
            self.session_id = session_id
            self.patient = patient
        if self.check_pump_against_plan:
            self.alarms.expect_plan()

    def set_course(self, course: Assessment | None) -> None:
        with self._lock:
            self.course = course

    def set_plan(self, plan: DosePlan) -> None:
        """The confirmed dose plan: the pump is checked against it from now on."""
        with self._lock:
            self.plan = plan
        if self.check_pump_against_plan:
            self.alarms.set_dose_plan(plan, self.infusion.clock, self.pump_id,
                                      lambda: self.pump_channel)

    def follow_anew(self) -> None:
        """A new session: the infusion clock starts from the pump's next report."""
        self.infusion = self._follow()

    def restore(self, state: SessionState) -> None:
        """A resumed session: its plan, phase and infusion clock as its record stands.

        The pump is checked against the recorded plan at once, on the recorded clock (the
        infusion's start before the console stopped), so a resumed room is where the
        stopped one was.
        """
        from dataclasses import replace

        follows = self.pump_id if self.pump_id is not None else NURSE_PUMP
        if state.infused and ((state.pump is None and self.pump_id is None)
                              or state.pump == follows):
            clock = replace(state.infusion, pauses=list(state.infusion.pauses),
                            pace=self.pace)
            infusion = self._follow(clock)
            infusion.channel = state.pump_channel if self.pump_id is not None else NURSE_PUMP
            self.infusion = infusion
            if clock.started_at is not None:
                self.alarms.mark_dosing_started(clock.started_at)
        with self._lock:
            self.phase = state.phase
            self.nasal = state.nasal
        if state.plan is not None:
            self.set_plan(state.plan)

    def recorded(self, at: float, entry: Entry) -> None:
        """An entry the workflow recorded at ``at``: folded into the esketamine facts."""
        with self._lock:
            self.nasal = self.nasal.apply(at, entry)

    def set_phase(self, phase: Phase) -> None:
        with self._lock:
            self.phase = phase

    def nurse_action(self, action: str, at: float) -> None:
        """The nurse started, paused, resumed or stopped the infusion.

        Where the room has a pump, its telemetry keeps the infusion clock and this only
        moves the phase; without one, the nurse's action is the pump event.
        """
        if self.pump_id is None and action in NURSE_ACTION_STATES:
            self.infusion.apply(PumpEvent(NURSE_PUMP, at, NURSE_ACTION_STATES[action]))
        self._tell(action, at)

    def _tell(self, action: str, at: float) -> None:
        for listener in list(self.nurse_listeners):
            listener(action, at, self.plan)

    def close(self) -> None:
        """The session ended: the bedside is ready for the next patient."""
        with self._lock:
            self.session_id = None
            self.patient = None
            self.plan = None
            self.course = None
            self.phase = Phase.PRE_INFUSION
            self.nasal = NasalRecord()
        self.alarms.next_patient()
        self.infusion = self._follow()
        self._tell("end", self.engine.clock())

    # -- read by everyone else ------------------------------------------------------------

    @property
    def infusion_clock(self) -> InfusionClock:
        return self.infusion.clock

    @property
    def pump_channel(self) -> str | None:
        """The pump, or station slot, whose telemetry is shown for the infusion."""
        if self.pump_id is None:
            return None
        return self.infusion.channel or self.engine.pump_channel(self.pump_id)

    def pump_state(self) -> PumpState | None:
        channel = self.pump_channel
        status = self.engine.pump_status(channel) if channel else None
        return None if status is None else status.state

    def now(self) -> PhaseNow:
        """The nurse's phase, the infusion's start by the pump, the pump's own state."""
        return PhaseNow(self.phase, self.infusion.clock.started_at, self.pump_state(),
                        session_open=self.session_id is not None)

    def delivered(self, now: float, pump_id: str | None = None) -> DoseDelivered | None:
        """The pump ledger's delivered dose against the plan (``None`` without either).

        ``pump_id`` names another pump of the room than the infusion's (its own channel).
        """
        plan = self.plan
        if pump_id is None or pump_id == self.pump_id:
            channel = self.pump_channel
        else:
            channel = self.engine.pump_channel(pump_id)
        ledger = self.engine.pump(channel) if channel else None
        if plan is None or ledger is None:
            return None
        status = self.engine.pump_status(channel) if channel else None
        return reconcile(plan, ledger.delivered_ml, ledger.rate_ml_h,
                         infusion=self.infusion.clock, now=now,
                         pump_infusing=ledger.state is PumpState.INFUSING,
                         pump_concentration_mg_ml=None if status is None
                         else status.concentration_mg_ml)
