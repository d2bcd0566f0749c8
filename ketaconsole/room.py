"""The room: one builder for every bedside, whether a clinic room, the demo or headless ``record``.

A room is made in four steps:

1. :func:`new_room`: the engine, the alarm system and its loop, the session model and
   the workflow; the alarms run from here on;
2. :meth:`Room.add_devices`: the devices and their links, which start reading at once;
3. :func:`~ketaconsole.room_record.open_record`: the record database (migrated), the
   station's lock and the bedside's security; the slow step, safe on any thread, and
   touching nothing of the room, so it may come before step 2 or alongside it;
4. :meth:`Room.attach_record`: the record joins the room; check-in can open a session.

:func:`build_room` runs steps 1, 3, 2 and 4 in turn (a station that is refused starts
no device). The console window paints the live monitor after step 1 and runs the others
after its first paint, step 3 off the GUI thread while the devices already read. Nothing
is lost meanwhile: nothing is recorded before a session opens at check-in, and check-in
needs step 4.

Monitoring never depends on the record: when the database cannot be opened the devices
still run and the vitals still show, and ``record.problem`` says in one sentence why
nothing is being recorded. One console per station: a second console with the same
station name on the same record is refused (:class:`StationBusy`).

The record's modules (SQLAlchemy, the store, the course) are imported by the methods
that need them, so that step 1 costs no more than the monitor it drives.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from ketaconsole.alarm_loop import AlarmLoop
from ketaconsole.alarms import AlarmEvent, AlarmSystem, default_profile
from ketaconsole.checks import BpReminder, CheckIntervals
from ketaconsole.device_spec import DeviceSpec
from ketaconsole.dose import DosePlan
from ketaconsole.engine import Engine
from ketaconsole.metric_sources import MetricSources, SourceDevice
from ketaconsole.patient import Patient
from ketaconsole.session_model import SessionModel
from ketaconsole.station import StationBusy, station_name
from ketaconsole.workflow import SessionWorkflow, WorkflowError

if TYPE_CHECKING:
    from ketaconsole.bedside_security import BedsideSecurity
    from ketaconsole.checkin import CheckIn
    from ketaconsole.course.planning import PlanAdvice
    from ketaconsole.registry import DriverRegistry
    from ketaconsole.room_record import RoomRecord
    from ketaconsole.sdk import DeviceKind, Driver
    from ketaconsole.store import Database, DeviceUse, SessionService
    from ketaconsole.store.station_lock import StationLock
    from ketaconsole.transport import DeviceLink, Direction
    from ketaconsole.virtual_patient import VirtualPatient

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
    def is_pump(self) -> bool:
        from ketaconsole.sdk import DeviceKind

        return self.kind is DeviceKind.PUMP

    @property
    def label(self) -> str:
        return self.spec.label or self.spec.device_id

    def use(self) -> DeviceUse:
        from ketaconsole.store import DeviceUse

        line = self.spec.line or self.driver.info.line
        return DeviceUse(self.spec.device_id, self.spec.slug, self.spec.port, self.settings,
                         line.as_record(), self.kind.value, tuple(sorted(self.spec.primary_for)))


OPENING = "not recording yet: opening the record"


class Room:
    """A bedside's devices, engine, alarms, session model, workflow and record."""

    def __init__(self, engine: Engine, options: RoomOptions, record_link: RecordLink) -> None:
        self.engine = engine
        self.options = options
        self.record = record_link.record
        self._record_link = record_link
        self.alarms = record_link.alarms
        self.database: Database | None = None
        self.station = options.station or station_name()
        self._station_lock: StationLock | None = None
        self._simulators: list[Stoppable] = []
        self.specs: list[DeviceSpec] = []
        """Every device set up for the room (a device whose driver is missing included)."""
        self.devices: list[RoomDevice] = []
        self.journal = JournalRelay()
        self.model = SessionModel(engine, self.alarms, [],
                                  check_pump_against_plan=options.check_pump_against_plan,
                                  pace=options.pace)
        self.workflow = SessionWorkflow(self.model, clock=engine.clock,
                                        opener=self._open_checked_in, closer=self.close_session,
                                        advise=self.plan_advice)
        self.alarm_loop: AlarmLoop | None = None
        self.security: BedsideSecurity | None = None
        """The lock and guard; ``None`` when no record database is open."""
        self.devices_joined = False
        """Whether :meth:`add_devices` has run (the devices, if any, are reading)."""
        self.record_opened = False
        """Whether :meth:`attach_record` has run (the record is open, or known not to be)."""
        self.stopped = False
        self.notes = list(options.notes)
        self.virtual_patient: VirtualPatient | None = None
        """The patient the simulators follow (the demo's), for tests and screenshots."""
        self.status_publisher: Stoppable | None = None
        """Publishes the room's status for the clinic overview (with a record database)."""
        self._device_problem: str | None = None

    # -- what the screens read ------------------------------------------------------------

    @property
    def service(self) -> SessionService | None:
        return self.workflow.service

    @property
    def pumps(self) -> list[RoomDevice]:
        return [d for d in self.devices if d.is_pump]

    def waiting_sentence(self) -> str:
        """Why nothing is recorded before a check-in, and what an unfinished session needs."""
        if self.database is None:
            return self.record.problem or "not recording: the record database is not open"
        from ketaconsole.store.recovery import unfinished_session

        left = unfinished_session(self.database, self.station, quiet=True)
        if left is not None:
            session_id, name = left
            who = name or "an unnamed patient"
            return (f"not recording yet: session {session_id} of {who} was left unfinished; "
                    f"check {who} in to carry on with it (checking in anyone else closes "
                    "it as interrupted)")
        return f"not recording yet: check the patient in ({self.options.place})"

    # -- the steps that make the room -----------------------------------------------------

    def add_devices(self, specs: Sequence[DeviceSpec], registry: DriverRegistry,
                    simulators: Sequence[Stoppable] = ()) -> None:
        """The room's devices join it and their links start reading (step 2).

        The first pump's telemetry becomes the infusion the session model follows.
        """
        from ketaconsole.registry import UnknownDriverError
        from ketaconsole.transport import DeviceLink

        self._simulators.extend(simulators)
        self.specs.extend(specs)
        joined: list[RoomDevice] = []
        for spec in specs:
            try:
                driver = registry.get(spec.slug)
            except UnknownDriverError as exc:
                self._device_problem = f"device {spec.label or spec.device_id}: {exc}"
                self.record.problem = self._device_problem
                continue
            settings = driver.info.resolve_settings({})
            settings.update(spec.settings)
            link = DeviceLink(driver, spec.device_id, spec.port, settings, self.engine.ingest,
                              line=spec.line, journal=self.journal)
            joined.append(RoomDevice(spec, driver, link, settings))
        self.devices.extend(joined)
        self.devices_joined = True
        sources = MetricSources([SourceDevice(d.spec.device_id, d.label, d.kind,
                                              d.spec.primary_for) for d in self.devices])
        self.engine.sources = sources  # each metric's primary device, for tiles and alarms
        self.alarms.use_sources(sources)
        pumps = self.pumps
        if pumps and self.model.pump_id is None:
            self.model.follow_pump(pumps[0].spec.device_id)
        for device in joined:
            device.link.start()

    def attach_record(self, opened: RoomRecord) -> None:
        """The record, open or known not to open, joins the room (step 4).

        A room already stopped (its window closed while the record opened) closes it.
        """
        if self.stopped:
            opened.close()
            return
        self.database = opened.database
        self._station_lock = opened.station_lock
        self.security = opened.security
        record = self.record
        record.fail(self._device_problem or opened.problem)
        database = opened.database
        if database is not None:
            from ketaconsole.overview.publisher import RoomPublisher
            from ketaconsole.store.recovery import unfinished_session

            left_open = unfinished_session(database, self.station) is not None
            if not self.specs and not left_open:
                record.fail(f"no devices set up for {self.options.place}: add them in "
                            "Devices, then restart the console")
            elif record.problem is None or left_open:
                record.wait(self.waiting_sentence())
            self.status_publisher = RoomPublisher(self, database.url).start()
        self.record_opened = True

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
        from ketaconsole.course.eligibility import NotCleared, clearance
        from ketaconsole.course.identity import (
            PatientIdentityError,
            find_for_check_in,
            get_patient,
        )
        from ketaconsole.store.recorder import SYSTEM_AUTHOR

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
        from ketaconsole.course.planning import plan_advice

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
        from ketaconsole.store import SessionPlan, SessionService

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
        self.stopped = True
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


