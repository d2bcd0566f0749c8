"""The session service: starting, resuming and closing a session, and recording its events.

It is what the UI and the headless ``record`` command use. A new session gets a
patient row, the alarm limits in force and the devices used; a session this console
left open (a crash, a power cut) is reopened with a ``gap`` event that spans the
outage. Clinical events are typed timeline events, committed before
:meth:`SessionService.record` returns.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from ketaconsole.names import Field, check_text
from ketaconsole.session.events import (
    Corrected,
    DevicesChanged,
    Entry,
    Gap,
    PhaseChanged,
    Retracted,
    SessionEnded,
    SessionStarted,
)
from ketaconsole.station import station_name
from ketaconsole.store.database import Database
from ketaconsole.store.models import ClinicSession, Patient
from ketaconsole.store.record_fields import seal_patient_change
from ketaconsole.store.recorder import SYSTEM_AUTHOR, Recorder
from ketaconsole.store.recovery import last_committed_write, unfinished_session
from ketaconsole.store.timeline import StoredEvent


@dataclass(frozen=True, slots=True)
class DeviceUse:
    """A device used in a session: its id on the timeline, driver, port and settings."""

    device_id: str
    slug: str
    port: str
    settings: dict[str, Any]
    line: dict[str, Any]
    kind: str | None = None
    """What the device is (oximeter, monitor, pump, capnograph), as its driver says."""
    primary_for: tuple[str, ...] = ()
    """Metrics the room's profile makes this device the primary source of."""

    def as_record(self) -> dict[str, Any]:
        record = {"device_id": self.device_id, "slug": self.slug, "port": self.port,
                  "settings": self.settings, "line": self.line}
        if self.kind is not None:
            record["kind"] = self.kind
        if self.primary_for:
            record["primary_for"] = list(self.primary_for)
        return record


@dataclass(frozen=True, slots=True)
class SessionPlan:
    """What a new session starts with."""

    patient_name: str
    weight_kg: float | None = None
    phase: str = "Pre-infusion"
    alarm_limits: dict[str, Any] | None = None
    patient_id: int | None = None
    """The patient's existing record; ``None`` registers a new one."""


class UnknownSessionError(LookupError):
    """A session number that is not in the record."""


