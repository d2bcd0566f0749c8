"""The alarm system: the IEC 60601-1-8 state machine over physiological and technical alarms.

Driven by a clock the caller passes in (no sleeping): attach it to the room's engine
(:meth:`AlarmSystem.attach`; it then judges the engine's cleaned observations and reads
its live state) or feed it observations (it keeps its own engine for them), call
:meth:`AlarmSystem.evaluate` with the time, read the active alarms and the audio state.
Per alarm: it starts when its condition is present; escalates (the same alarm, recorded
as escalation) when the condition worsens; is acknowledged (its sound stops, its display
stays; it sounds again if it escalates); ends when its condition clears, unless it
latches, in which case it keeps signalling until a person resets it (reset, or
acknowledge once the condition has cleared). An alarm whose condition cannot be judged
(no live data) stays as it is rather than ending. Audio pause silences the alarms
present for two minutes; a new alarm of higher priority than any paused one sounds
through it. Every change is an :class:`AlarmEvent` handed to ``on_event``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from ketaconsole.alarms.conditions import Condition, Judgement, PhysiologicalEvaluator
from ketaconsole.alarms.events import AlarmEvent, AlarmEventKind, EventSink
from ketaconsole.alarms.limits import LimitProfile
from ketaconsole.alarms.priority import SIGNALS, AlarmSignal, Category, Priority
from ketaconsole.alarms.replay import replay
from ketaconsole.alarms.state import ActiveAlarm, AlarmState, AudioPause
from ketaconsole.alarms.technical import DoseWatch, TechnicalMonitor
from ketaconsole.catalogue import CATALOGUE
from ketaconsole.dose import DosePlan, InfusionClock
from ketaconsole.live.engine import Engine
from ketaconsole.live.freshness import describe_age
from ketaconsole.live.metric_sources import MetricSources
from ketaconsole.observations import Numeric, Observation


class AlarmActionError(ValueError):
    """An acknowledge, reset or pause that cannot be done; the message says why and what to do."""


@dataclass(frozen=True, slots=True)
class Alarm:
    """An active alarm as the UI shows it."""

    alarm_id: str
    label: str
    category: Category
    priority: Priority
    started_at: float
    message: str
    values: dict[str, Any]
    condition_present: bool | None
    """``None`` when it cannot be judged now (no live data, or just restored)."""
    latched: bool
    """The condition has cleared; the alarm waits for a person to reset it."""
    acknowledged: bool
    audible: bool
    signal: AlarmSignal

    @property
    def marks(self) -> str:
        return self.signal.marks


@dataclass(frozen=True, slots=True)
class AudioState:
    """Which tone should sound now, and the pause countdown if audio is paused."""

    tone: Priority | None
    tone_file: str | None
    paused_until: float | None
    paused_remaining_s: float | None

    @property
    def paused(self) -> bool:
        return self.paused_until is not None


def _sort_key(alarm: Alarm) -> tuple[int, float]:
    return (-alarm.priority.rank, -alarm.started_at)


class AlarmSystem:
    """Alarm conditions, their states, the sound to make and the events to record."""

    def __init__(self, profile: LimitProfile, *, on_event: EventSink | None = None) -> None:
        self._lock = threading.RLock()
        self._profile = profile
        self._live = Engine()
        self._physiological = PhysiologicalEvaluator(profile, self._live)
        self._technical = TechnicalMonitor(profile.technical, self._live)
        self._live.subscribe(self._judge)
        self._state = AlarmState()
        self._on_event = on_event
        self._events: list[AlarmEvent] = []
        self._dosing_started_at: float | None = None

    # -- inputs ---------------------------------------------------------------------------

    @property
    def profile(self) -> LimitProfile:
        return self._profile

    def use_sources(self, sources: MetricSources) -> None:
        """Judge each metric from its primary device among ``sources`` (an attached
        engine's own sources are the room's)."""
        with self._lock:
            self._live.sources = sources

    def attach(self, engine: Engine) -> None:
        """Judge every observation the room's engine ingests, by its live state (before
        anything is fed to this system)."""
        with self._lock:
            self._live.unsubscribe(self._judge)
            self._live = engine
            self._physiological.live = engine
            self._technical.live = engine
        engine.subscribe(self._judge)

    def observe(self, observation: Observation) -> None:
        """Take one observation into this system's engine (where none is attached)."""
        self._live.ingest([observation])

    def _judge(self, observation: Observation) -> None:
        with self._lock:
            if isinstance(observation, Numeric):
                self._physiological.observe(observation)
            self._technical.observe(observation)

    def observe_all(self, observations: Iterable[Observation]) -> None:
        for observation in observations:
            self.observe(observation)

    def set_dose_plan(self, plan: DosePlan, infusion: InfusionClock,
                      pump_id: str | None = None,
                      channel: Callable[[], str | None] | None = None) -> None:
        """Check the pump(s) against this plan, and date the start of dosing by its clock;
        ``channel`` says which of a station's slots the infusion follows."""
        with self._lock:
            self._technical.dose = DoseWatch(plan, infusion, pump_id, channel)

    def dosing_started(self, now: float) -> bool:
        watch = self._technical.dose
        if watch is not None and watch.infusion.started_at is not None:
            return watch.infusion.started_at <= now
        return self._dosing_started_at is not None and self._dosing_started_at <= now

    def expect_plan(self) -> None:
        """A session opened: a pump infusing before its plan is confirmed is an alarm."""
        with self._lock:
            self._technical.plan_expected = True

    def next_patient(self) -> None:
        """Forget the last patient's baselines, dose plan and start of dosing."""
        with self._lock:
            self._technical.plan_expected = False
            self._technical.dose = None
            self._dosing_started_at = None
            self._physiological.clear_baselines()

    def start_pump_ledgers(self) -> None:
        """A new session: the pump check counts each pump's volume from its next report
        (the engine's ledgers start afresh, and so does any mismatch)."""
        self._live.start_pump_ledgers()
        with self._lock:
            self._technical.start_pump_ledgers()

    def mark_dosing_started(self, at: float) -> None:
        """Date the start of dosing without a dose plan (limits before dosing stop applying)."""
        with self._lock:
            self._dosing_started_at = at

    def report_store_fault(self, message: str, now: float) -> None:
        """The store cannot write the record: a technical alarm until it can again."""
        with self._lock:
            self._technical.report_store_fault(message, now)

    def clear_store_fault(self) -> None:
        with self._lock:
            self._technical.clear_store_fault()

    def report_audio_fault(self, message: str, now: float) -> None:
        """The tone player cannot sound: a technical alarm (shown) until it can again."""
        with self._lock:
            self._technical.report_audio_fault(message, now)

    def clear_audio_fault(self) -> None:
        with self._lock:
            self._technical.clear_audio_fault()

    def report_bp_overdue(self, message: str, now: float) -> None:
        """A blood-pressure check is overdue: a low-priority alarm until a reading comes."""
        with self._lock:
            self._technical.report_bp_overdue(message, now)

    def clear_bp_overdue(self) -> None:
        with self._lock:
            self._technical.clear_bp_overdue()

    def report_spo2_unmonitored(self, message: str, now: float) -> None:
        """An esketamine session without a live SpO2: a technical alarm until one comes."""
        with self._lock:
            self._technical.report_spo2_unmonitored(message, now)

    def clear_spo2_unmonitored(self) -> None:
        with self._lock:
            self._technical.clear_spo2_unmonitored()

    def forget_device(self, device_id: str) -> None:
        """A device removed on purpose; its technical alarms end at the next evaluation."""
        with self._lock:
            self._technical.forget_device(device_id)

    # -- person's actions -----------------------------------------------------------------

    def set_baseline(self, refid: str, value: float, *, by: str, now: float) -> AlarmEvent:
        """The nurse confirms a pre-infusion value as this patient's baseline."""
        if refid not in CATALOGUE:
            raise AlarmActionError(f"{refid} is not in the metric catalogue; choose a "
                                   "catalogue metric for the baseline.")
        known = CATALOGUE[refid]
        if not known.is_plausible(value):
            raise AlarmActionError(f"A baseline {known.short} of {value:g} {known.display_unit} is "
                                   "not plausible; enter the measured value.")
        with self._lock:
            self._physiological.set_baseline(refid, value, now)
            return self._emit(AlarmEvent(
                AlarmEventKind.BASELINE_SET, now, message=f"Baseline {known.short} "
                f"{known.format(value)} {known.display_unit}",
                values={"metric": refid, "value": value, "unit": known.unit}, by=by))

    def change_limit(self, alarm_id: str, index: int, *, by: str, now: float,
                     threshold: float | None = None, priority: Priority | None = None,
                     sustain_s: float | None = None) -> AlarmEvent:
        """A nurse changes one limit during the session; raises ProfileError if it is invalid."""
        with self._lock:
            old = self._profile.rule(alarm_id).limits[index] if (
                0 <= index < len(self._profile.rule(alarm_id).limits)) else None
            profile = self._profile.with_limit(alarm_id, index, threshold=threshold,
                                               priority=priority, sustain_s=sustain_s)
            new = profile.rule(alarm_id).limits[index]
            self._use_profile(profile, now)
            return self._emit(AlarmEvent(
                AlarmEventKind.LIMIT_CHANGED, now, alarm_id=alarm_id,
                label=profile.rule(alarm_id).label, priority=new.priority,
                category=Category.PHYSIOLOGICAL,
                message=f"Limit changed: {new.describe()} ({new.priority.value}"
                        + (f", for {describe_age(new.sustain_s)})" if new.sustain_s >= 1
                           else ")"),
                values={"limit_index": index, "old": old.as_record() if old else None,
                        "new": new.as_record()}, by=by))

    def use_clinic_profile(self, profile: LimitProfile, now: float) -> None:
        """Judge by the clinic's profile from now on (the room's, once its record is open).

        The profile a session starts with, stored with its record; a change during a
        session is a nurse's :meth:`change_limit`, which the timeline records.
        """
        with self._lock:
            self._use_profile(profile, now)

    def _use_profile(self, profile: LimitProfile, now: float) -> None:
        self._profile = profile
        self._physiological.set_profile(profile, now)
        self._technical.settings = profile.technical

    def acknowledge(self, alarm_id: str | None = None, *, by: str, now: float
                    ) -> list[AlarmEvent]:
        """Silence one alarm (or every alarm); it stays shown, and sounds again if it worsens.

        As the standard's alarm reset: a latched alarm whose condition has cleared is
        reset (ended) by it, so one button serves both.
        """
        with self._lock:
            targets = self._targets(alarm_id)
            events = []
            for alarm in targets:
                if alarm.condition is Judgement.CLEAR:
                    del self._state.active[alarm.alarm_id]
                    events.append(self._emit(self._event(AlarmEventKind.RESET, alarm, now,
                                                         by=by)))
                    continue
                if alarm.acknowledged:
                    continue
                alarm.acknowledged = True
                events.append(self._emit(self._event(AlarmEventKind.ACKNOWLEDGED, alarm, now,
                                                     by=by)))
            return events

    def reset(self, alarm_id: str, *, by: str, now: float) -> AlarmEvent:
        """End a latched alarm whose condition has cleared."""
        with self._lock:
            (alarm,) = self._targets(alarm_id)
            if alarm.condition is Judgement.PRESENT:
                raise AlarmActionError(
                    f"{alarm.label} is still present, so it cannot be reset; acknowledge it "
                    "to silence it and it ends when the condition clears.")
            del self._state.active[alarm.alarm_id]
            return self._emit(self._event(AlarmEventKind.RESET, alarm, now, by=by))

    def pause_audio(self, *, by: str, now: float) -> AlarmEvent:
        """Pause the alarm sound for the profile's pause time (two minutes by default)."""
        with self._lock:
            audible = [a.priority for a in self._state.active.values()
                       if self._sounds(a, None)]
            covers = max(audible, key=lambda p: p.rank) if audible else None
            pause = AudioPause(now, now + self._profile.audio_pause_s, covers, by)
            self._state.pause = pause
            return self._emit(AlarmEvent(
                AlarmEventKind.AUDIO_PAUSED, now, priority=covers,
                message=f"Audio paused for {describe_age(self._profile.audio_pause_s)}",
                values={"until": pause.until, "covers": covers.value if covers else None,
                        "alarms": sorted(self._state.active)}, by=by))

    def _targets(self, alarm_id: str | None) -> list[ActiveAlarm]:
        if alarm_id is None:
            return list(self._state.active.values())
        alarm = self._state.active.get(alarm_id)
        if alarm is None:
            raise AlarmActionError(f"There is no active alarm {alarm_id!r}; it may have "
                                   "ended already.")
        return [alarm]

    # -- evaluation -----------------------------------------------------------------------

    def evaluate(self, now: float) -> list[AlarmEvent]:
        """Bring every alarm up to date at ``now``; returns the events this produced."""
        with self._lock:
            judged = dict(self._technical.evaluate(now))
            judged.update(self._physiological.evaluate(now, self.dosing_started(now)))
            events: list[AlarmEvent] = []
            for judgement, condition in judged.values():
                if judgement is Judgement.PRESENT and condition is not None:
                    events.extend(self._present(condition, now))
            for alarm in list(self._state.active.values()):
                found = judged.get(alarm.alarm_id)
                judgement = (found[0] if found is not None
                             else self._technical.judge_missing(alarm.alarm_id))
                if judgement is Judgement.PRESENT:
                    continue
                events.extend(self._absent(alarm, judgement, now))
            pause = self._state.pause
            if pause is not None and now >= pause.until:
                self._state.pause = None
                events.append(self._emit(AlarmEvent(
                    AlarmEventKind.AUDIO_RESUMED, now,
                    message="Audio pause over; alarms sound again")))
            return events

    def _present(self, condition: Condition, now: float) -> list[AlarmEvent]:
        alarm = self._state.active.get(condition.alarm_id)
        if alarm is None:
            alarm = ActiveAlarm(condition.alarm_id, condition.label, condition.category,
                            condition.priority, now, condition.message,
                            dict(condition.values), condition.latching, raised_at=now)
            self._state.active[alarm.alarm_id] = alarm
            return [self._emit(self._event(AlarmEventKind.STARTED, alarm, now))]
        alarm.condition = Judgement.PRESENT
        alarm.restored = False
        alarm.latching = condition.latching
        if condition.priority.rank > alarm.priority.rank:
            before = alarm.priority
            alarm.priority = condition.priority
            alarm.message, alarm.values = condition.message, dict(condition.values)
            alarm.acknowledged = False
            alarm.raised_at = now
            return [self._emit(self._event(AlarmEventKind.ESCALATED, alarm, now,
                                           previous=before))]
        if condition.priority.rank < alarm.priority.rank and not alarm.latching:
            before = alarm.priority
            alarm.priority = condition.priority
            alarm.message, alarm.values = condition.message, dict(condition.values)
            return [self._emit(self._event(AlarmEventKind.DEESCALATED, alarm, now,
                                           previous=before))]
        if condition.priority is alarm.priority:
            alarm.message, alarm.values = condition.message, dict(condition.values)
        return []

    def _absent(self, alarm: ActiveAlarm, judgement: Judgement, now: float) -> list[AlarmEvent]:
        if judgement is Judgement.UNKNOWN:
            if alarm.condition is Judgement.PRESENT and not alarm.restored:
                alarm.condition = Judgement.UNKNOWN
            return []
        latches = alarm.latching and alarm.category is Category.PHYSIOLOGICAL
        if latches:
            if alarm.condition is Judgement.CLEAR:
                return []
            alarm.condition = Judgement.CLEAR
            alarm.restored = False
            return [self._emit(self._event(AlarmEventKind.LATCHED, alarm, now))]
        del self._state.active[alarm.alarm_id]
        return [self._emit(self._event(AlarmEventKind.ENDED, alarm, now))]

    # -- outputs --------------------------------------------------------------------------

    def _sounds(self, alarm: ActiveAlarm, pause: AudioPause | None) -> bool:
        if alarm.acknowledged or SIGNALS[alarm.priority].tone is None:
            return False
        if pause is None:
            return True
        covered = pause.covers.rank if pause.covers is not None else -1
        return alarm.raised_at >= pause.started_at and alarm.priority.rank > covered

    def _live_pause(self, now: float) -> AudioPause | None:
        pause = self._state.pause
        return pause if pause is not None and now < pause.until else None

    def active_alarms(self, now: float) -> list[Alarm]:
        """Every active alarm, highest priority first, newest first within a priority."""
        with self._lock:
            pause = self._live_pause(now)
            shown = [Alarm(a.alarm_id, a.label, a.category, a.priority, a.started_at,
                           a.message, dict(a.values),
                           None if a.restored or a.condition is Judgement.UNKNOWN
                           else a.condition is Judgement.PRESENT,
                           a.condition is Judgement.CLEAR, a.acknowledged,
                           self._sounds(a, pause), SIGNALS[a.priority])
                     for a in self._state.active.values()]
        return sorted(shown, key=_sort_key)

    def audio(self, now: float) -> AudioState:
        """The tone that should sound now (the most urgent audible alarm's) and the pause."""
        with self._lock:
            pause = self._live_pause(now)
            audible = [a.priority for a in self._state.active.values()
                       if self._sounds(a, pause)]
        tone = max(audible, key=lambda p: p.rank) if audible else None
        return AudioState(tone, SIGNALS[tone].tone if tone else None,
                          pause.until if pause else None,
                          pause.remaining_s(now) if pause else None)

    @property
    def events(self) -> list[AlarmEvent]:
        with self._lock:
            return list(self._events)

    # -- events and restore ---------------------------------------------------------------

    def _event(self, kind: AlarmEventKind, alarm: ActiveAlarm, now: float, *,
               by: str | None = None, previous: Priority | None = None) -> AlarmEvent:
        values = dict(alarm.values)
        values["latching"] = alarm.latching
        values["started_at"] = alarm.started_at
        return AlarmEvent(kind, now, alarm.alarm_id, alarm.label, alarm.priority,
                          alarm.category, alarm.message, values, by, previous)

    def _emit(self, event: AlarmEvent) -> AlarmEvent:
        self._events.append(event)
        if self._on_event is not None:
            self._on_event(event)
        return event

    def restore(self, events: Iterable[AlarmEvent], now: float) -> list[Alarm]:
        """Rebuild the alarms, limits, baselines and pause from a session's recorded events.

        Alarms active at a crash are active again, as *restored*: they stay until live
        data shows their condition clear or a person resets them. No event is emitted
        for what is restored (it is already on the record).
        """
        with self._lock:
            profile, baselines = replay(events, self._state, self._profile, now)
            for refid, value, at in baselines:
                self._physiological.set_baseline(refid, value, at)
            if profile is not self._profile:
                self._use_profile(profile, now)
        return self.active_alarms(now)

    def snapshot_profile(self) -> dict[str, Any]:
        """The profile in force, as JSON-ready data to store with the session."""
        with self._lock:
            return self._profile.as_record()