def new_room(options: RoomOptions, *, on_record_fault: FaultListener | None = None,
             engine: Engine | None = None) -> Room:
    """A room without devices or record yet, its alarms already running (step 1)."""
    engine = engine or Engine()
    record = RecordState()
    record.wait(OPENING)
    room = Room(engine, options, RecordLink(record, engine.clock, on_record_fault,
                                            pace=options.pace))
    room.alarms.attach(engine)
    reminder = BpReminder(room.alarms, engine, room.model,
                          CheckIntervals().at_pace(options.pace))
    room.alarm_loop = AlarmLoop(room.alarms, clock=engine.clock, before=reminder).start()
    return room


def clinic_instruments(database: Database) -> tuple[str, ...]:
    """The rating scales the clinic asks before an infusion (MADRS only where it is used)."""
    from ketaconsole.course.measures import INSTRUMENTS
    from ketaconsole.security.clinic_settings import madrs_in_use

    use_madrs = madrs_in_use(database)
    return tuple(key for key in INSTRUMENTS if key != "MADRS" or use_madrs)


def build_room(specs: Sequence[DeviceSpec], *, registry: DriverRegistry,
               database_url: str | None, options: RoomOptions,
               on_record_fault: FaultListener | None = None,
               simulators: Sequence[Stoppable] = (),
               engine: Engine | None = None) -> Room:
    """The one way to make a bedside, its steps in turn: the record, then the devices.

    Raises :class:`StationBusy` (after stopping the room and ``simulators``) if another
    console runs as this station on the same record.
    """
    from ketaconsole.room_record import open_record

    room = new_room(options, on_record_fault=on_record_fault, engine=engine)
    try:
        opened = open_record(database_url, station=room.station, place=options.place,
                             demo_users=options.demo_users)
    except StationBusy:
        room.stop()
        for simulator in simulators:
            simulator.stop()
        raise
    room.add_devices(specs, registry, simulators)
    room.attach_record(opened)
    return room


def restore_alarms(alarms: AlarmSystem, database: Database, session_id: int,
                   now: float) -> None:
    """Alarms active when the console stopped are active again (from the recorded events)."""
    from ketaconsole.store.review import timeline

    events = [AlarmEvent.from_record(e.payload) for e in timeline(database, session_id)
              if e.kind == "alarm"]
    alarms.restore(events, now)
