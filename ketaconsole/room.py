"""The room: one builder for every bedside, whether a clinic room, the demo or headless ``record``.

:func:`build_room` takes the room's device specs (driver, port, settings) and makes
the one runtime that the window, the headless ``record`` command and the tests host:
devices and their links, the engine, the alarm system, the session model, the workflow
and, once a patient is checked in, the record. The demo is a room whose specs point at
simulators; nothing else differs.

Monitoring never depends on the record: when the database cannot be opened the devices
still run and the vitals still show, and ``record.problem`` says in one sentence why
nothing is being recorded. One console per station: a second console with the same
station name on the same record is refused (:class:`StationBusy`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from ketaconsole.alarm_loop import AlarmLoop
from ketaconsole.alarms import AlarmEvent, AlarmSystem, default_profile
from ketaconsole.bedside_security import BedsideSecurity
from ketaconsole.checkin import CheckIn
from ketaconsole.checks import BpReminder, CheckIntervals
from ketaconsole.course.eligibility import NotCleared, clearance
from ketaconsole.course.identity import PatientIdentityError, find_for_check_in, get_patient
from ketaconsole.course.measures import INSTRUMENTS
from ketaconsole.course.planning import PlanAdvice, plan_advice
from ketaconsole.device_spec import DeviceSpec
from ketaconsole.dose import DosePlan
from ketaconsole.engine import Engine
from ketaconsole.metric_sources import MetricSources, SourceDevice
from ketaconsole.overview.publisher import RoomPublisher
from ketaconsole.patient import Patient
from ketaconsole.registry import DriverRegistry, UnknownDriverError
from ketaconsole.sdk import DeviceKind, Driver
from ketaconsole.security.clinic_settings import madrs_in_use
from ketaconsole.session_model import SessionModel
from ketaconsole.store import (
    Database,
    DatabaseUnavailable,
    DeviceUse,
    SessionPlan,
    SessionService,
    open_database,
)
from ketaconsole.store.recorder import SYSTEM_AUTHOR
from ketaconsole.store.recovery import unfinished_session
from ketaconsole.store.review import timeline
from ketaconsole.store.service import station_name
from ketaconsole.store.station_lock import StationBusy, StationLock, lock_station
from ketaconsole.transport import DeviceLink, Direction
from ketaconsole.virtual_patient import VirtualPatient
from ketaconsole.workflow import SessionWorkflow, WorkflowError

log = logging.getLogger(__name__)

FaultListener = Callable[[str], None]

__all__ = ["DeviceSpec", "Room", "RoomOptions", "StationBusy", "build_room"]


@dataclass(frozen=True, slots=True)
class RoomOptions:
    """How this room runs: where, under which station name, what it checks."""

    place: str
    """Where the console runs, for the audit trail ("room 3", "demo", "record")."""
    station: str | None = None
    """The station's name (default: ``KETACONSOLE_STATION``, else the computer's name)."""
    check_pump_against_plan: bool = True
    simulated: bool = False
    notes: tuple[str, ...] = ()
    """How this room runs differently from a clinic room, for the header."""
    expected_patient: Patient | None = None
    """A patient to pre-fill the check-in with (the demo's)."""
    expected_plan: DosePlan | None = None
    """An order to pre-fill the dose plan with (the demo's story)."""
    demo_users: bool = False
    """Seed the demo's users (only ever in the demo's own database)."""
    pace: float = 1.0
    """Story seconds per wall second: above 1 only for simulated devices at --speed, so
    alarm sustain times, the dose-plan check and reminders keep up with the story."""


class Stoppable(Protocol):
    def stop(self, timeout: float = 2.0) -> None: ...


@dataclass(slots=True)
class RecordState:
    """Whether the record is being written, in one sentence when it is not."""

    problem: str | None = None
    waiting: bool = False
    """Nothing is recorded because no patient is checked in yet (not a fault)."""

    def wait(self, sentence: str) -> None:
        self.problem, self.waiting = sentence, True

    def fail(self, sentence: str | None) -> None:
        self.problem, self.waiting = sentence, False


class JournalRelay:
    """The links' journal hook, pointed at the record while a session is open."""

    def __init__(self) -> None:
        self.target: Callable[[str, Direction, float, bytes], None] | None = None

    def __call__(self, device_id: str, direction: Direction, at: float, data: bytes) -> None:
        target = self.target
        if target is not None:
            target(device_id, direction, at, data)


class RecordLink:
    """Joins the alarms and the record.

    Alarm events go to the session's timeline (held until the record opens); the
    record's faults become the banner line and the store-fault technical alarm.
    """

    def __init__(self, record: RecordState, clock: Callable[[], float],
                 on_record_fault: FaultListener | None = None, *, pace: float = 1.0) -> None:
        self.record = record
        self.clock = clock
        self._listener = on_record_fault
        self.service: SessionService | None = None
        self._pending: list[AlarmEvent] = []
        self.alarms = AlarmSystem(default_profile().at_pace(pace), on_event=self.alarm_event)

    def alarm_event(self, event: AlarmEvent) -> None:
        service = self.service
        if service is None:
            self._pending.append(event)
        else:
            service.recorder.post_event("alarm", event.as_record(),
                                        author=event.by or "alarm system", at=event.at)

    def fault(self, message: str) -> None:
        self.record.fail(message)
        self.alarms.report_store_fault(message, self.clock())
        if self._listener is not None:
            self._listener(message)

    def recovered(self, message: str) -> None:
        self.record.fail(None)
        self.alarms.clear_store_fault()
        log.info("record: %s", message)

    def opened(self, service: SessionService, database: Database, engine: Engine) -> None:
        """The record is open: record every observation, restore alarms, flush held events.

        Each device's link as it stands is the record's first word on that device.
        """
        for state in engine.links().values():
            service.recorder.observe(state)
        service.recorder.attach(engine)
        if service.resumed:
            restore_alarms(self.alarms, database, service.session_id, self.clock())
        self.service = service
        self.record.fail(None)
        pending, self._pending = self._pending, []
        for event in pending:
            self.alarm_event(event)

    def closed(self, waiting: str) -> None:
        self.service = None
        self.record.wait(waiting)


@dataclass(slots=True)
class RoomDevice:
    """A device running in the room: its spec, its driver and the link reading it."""

    spec: DeviceSpec
    driver: Driver
    link: DeviceLink
    settings: dict[str, Any]

    @property
    def kind(self) -> DeviceKind:
        return self.driver.info.kind

    @property
    def label(self) -> str:
        return self.spec.label or self.spec.device_id

    def use(self) -> DeviceUse:
        line = self.spec.line or self.driver.info.line
        return DeviceUse(self.spec.device_id, self.spec.slug, self.spec.port, self.settings,
                         line.as_record(), self.kind.value, tuple(sorted(self.spec.primary_for)))


class Room:
    """A bedside's devices, engine, alarms, session model, workflow and record."""

    def __init__(self, engine: Engine, options: RoomOptions, record_link: RecordLink,
                 devices: list[RoomDevice], journal: JournalRelay,
                 database: Database | None, station_lock: StationLock | None,
                 simulators: Sequence[Stoppable]) -> None:
        self.engine = engine
        self.options = options
        self.record = record_link.record
        self._record_link = record_link
        self.alarms = record_link.alarms
        self.database = database
        self.station = options.station or station_name()
        self._station_lock = station_lock
        self._simulators = list(simulators)
        self.devices = devices
        self.journal = journal
        self.model = SessionModel(engine, self.alarms, [d.spec.device_id for d in self.pumps],
                                  check_pump_against_plan=options.check_pump_against_plan,
                                  pace=options.pace)
        self.workflow = SessionWorkflow(self.model, clock=engine.clock,
                                        opener=self._open_checked_in, closer=self.close_session,
                                        advise=self.plan_advice)
        self.alarm_loop: AlarmLoop | None = None
        self.security: BedsideSecurity | None = None
        """The lock and guard; ``None`` when no record database is open."""
        self.notes = list(options.notes)
        self.virtual_patient: VirtualPatient | None = None
        """The patient the simulators follow (the demo's), for tests and screenshots."""
        self.status_publisher: Stoppable | None = None
        """Publishes the room's status for the clinic overview (with a record database)."""

    # -- what the screens read ------------------------------------------------------------

    @property
    def service(self) -> SessionService | None:
        return self.workflow.service

    @property
    def pumps(self) -> list[RoomDevice]:
        return [d for d in self.devices if d.kind is DeviceKind.PUMP]

    def waiting_sentence(self) -> str:
        """Why nothing is recorded before a check-in, and what an unfinished session needs."""
        if self.database is None:
            return self.record.problem or "not recording: the record database is not open"
        left = unfinished_session(self.database, self.station)
        if left is not None:
            session_id, name = left
            who = name or "an unnamed patient"
            return (f"not recording yet: session {session_id} of {who} was left unfinished; "
                    f"check {who} in to carry on with it (checking in anyone else closes "
                    "it as interrupted)")
        return f"not recording yet: check the patient in ({self.options.place})"

    # -- the session life cycle ------------------------------------------------------------

    def _open_checked_in(self, form: CheckIn) -> SessionService:
        """The window's check-in: the record the nurse picked or named, cleared, opened."""
        return self.open_cleared(form.patient_name, mrn=form.mrn or None,
                                 date_of_birth=form.date_of_birth or None,
                                 patient_id=form.patient_id, age_years=form.age_years,
                                 weight_kg=form.weight_kg)

    def open_cleared(self, name: str, *, mrn: str | None = None,
                     date_of_birth: str | None = None, patient_id: int | None = None,
                     age_years: int | None = None, weight_kg: float | None = None,
                     plan: DosePlan | None = None, author: str = "console") -> SessionService:
        """Find the patient's record, check their course is approved, open the session.

        The one check every session passes, in the window (check-in) and headless
        (``record``): the record is found (never made), the course has an approved,
        unexpired assessment, and a ``plan`` given now is within its dose range.
        Refusals are :class:`WorkflowError` with one sentence.
        """
        database = self.database
        if database is None:
            raise WorkflowError({"record": self.record.problem or "the database is not open"})
        try:
            person = get_patient(database, patient_id) if patient_id is not None \
                else find_for_check_in(database, name, mrn=mrn, date_of_birth=date_of_birth)
            course = clearance(database, person.patient_id, person.name, self.engine.clock())
        except (PatientIdentityError, NotCleared) as exc:
            raise WorkflowError({"eligibility": str(exc)}) from None
        if plan is not None:
            problem = course.dose_problem(plan.mg_per_kg)
            if problem:
                raise WorkflowError({"mg_per_kg": problem})
        patient = Patient(person.name, age_years, weight_kg or 0.0,
                          identifier=person.mrn or "")
        service = self.open_session(patient, patient_id=person.patient_id)
        service.record_event("course_clearance", course.clearance_record(person.mrn),
                             author=SYSTEM_AUTHOR)
        self.model.set_course(course)
        self.workflow.instruments = clinic_instruments(database)
        if plan is not None:
            service.record_event("dose_plan", plan.order_record(), author=author)
            self.model.set_plan(plan)
        return service

    def plan_advice(self) -> PlanAdvice | None:
        """The previous infusions and the proposed dose (``None`` outside an approved course)."""
        course, service = self.model.course, self.workflow.service
        if course is None or service is None or self.database is None:
            return None
        return plan_advice(self.database, course, service.session_id, self.workflow.measures)

    def open_session(self, patient: Patient, *, plan: DosePlan | None = None,
                     author: str = "console", patient_id: int | None = None) -> SessionService:
        """Open (or, for the same patient after a crash, resume) this station's session.

        With ``plan`` (headless ``record``), the order is recorded by ``author`` and the
        pump is checked against it, as after the nurse confirms a plan in the window.
        """
        database = self.database
        if database is None:
            raise WorkflowError({"record": self.record.problem or "the database is not open"})
        if self.workflow.service is not None:
            raise WorkflowError({"record": f"Session {self.workflow.service.session_id} is "
                                           "still open; end it before the next patient."})
        service = SessionService.begin(
            database, SessionPlan(patient_name=patient.name,
                                  weight_kg=patient.weight_kg or None,
                                  dose_plan=plan.as_record() if plan is not None else None,
                                  patient_id=patient_id),
            [d.use() for d in self.devices], station=self.station,
            on_fault=self._record_link.fault, on_recovered=self._record_link.recovered)
        self.journal.target = service.recorder.journal
        self._record_link.opened(service, database, self.engine)
        self.workflow.service = service
        self.model.open(service.session_id, patient)
        if plan is not None:
            service.record_event("dose_plan", plan.order_record(), author=author)
            self.model.set_plan(plan)
        return service

    def close_session(self, author: str, reason: str = "") -> bool:
        """End the open session; the room is then ready for the next patient."""
        service = self.workflow.service
        if service is None:
            return True
        self.journal.target = None
        written = service.close(author=author, reason=reason)
        self._record_link.closed(self.waiting_sentence() if self.database else "")
        self.model.close()
        return written

    def stop(self, *, end_session: str | None = None) -> bool:
        """Stop the room; with ``end_session`` (the author), close the session first.

        Without it an open session stays unfinished, to be resumed by this station for
        the same patient. Returns whether the record was written in full.
        """
        written = True
        if self.status_publisher is not None:
            self.status_publisher.stop()
        if self.alarm_loop is not None:
            self.alarm_loop.stop()
        service = self.workflow.service
        if end_session is not None and service is not None:
            written = self.close_session(end_session, "recording stopped")
        elif service is not None:
            self.journal.target = None
            written = service.recorder.close()
        for device in self.devices:
            device.link.stop()
        for simulator in self._simulators:
            simulator.stop()
        if self._station_lock is not None:
            self._station_lock.release()
        if self.database is not None:
            self.database.dispose()
        return written


def _devices(specs: Sequence[DeviceSpec], registry: DriverRegistry, engine: Engine,
             journal: JournalRelay, record: RecordState) -> list[RoomDevice]:
    devices: list[RoomDevice] = []
    for spec in specs:
        try:
            driver = registry.get(spec.slug)
        except UnknownDriverError as exc:
            record.problem = f"device {spec.label or spec.device_id}: {exc}"
            continue
        settings = driver.info.resolve_settings({})
        settings.update(spec.settings)
        link = DeviceLink(driver, spec.device_id, spec.port, settings, engine.ingest,
                          line=spec.line, journal=journal)
        devices.append(RoomDevice(spec, driver, link, settings))
    return devices


def clinic_instruments(database: Database) -> tuple[str, ...]:
    """The rating scales the clinic asks before an infusion (MADRS only where it is used)."""
    use_madrs = madrs_in_use(database)
    return tuple(key for key in INSTRUMENTS if key != "MADRS" or use_madrs)


def build_room(specs: Sequence[DeviceSpec], *, registry: DriverRegistry,
               database_url: str | None, options: RoomOptions,
               on_record_fault: FaultListener | None = None,
               simulators: Sequence[Stoppable] = (),
               engine: Engine | None = None) -> Room:
    """The one way to make a bedside: devices start at once, the record at check-in.

    Raises :class:`StationBusy` (after stopping ``simulators``) if another console runs
    as this station on the same record.
    """
    engine = engine or Engine()
    record = RecordState()
    database: Database | None = None
    station_lock: StationLock | None = None
    if database_url is not None:
        try:
            database = open_database(database_url)
        except DatabaseUnavailable as exc:
            record.problem = f"not recording: {exc}"
    else:
        record.problem = "not recording: no record database was given"
    if database is not None:
        try:
            station_lock = lock_station(database, options.station or station_name())
        except StationBusy:
            database.dispose()
            for simulator in simulators:
                simulator.stop()
            raise
    link = RecordLink(record, engine.clock, on_record_fault, pace=options.pace)
    journal = JournalRelay()
    devices = _devices(specs, registry, engine, journal, record)
    sources = MetricSources([SourceDevice(d.spec.device_id, d.label, d.kind, d.spec.primary_for)
                             for d in devices])
    engine.sources = sources
    link.alarms.use_sources(sources)
    room = Room(engine, options, link, devices, journal, database, station_lock, simulators)
    room.alarms.attach(engine)
    if database is not None:
        left_open = unfinished_session(database, room.station) is not None
        if not specs and not left_open:
            record.problem = (f"no devices set up for {options.place}: add them in Devices, "
                              "then restart the console")
        elif record.problem is None or left_open:
            record.wait(room.waiting_sentence())
        room.security = BedsideSecurity(database, place=options.place)
        if options.demo_users:
            room.security.seed_demo_users()
    reminder = BpReminder(room.alarms, engine, room.model,
                          CheckIntervals().at_pace(options.pace))
    room.alarm_loop = AlarmLoop(room.alarms, clock=engine.clock, before=reminder).start()
    if database is not None:
        room.status_publisher = RoomPublisher(room, database.url).start()
    for device in room.devices:
        device.link.start()
    return room


def restore_alarms(alarms: AlarmSystem, database: Database, session_id: int,
                   now: float) -> None:
    """Alarms active when the console stopped are active again (from the recorded events)."""
    events = [AlarmEvent.from_record(e.payload) for e in timeline(database, session_id)
              if e.kind == "alarm"]
    alarms.restore(events, now)
