"""The session's state: one pure fold of its recorded, typed timeline events.

``fold(events)`` is the one answer to "where does this session stand": who the patient
is, whether they were checked in (or the session opened unchecked), the confirmed dose
plan, the nurse's step and phase, when the pump's telemetry says the infusion started,
paused and stopped, the measures answered and the flags still open, the sign-off and
the end. A live room resumed after a crash, headless ``record``,
every export, the course and its follow-ups all call it on the same events, so none of
them keeps a second copy of a session fact.

A correction replaces the entry it points at; a retraction withdraws it. The infusion
clock is folded by :mod:`ketaconsole.session.pump_infusion`, the same code that follows the
pump live: the first pump of the room (as the session's devices list them) that reports
a state, else the nurse's Start / Pause / Resume / Stop in a room without a pump.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Protocol

from ketaconsole.dose import DosePlan, InfusionClock
from ketaconsole.observations import PumpState
from ketaconsole.session.esketamine import NasalRecord
from ketaconsole.session.phase import Phase
from ketaconsole.session.pump_infusion import (
    NURSE_ACTION_STATES,
    NURSE_PUMP,
    PumpDrivenInfusion,
    PumpEvent,
    infusion_from_events,
)


class Step(Enum):
    """The nurse's place in the session workflow."""

    CHECK_IN = "Check-in"
    BASELINE = "Baseline vitals"
    PLAN = "Dose plan"
    INFUSION = "Infusion"
    RECOVERY = "Recovery"
    DISCHARGE = "Discharge"
    SIGN_OFF = "Sign-off"
    DONE = "Signed off"


class RecordedEvent(Protocol):
    """What the fold reads of a stored timeline event."""

    @property
    def seq(self) -> int: ...
    @property
    def at(self) -> float: ...
    @property
    def kind(self) -> str: ...
    @property
    def author(self) -> str: ...
    @property
    def payload(self) -> dict[str, Any]: ...
    @property
    def corrects(self) -> int | None: ...


INFUSION_KINDS = ("infusion_start", "infusion_pause", "infusion_resume", "infusion_stop")

FOLD_KINDS = frozenset({
    "session_start", "session_end", "check_in", "check_in_skipped", "course_clearance",
    "baseline", "measure", "clinical_flag_acknowledged", "dose_proposal",
    "dose_limits_accepted", "dose_plan", *INFUSION_KINDS, "phase", "pump_state", "devices",
    "discharge_assessment_started", "discharge_criteria", "signature", "correction",
    "retraction", "treatment", "esketamine_plan", "nasal_device", "ready_to_leave",
    "early_transfer", "scale"})
"""The kinds the fold reads: a reader may fetch only these (alarms and seals aside)."""


@dataclass(frozen=True)
class SessionState:
    """Where one session stands, as its record says."""

    patient: str | None = None
    weight_kg: float | None = None
    mrn: str | None = None
    station: str | None = None
    started_at: float | None = None
    check_in: Mapping[str, Any] | None = None
    """The check-in form as recorded (``None``: nobody checked the patient in)."""
    check_in_skipped: str | None = None
    """Why the session was opened without a check-in, as recorded (``None``: it was not)."""
    baseline: Mapping[str, float] = field(default_factory=dict)
    measures: tuple[Mapping[str, Any], ...] = ()
    """Each measure as recorded (instrument, items, total, flags), oldest first."""
    open_flags: frozenset[str] = frozenset()
    plan: DosePlan | None = None
    """The dose plan last confirmed (``None``: none, or none that can be read)."""
    plan_problem: str | None = None
    """Why a recorded plan could not be read, in one sentence."""
    plans_confirmed: int = 0
    dose_decision: Mapping[str, Any] | None = None
    limits_accepted: Mapping[str, Any] | None = None
    """The clinician's acceptance of the plan's going past the clinic's usual limits, as
    recorded with the plan last confirmed (``None``: the plan is within them)."""
    drug_library: str | None = None
    """The drug library the plan last confirmed was checked against."""
    step: Step = Step.CHECK_IN
    phase: Phase = Phase.PRE_INFUSION
    nurse_actions: tuple[tuple[str, float], ...] = ()
    """The nurse's infusion actions (start, pause, resume, stop) with their times."""
    infusion: InfusionClock = field(default_factory=InfusionClock)
    """When the infusion ran, by the pump's telemetry (or the nurse's actions)."""
    pump: str | None = None
    """The pump whose telemetry is the infusion (``None``: none reported)."""
    pump_channel: str | None = None
    """The pump, or station slot, that infused."""
    discharge_scores: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    signed_by: str | None = None
    ended: bool = False
    ended_at: float | None = None
    interrupted: bool = False
    devices: tuple[Mapping[str, Any], ...] = ()
    nasal: NasalRecord = field(default_factory=NasalRecord)
    """The treatment kind and, for esketamine, its order, devices and times."""

    @property
    def infused(self) -> bool:
        """Whether dosing began: the pump (or the nurse's Start) says the infusion ran."""
        return self.infusion.started_at is not None

    @property
    def unchecked(self) -> bool:
        """Whether the session has no check-in checklist: headless ``record`` without one
        (recorded as such), or a session recorded before ``record`` took one."""
        return self.check_in is None


