"""A room's live status as the overview sees it: small, typed, and read from the room's owners.

:func:`room_status` takes one look at a running room (engine, alarm system, session
model) and makes a :class:`RoomStatus`; ``as_record``/``from_record`` turn it into the
JSON that goes into the status table and the NOTIFY payload (a few hundred bytes).
Nothing here is computed anew: the phase is the nurse's, mg delivered the pump
ledger's, the BP check the one the timeline panel shows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from ketaconsole.alarms import Alarm, Category, Priority
from ketaconsole.alarms.priority import SIGNALS
from ketaconsole.catalogue import (
    ETCO2,
    HEART_RATE,
    NIBP_DIA,
    NIBP_MEAN,
    NIBP_SYS,
    PULSE_RATE,
    RESP_RATE,
    SPO2,
)
from ketaconsole.session.checks import bp_check

if TYPE_CHECKING:
    from ketaconsole.alarms import AlarmSystem
    from ketaconsole.live.engine import Engine
    from ketaconsole.session.model import SessionModel


class _Place(Protocol):
    @property
    def place(self) -> str: ...


class _RecordProblem(Protocol):
    @property
    def problem(self) -> str | None: ...


class PublishedRoom(Protocol):
    """What the overview reads of a room: the interface a bedside publishes through, so the
    overview needs no room module (the room imports the publisher, never the reverse)."""

    @property
    def station(self) -> str: ...
    @property
    def options(self) -> _Place: ...
    @property
    def model(self) -> SessionModel: ...
    @property
    def engine(self) -> Engine: ...
    @property
    def alarms(self) -> AlarmSystem: ...
    @property
    def record(self) -> _RecordProblem: ...

STATUS_VERSION = 1
SHOWN_METRICS = (HEART_RATE.refid, PULSE_RATE.refid, SPO2.refid, NIBP_SYS.refid,
                 NIBP_DIA.refid, NIBP_MEAN.refid, RESP_RATE.refid, ETCO2.refid)
"""The big numbers of a room card, by IEEE 11073 refid."""
MOST_ALARMS = 8
"""Alarms carried in one status (the most urgent first); the count says how many more."""


def initials(name: str | None) -> str:
    """``"Ann Example"`` -> ``"A.E."``: enough to tell patients apart at the desk."""
    if not name:
        return ""
    return "".join(f"{word[0].upper()}." for word in name.split() if word[:1].isalpha())


@dataclass(frozen=True, slots=True)
class VitalNow:
    """A metric's newest value and its age when the status was made."""

    value: float | None
    age_s: float


@dataclass(frozen=True, slots=True)
class AlarmNow:
    """An active alarm of the room, as its alarm bar shows it."""

    alarm_id: str
    priority: Priority
    technical: bool
    message: str
    started_at: float
    acknowledged: bool
    audible: bool
    latched: bool = False

    @property
    def marks(self) -> str:
        return SIGNALS[self.priority].marks

    def as_alarm(self) -> Alarm:
        """The same alarm as the alarm system's type, for the UI's alarm drawing."""
        return Alarm(self.alarm_id, self.message, Category.TECHNICAL if self.technical
                     else Category.PHYSIOLOGICAL, self.priority, self.started_at,
                     self.message, {}, True, self.latched, self.acknowledged, self.audible,
                     SIGNALS[self.priority])


@dataclass(frozen=True, slots=True)
class PumpNow:
    """The infusion by the pump ledger against the plan."""

    rate_ml_h: float | None
    rate_mg_h: float | None
    delivered_mg: float | None
    planned_mg: float | None
    state: str | None