class SessionService:
    """One session's record, open for writing."""

    def __init__(self, database: Database, recorder: Recorder, *, resumed: bool,
                 clock: Callable[[], float] = time.time) -> None:
        self.database = database
        self.recorder = recorder
        self.resumed = resumed
        self.clock = clock

    @property
    def session_id(self) -> int:
        return self.recorder.session_id

    @classmethod
    def begin(cls, database: Database, plan: SessionPlan, devices: list[DeviceUse], *,
              station: str | None = None, clock: Callable[[], float] = time.time,
              **recorder_options: Any) -> SessionService:
        """Open a session for ``plan``'s patient at this station.

        The station's unfinished session (a crash, a power cut) is resumed only for the
        same patient; for anyone else it is first closed as interrupted, with the gap
        on its timeline, and a new session is opened. ``session_start`` is committed
        before this returns.
        """
        station = station or station_name()
        check_text(plan.patient_name, Field.PATIENT_NAME)
        unfinished = unfinished_session(database, station)
        if unfinished is not None:
            session_id, patient_name = unfinished
            if same_patient(patient_name, plan.patient_name):
                return cls._resume(database, session_id, devices, clock, recorder_options)
            close_interrupted(database, session_id, clock(),
                              reason=f"the next patient was checked in at station {station} "
                                     "before this session was ended")
        now = clock()
        with database.sessions() as session, session.begin():
            patient = session.get(Patient, plan.patient_id) if plan.patient_id else None
            if patient is None:
                patient = Patient(name=plan.patient_name, weight_kg=plan.weight_kg,
                                  created_at=now)
                session.add(patient)
            elif plan.weight_kg:
                patient.weight_kg = plan.weight_kg
            session.flush()
            row = ClinicSession(patient_id=patient.id, station=station, phase=plan.phase,
                                started_at=now, weight_kg=plan.weight_kg,
                                alarm_limits=plan.alarm_limits or {},
                                devices=[d.as_record() for d in devices])
            session.add(row)
            session.flush()
            session_id = row.id
            seal_patient_change(database, session, patient.id, now,
                                {"patient_weight_kg": plan.weight_kg} if plan.weight_kg else {})
        recorder = Recorder(database, session_id, clock=clock, **recorder_options).start()
        service = cls(database, recorder, resumed=False, clock=clock)
        service.record(SessionStarted(plan.patient_name, plan.weight_kg, plan.phase, station,
                                      [d.as_record() for d in devices]),
                       author=SYSTEM_AUTHOR, at=now)
        return service

    @classmethod
    def _resume(cls, database: Database, session_id: int, devices: list[DeviceUse],
                clock: Callable[[], float], options: dict[str, Any]) -> SessionService:
        outage_start = last_committed_write(database, session_id)
        with database.sessions() as session:
            row = session.get(ClinicSession, session_id)
            assert row is not None
            known = {d["device_id"]: d for d in row.devices}
        recorder = Recorder(database, session_id, clock=clock, **options).start()
        service = cls(database, recorder, resumed=True, clock=clock)
        now = clock()
        service.post(_gap(outage_start, now), at=now)
        changed = [d.as_record() for d in devices if known.get(d.device_id) != d.as_record()]
        if changed:
            merged = dict(known)
            merged.update({d["device_id"]: d for d in changed})
            recorder.update_session(devices=list(merged.values()))
            service.post(DevicesChanged(changed), at=now)
        return service

    def record(self, entry: Entry, *, author: str, at: float | None = None,
               corrects: int | None = None, timeout: float = 10.0) -> StoredEvent:
        """Commit one typed timeline event (checked when it was made) and return it stored.

        The one way a session's facts reach its record: each is a typed event of
        :mod:`ketaconsole.session.events`, never a kind and a loose dictionary.
        """
        if not author.strip():
            raise ValueError("an event needs an author")
        return self.recorder.record_event(entry.kind, entry.payload(), author=author, at=at,
                                          corrects=corrects, timeout=timeout)

    def post(self, entry: Entry, *, author: str = SYSTEM_AUTHOR,
             at: float | None = None) -> None:
        """Queue one typed event without waiting for it (a thread that must not block)."""
        self.recorder.post_event(entry.kind, entry.payload(), author=author, at=at)

    def correct(self, seq: int, payload: dict[str, Any], *, author: str,
                reason: str) -> StoredEvent:
        """A correction of event ``seq``: a new event that points at it."""
        return self.record(Corrected(reason, payload), author=author, corrects=seq)

    def retract(self, seq: int, *, author: str, reason: str) -> StoredEvent:
        """Withdraw event ``seq`` (entered in error): a new event that points at it."""
        return self.record(Retracted(reason), author=author, corrects=seq)

    def set_phase(self, phase: str, *, author: str) -> StoredEvent:
        self.recorder.update_session(phase=phase)
        return self.record(PhaseChanged(phase), author=author)

    def note_phase(self, phase: str, *, author: str, at: float) -> None:
        """The phase moved without a person (headless, by the pump): queued, never waited
        for, so the device thread that saw it is not held up."""
        self.recorder.update_session(phase=phase)
        self.post(PhaseChanged(phase), author=author, at=at)

    def close(self, *, author: str = "console", reason: str = "",
              timeout: float = 10.0) -> bool:
        """End the session: a ``session_end`` event, the end time, everything written."""
        now = self.clock()
        self.post(SessionEnded(reason), author=author, at=now)
        self.recorder.update_session(ended_at=now)
        return self.recorder.close(timeout)


def _gap(outage_start: float | None, now: float) -> Gap:
    return Gap(outage_start, now, "the console stopped without closing the session",
               seconds=round(now - outage_start, 3) if outage_start else None)


def same_patient(recorded: str | None, checked_in: str) -> bool:
    """Whether a check-in names the patient an unfinished session was recording."""
    def normal(name: str) -> str:
        return " ".join(name.split()).casefold()

    return recorded is not None and normal(recorded) == normal(checked_in)


def close_interrupted(database: Database, session_id: int, now: float, *,
                      reason: str) -> None:
    """Close a session its console left unfinished: the gap, then its end, both committed."""
    outage_start = last_committed_write(database, session_id)
    recorder = Recorder(database, session_id, flush_interval_s=0.05).start()
    try:
        for entry in (_gap(outage_start, now), SessionEnded(reason, interrupted=True)):
            recorder.record_event(entry.kind, entry.payload(), author=SYSTEM_AUTHOR, at=now)
        recorder.update_session(ended_at=now)
    finally:
        recorder.close()


def session_exists(database: Database, session_id: int) -> bool:
    with database.sessions() as session:
        return session.execute(select(ClinicSession.id)
                               .where(ClinicSession.id == session_id)).first() is not None


def append_event(database: Database, session_id: int, entry: Entry, *,
                 author: str, timeout: float = 10.0) -> StoredEvent:
    """Commit one event to any session's timeline, open or closed (an export, a review).

    The event is chained after the session's last event and committed before this
    returns. A console still recording the session re-reads the chain's end when its
    next write meets this event, so both keep one unbroken chain.
    """
    if not author.strip():
        raise ValueError("an event needs an author")
    if not session_exists(database, session_id):
        raise UnknownSessionError(
            f"there is no session {session_id} in this record; "
            "'ketaconsole sessions' lists the sessions there are")
    recorder = Recorder(database, session_id, flush_interval_s=0.05).start()
    try:
        return recorder.record_event(entry.kind, entry.payload(), author=author,
                                     timeout=timeout)
    finally:
        recorder.close(timeout)