def _effective(events: Iterable[RecordedEvent]) -> list[tuple[RecordedEvent, dict[str, Any]]]:
    """The events in order with their payloads as corrected; retracted ones left out."""
    kept: dict[int, tuple[RecordedEvent, dict[str, Any]]] = {}
    for event in sorted(events, key=lambda e: e.seq):
        if event.kind == "correction" and event.corrects in kept:
            original, _ = kept[event.corrects]
            corrected = event.payload.get("corrected")
            if isinstance(corrected, dict):
                kept[event.corrects] = (original, corrected)
        elif event.kind == "retraction" and event.corrects in kept:
            del kept[event.corrects]
        elif event.kind not in ("correction", "retraction"):
            kept[event.seq] = (event, event.payload)
    return [kept[seq] for seq in sorted(kept)]


def _pump_of(devices: Sequence[Mapping[str, Any]], reporting: set[str]) -> str | None:
    """The room's first pump (in its set-up order) that reported a state."""
    for device in devices:
        device_id = str(device.get("device_id", ""))
        if device_id in reporting and device.get("kind") in (None, "pump"):
            return device_id
    return min(reporting) if reporting else None




def fold(events: Iterable[RecordedEvent]) -> SessionState:
    """The session's state from its recorded events (any order; corrections applied)."""
    from ketaconsole.session import events as te

    s: dict[str, Any] = {}
    step = Step.CHECK_IN
    phase = Phase.PRE_INFUSION
    baseline: dict[str, float] = {}
    measures: list[Mapping[str, Any]] = []
    flags: set[str] = set()
    plans = 0
    actions: list[tuple[str, float]] = []
    pump_events: list[PumpEvent] = []
    devices: dict[str, Mapping[str, Any]] = {}
    scores: dict[str, Mapping[str, int]] = {}
    accepting: Mapping[str, Any] | None = None
    nasal = NasalRecord()
    for event, payload in _effective(events):
        kind = event.kind
        if kind not in FOLD_KINDS:
            continue
        try:
            entry = te.read(kind, payload)
        except te.EventPayloadError as exc:
            if kind == "dose_plan":
                s["plan"] = None
                s["plan_problem"] = f"The recorded dose plan cannot be used: {exc}."
            continue
        nasal = nasal.apply(event.at, entry)
        if isinstance(entry, te.SessionStarted):
            s.update(patient=entry.patient or None, weight_kg=entry.weight_kg,
                     station=entry.station or None, started_at=event.at)
            phase = Phase(entry.phase) if entry.phase in _PHASES else phase
            devices.update({str(d.get("device_id")): d for d in entry.devices
                            if isinstance(d, dict)})
        elif kind == "devices":
            changed = payload.get("devices")
            if isinstance(changed, list):
                devices.update({str(d.get("device_id")): d for d in changed
                                if isinstance(d, dict)})
        elif isinstance(entry, te.CheckedIn):
            s.update(check_in=dict(payload), patient=entry.patient_name)
            if entry.weight_kg:
                s["weight_kg"] = entry.weight_kg
            if step is Step.CHECK_IN:
                step = Step.BASELINE
        elif isinstance(entry, te.CheckInSkipped):
            s["check_in_skipped"] = entry.reason or "no reason recorded"
        elif isinstance(entry, te.CourseClearance):
            s["mrn"] = entry.mrn
        elif isinstance(entry, te.BaselineConfirmed):
            baseline = {k: float(v) for k, v in entry.values.items()}
            if step in (Step.CHECK_IN, Step.BASELINE):
                step = Step.PLAN
        elif isinstance(entry, te.MeasureAnswered):
            measures.append(dict(payload) | {"at": event.at})
            flags.update(entry.flags)
        elif isinstance(entry, te.ClinicalFlagAcknowledged):
            flags.discard(entry.flag)
        elif isinstance(entry, te.DoseProposalDecided):
            s["dose_decision"] = dict(payload)
        elif isinstance(entry, te.DoseLimitsAccepted):
            accepting = dict(payload)
        elif isinstance(entry, te.DosePlanned):
            plans += 1
            s["plan"] = entry.plan()  # checked when the entry was read
            s["plan_problem"] = None
            s["limits_accepted"], accepting = accepting, None
            s["drug_library"] = entry.drug_library or None
            if step in (Step.CHECK_IN, Step.BASELINE, Step.PLAN):
                step = Step.INFUSION
        elif isinstance(entry, te.EsketaminePlanned):
            if step in (Step.CHECK_IN, Step.BASELINE, Step.PLAN):
                step = Step.INFUSION
        elif isinstance(entry, te.NasalDeviceGiven):
            if nasal.all_devices_given and step is Step.INFUSION:
                step = Step.RECOVERY
        elif isinstance(entry, te.InfusionStep):
            action = kind.removeprefix("infusion_")
            actions.append((action, event.at))
            if action == "stop" and step is Step.INFUSION:
                step = Step.RECOVERY
        elif isinstance(entry, te.PhaseChanged):
            if entry.phase in _PHASES:
                phase = Phase(entry.phase)
        elif isinstance(entry, te.PumpStateChanged):
            try:
                pump_events.append(PumpEvent(entry.device, event.at, PumpState(entry.state)))
            except ValueError:
                continue
        elif isinstance(entry, te.DischargeAssessmentStarted):
            if step is Step.RECOVERY:
                step = Step.DISCHARGE
        elif isinstance(entry, te.DischargeCriteria):
            scores[entry.scale] = dict(entry.items)
            if entry.criteria_met and step is Step.DISCHARGE:
                step = Step.SIGN_OFF
        elif isinstance(entry, te.Signature):
            if step is Step.SIGN_OFF:
                s["signed_by"] = entry.signer
                step = Step.DONE
        elif isinstance(entry, te.SessionEnded):
            s.update(ended=True, ended_at=event.at, interrupted=entry.interrupted)
    follower = _infusion(pump_events, actions, list(devices.values()))
    return SessionState(
        **s, baseline=baseline, measures=tuple(measures), open_flags=frozenset(flags),
        plans_confirmed=plans, step=step, phase=phase, nurse_actions=tuple(actions),
        infusion=follower.clock, pump=follower.pump_id if pump_events else None,
        pump_channel=follower.channel if pump_events else None,
        discharge_scores=scores, devices=tuple(devices.values()), nasal=nasal)


_PHASES = {p.value for p in Phase}


def _infusion(pump_events: list[PumpEvent], actions: list[tuple[str, float]],
              devices: list[Mapping[str, Any]]) -> PumpDrivenInfusion:
    if pump_events:
        pump = _pump_of(devices, {e.device_id.split("/", 1)[0] for e in pump_events})
        assert pump is not None
        return infusion_from_events(pump, pump_events)
    return infusion_from_events(NURSE_PUMP, [
        PumpEvent(NURSE_PUMP, at, NURSE_ACTION_STATES[action]) for action, at in actions])