@dataclass(frozen=True, slots=True)
class RoomStatus:
    """What a room publishes once a second."""

    station: str
    place: str
    seq: int
    published_at: float
    session_id: int | None = None
    initials: str = ""
    phase: str = ""
    infusion_started_at: float | None = None
    vitals: dict[str, VitalNow] = field(default_factory=dict)
    alarms: tuple[AlarmNow, ...] = ()
    more_alarms: int = 0
    audio_paused_s: float | None = None
    pump: PumpNow | None = None
    links: dict[str, str] = field(default_factory=dict)
    bp_due: str = ""
    bp_overdue: bool = False
    record_problem: str | None = None
    closed: bool = False
    """The console was closed on purpose: its silence from now on is no fault."""

    @property
    def top_alarm(self) -> AlarmNow | None:
        return self.alarms[0] if self.alarms else None

    def vital(self, refid: str) -> float | None:
        found = self.vitals.get(refid)
        return None if found is None else found.value

    def as_record(self) -> dict[str, Any]:
        pump = self.pump
        return {
            "v": STATUS_VERSION, "station": self.station, "place": self.place,
            "seq": self.seq, "at": round(self.published_at, 3), "session": self.session_id,
            "initials": self.initials, "phase": self.phase,
            "infusion_started_at": self.infusion_started_at,
            "vitals": {k: [v.value, round(v.age_s, 1)] for k, v in self.vitals.items()},
            "alarms": [{"id": a.alarm_id, "priority": a.priority.value,
                        "technical": a.technical, "message": a.message,
                        "started_at": round(a.started_at, 3), "ack": a.acknowledged,
                        "audible": a.audible, "latched": a.latched} for a in self.alarms],
            "more_alarms": self.more_alarms, "audio_paused_s": self.audio_paused_s,
            "pump": None if pump is None else {
                "rate_ml_h": pump.rate_ml_h, "rate_mg_h": pump.rate_mg_h,
                "delivered_mg": pump.delivered_mg, "planned_mg": pump.planned_mg,
                "state": pump.state},
            "links": dict(self.links), "bp_due": self.bp_due, "bp_overdue": self.bp_overdue,
            "record_problem": self.record_problem, "closed": self.closed,
        }

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> RoomStatus:
        """Read a published status; raises ``ValueError`` for one this version cannot read."""
        if record.get("v") != STATUS_VERSION:
            raise ValueError(f"room status version {record.get('v')!r} is not "
                             f"{STATUS_VERSION}; update this console")
        pump = record.get("pump")
        return cls(
            station=str(record["station"]), place=str(record.get("place", "")),
            seq=int(record["seq"]), published_at=float(record["at"]),
            session_id=record.get("session"), initials=str(record.get("initials", "")),
            phase=str(record.get("phase", "")),
            infusion_started_at=record.get("infusion_started_at"),
            vitals={k: VitalNow(v[0], float(v[1]))
                    for k, v in (record.get("vitals") or {}).items()},
            alarms=tuple(AlarmNow(a["id"], Priority(a["priority"]), bool(a["technical"]),
                                  str(a["message"]), float(a["started_at"]), bool(a["ack"]),
                                  bool(a["audible"]), bool(a.get("latched", False)))
                         for a in record.get("alarms") or ()),
            more_alarms=int(record.get("more_alarms", 0)),
            audio_paused_s=record.get("audio_paused_s"),
            pump=None if pump is None else PumpNow(
                pump.get("rate_ml_h"), pump.get("rate_mg_h"), pump.get("delivered_mg"),
                pump.get("planned_mg"), pump.get("state")),
            links={str(k): str(v) for k, v in (record.get("links") or {}).items()},
            bp_due=str(record.get("bp_due", "")), bp_overdue=bool(record.get("bp_overdue")),
            record_problem=record.get("record_problem"),
            closed=bool(record.get("closed", False)),
        )


def _rounded(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


def _pump(room: PublishedRoom, now: float) -> PumpNow | None:
    model = room.model
    channel = model.pump_channel
    ledger = room.engine.pump(channel) if channel else None
    if ledger is None:
        return None
    dose = model.delivered(now)
    plan = model.plan
    state = model.pump_state()
    return PumpNow(_rounded(ledger.rate_ml_h), _rounded(dose.rate_mg_h) if dose else None,
                   _rounded(dose.delivered_mg, 2) if dose else None,
                   _rounded(plan.dose_mg, 2) if plan else None,
                   state.value if state else None)


def room_status(room: PublishedRoom, seq: int, now: float) -> RoomStatus:
    """The room as it stands at ``now``; safe to call from any thread."""
    model = room.model
    vitals: dict[str, VitalNow] = {}
    for refid in SHOWN_METRICS:
        latest = room.engine.latest(refid)
        if latest is not None:
            vitals[refid] = VitalNow(_rounded(latest.value), latest.age(now))
    active = room.alarms.active_alarms(now)
    alarms = tuple(AlarmNow(a.alarm_id, a.priority, a.category is not Category.PHYSIOLOGICAL,
                            a.message, a.started_at, a.acknowledged, a.audible, a.latched)
                   for a in active[:MOST_ALARMS])
    audio = room.alarms.audio(now)
    phase_now = model.now()
    bp = room.engine.latest(NIBP_SYS.refid)
    due = bp_check(phase_now.phase, None if bp is None else bp.received_at, now)
    patient = model.patient
    return RoomStatus(
        station=room.station, place=room.options.place, seq=seq, published_at=now,
        session_id=model.session_id, initials=initials(patient.name if patient else None),
        phase=phase_now.phase.value if model.session_id is not None else "",
        infusion_started_at=phase_now.infusion_started_at, vitals=vitals, alarms=alarms,
        more_alarms=max(0, len(active) - MOST_ALARMS),
        audio_paused_s=_rounded(audio.paused_remaining_s),
        pump=_pump(room, now),
        links={device: state.status.value for device, state in room.engine.links().items()},
        bp_due=due.text if model.session_id is not None else "", bp_overdue=due.overdue,
        record_problem=room.record.problem)
