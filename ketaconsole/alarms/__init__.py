"""The alarm system: limits, conditions, technical alarms, the IEC 60601-1-8 state machine.

No Qt here: the UI renders :meth:`AlarmSystem.active_alarms` and plays the tone named
by :meth:`AlarmSystem.audio`; the store records every :class:`AlarmEvent`.
"""

from ketaconsole.alarms.conditions import Condition, Judgement, PhysiologicalEvaluator
from ketaconsole.alarms.events import AlarmEvent, AlarmEventKind, EventSink
from ketaconsole.alarms.limits import (
    AlarmRule,
    Limit,
    LimitProfile,
    Phase,
    ProfileError,
    TechnicalSettings,
    profile_from_record,
)
from ketaconsole.alarms.priority import SIGNALS, AlarmSignal, Category, Priority, signal
from ketaconsole.alarms.profile_file import (
    DEFAULT_PROFILE,
    default_profile,
    load_profile,
    profile_from_json,
    profile_to_json,
    save_profile,
)
from ketaconsole.alarms.state import AudioPause
from ketaconsole.alarms.system import (
    Alarm,
    AlarmActionError,
    AlarmSystem,
    AudioState,
)
from ketaconsole.alarms.technical import DoseWatch, TechnicalMonitor

__all__ = [
    "DEFAULT_PROFILE",
    "SIGNALS",
    "Alarm",
    "AlarmActionError",
    "AlarmEvent",
    "AlarmEventKind",
    "AlarmRule",
    "AlarmSignal",
    "AlarmSystem",
    "AudioPause",
    "AudioState",
    "Category",
    "Condition",
    "DoseWatch",
    "EventSink",
    "Judgement",
    "Limit",
    "LimitProfile",
    "Phase",
    "PhysiologicalEvaluator",
    "Priority",
    "ProfileError",
    "TechnicalMonitor",
    "TechnicalSettings",
    "default_profile",
    "load_profile",
    "profile_from_json",
    "profile_from_record",
    "profile_to_json",
    "save_profile",
    "signal",
]
