"""The room: one builder for every bedside, whether a clinic room, the demo or headless ``record``.

A room is made in four steps:

1. :func:`new_room`: the engine, the alarm system and its loop, the session model and
   the workflow; the alarms run from here on;
2. :meth:`Room.add_devices`: the devices and their links, which start reading at once;
3. :func:`~ketaconsole.bedside.room_record.open_record`: the record database (migrated), the
   station's lock, the bedside's security and the alarm profile with the clinic's
   settings in force; the slow step, safe on any thread, and
   touching nothing of the room, so it may come before step 2 or alongside it;
4. :meth:`Room.attach_record`: the record joins the room, its alarms judge by the
   clinic's profile; check-in can open a session.

:class:`RoomStart` is a room after step 1 with the rest to do; its :meth:`RoomStart.finish`
is the one opening sequence, steps 3, 2 and 4 in turn (a station that is refused starts
no device), run by :func:`build_room` and by the demo. The console window paints the live
monitor after step 1 and runs the same steps after its first paint, step 3 off the GUI
thread while the devices already read. Nothing
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
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Protocol

from ketaconsole.alarms import AlarmEvent, AlarmSystem, LimitProfile, default_profile
from ketaconsole.devices.device_spec import DeviceSpec
from ketaconsole.dose import DosePlan
from ketaconsole.live.alarm_loop import AlarmLoop
from ketaconsole.live.engine import Engine
from ketaconsole.live.metric_sources import MetricSources, SourceDevice
from ketaconsole.session.checks import BpReminder, CheckIntervals
from ketaconsole.session.esketamine import MonitoringRules
from ketaconsole.session.model import SessionModel
from ketaconsole.session.patient import Patient
from ketaconsole.session.phase import PHASE_AFTER
from ketaconsole.session.workflow import Door, SessionWorkflow, WorkflowError, order_entries
from ketaconsole.station import StationBusy, station_name

if TYPE_CHECKING:
    from ketaconsole.bedside.room_record import RoomRecord
    from ketaconsole.bedside.security import BedsideSecurity
    from ketaconsole.course.planning import PlanAdvice
    from ketaconsole.devices.registry import DriverRegistry
    from ketaconsole.devices.transport import DeviceLink, Direction
    from ketaconsole.medication.order_check import LimitAcceptance
    from ketaconsole.sdk import DeviceKind, Driver
    from ketaconsole.security.roles import Permission
    from ketaconsole.session.checkin import FastingRule, PatientNamed
    from ketaconsole.sim.virtual_patient import VirtualPatient
    from ketaconsole.store import Database, DeviceUse, SessionService
    from ketaconsole.store.station_lock import StationLock

log = logging.getLogger(__name__)

FaultListener = Callable[[str], None]

__all__ = ["DeviceSpec", "Room", "RoomOptions", "RoomStart", "StationBusy", "build_room",
           "clinic_room_start", "room_start"]


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
    publish_status: bool = True
    """Publish the room's live status for the clinic overview (not for a story's room)."""
    phase_follows_pump: bool = False
    """No nurse runs the session (headless ``record``): the pump's telemetry moves the
    phase (Infusion, Infusion paused, Recovery), recorded on the timeline as it does."""
    pace: float = 1.0
    """Story seconds per wall second: above 1 only for simulated devices at --speed, so
    alarm sustain times, the dose-plan check and reminders keep up with the story."""
    door: Door | None = None
    """Who acts on the session where nobody logs in at a console (headless ``record``:
    the operating-system account); by default the person logged in at the room's lock."""


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
        self._pace = pace
        self.alarms = AlarmSystem(default_profile().at_pace(pace), on_event=self.alarm_event)

    def use_clinic_profile(self, profile: LimitProfile) -> None:
        """Judge by the clinic's profile (its settings in force) from now on, at the room's pace.

        Applied when the record joins the room, before any session: the profile a
        session starts with is the one its record stores, and a resumed session's limit
        changes are replayed on top of it.
        """
        self.alarms.use_clinic_profile(profile.at_pace(self._pace), self.clock())

    def alarm_event(self, event: AlarmEvent) -> None:
        service = self.service
        if service is None:
            self._pending.append(event)
        else:
            from ketaconsole.session.events import AlarmRecorded

            service.post(AlarmRecorded(event), author=event.by or "alarm system", at=event.at)

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

PUMP_AUTHOR = "pump telemetry"


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
        self.workflow = SessionWorkflow(self.model, clock=engine.clock, door=self._door,
                                        opener=self.open_cleared, closer=self.close_session,
                                        advise=self.plan_advice)
        if options.phase_follows_pump:
            self.model.pump_listeners.append(self._phase_from_pump)
        self.alarm_loop: AlarmLoop | None = None
        self.reminder: BpReminder | None = None
        """The checks that fall due (its REMS blood pressures for the session panel)."""
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

    def _door(self, permission: Permission, target: str) -> str:
        """The workflow's door: the room's own (headless), else the person at its lock."""
        if self.options.door is not None:
            return self.options.door(permission, target)
        if self.security is None:
            raise WorkflowError({"record": self.record.problem or
                                 "Nothing is being recorded: the record database is not open."})
        return self.security.door(permission, target)

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
        from ketaconsole.devices.registry import UnknownDriverError
        from ketaconsole.devices.transport import DeviceLink

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
        if opened.alarm_profile is not None:
            self._record_link.use_clinic_profile(opened.alarm_profile)
        database = opened.database
        if database is not None:
            from ketaconsole.overview.publisher import RoomPublisher
            from ketaconsole.security.clinic_settings import esketamine_doses
            from ketaconsole.store.recovery import unfinished_session

            self.workflow.fasting = clinic_fasting(database)
            self.workflow.esketamine_doses = esketamine_doses(database)

            left_open = unfinished_session(database, self.station) is not None
            if not self.specs and not left_open:
                record.fail(f"no devices set up for {self.options.place}: add them in "
                            "Devices, then restart the console")
            elif record.problem is None or left_open:
                record.wait(self.waiting_sentence())
            if self.options.publish_status:
                self.status_publisher = RoomPublisher(self, database).start()
        self.record_opened = True

    # -- the session life cycle ------------------------------------------------------------

    def open_cleared(self, who: PatientNamed, plan: DosePlan | None = None,
                     accepted: LimitAcceptance | None = None) -> SessionService:
        """Find the patient's record, check their course is approved, open the session.

        The one check every session passes, in the window (check-in) and headless
        (``record``), as the workflow's opener: the record is found (never made), the
        course has an approved, unexpired assessment, and a ``plan`` given now passes the
        order check against the clinic's drug library and that approval
        (:func:`~ketaconsole.session.workflow.order_entries`; past a soft limit,
        ``accepted`` names the clinician and the reason); the workflow records it once
        the session is open. Refusals are :class:`WorkflowError` with one sentence;
        nothing is opened then. The session's workflow checks orders against the library
        read here.
        """
        from ketaconsole.course.eligibility import NotCleared
        from ketaconsole.course.identity import PatientIdentityError
        from ketaconsole.course.lookup import cleared_patient
        from ketaconsole.medication.clinic_library import clinic_library
        from ketaconsole.medication.library import LibraryError
        from ketaconsole.store.recorder import SYSTEM_AUTHOR

        database = self.database
        if database is None:
            raise WorkflowError({"record": self.record.problem or "the database is not open"})
        try:
            person, course = cleared_patient(database, who.name, mrn=who.mrn,
                                             date_of_birth=who.date_of_birth,
                                             patient_id=who.patient_id,
                                             now=self.engine.clock())
            library = clinic_library(database)
        except (PatientIdentityError, NotCleared) as exc:
            raise WorkflowError({"eligibility": str(exc)}) from None
        except LibraryError as exc:
            raise WorkflowError({"drug_library": str(exc)}) from None
        if plan is not None and plan != self._recorded_plan(person.name, plan):
            order_entries(plan, library, course, accepted)  # refused before anything opens
        patient = Patient(person.name, who.age_years, who.weight_kg or 0.0,
                          identifier=person.mrn or "")
        service = self.open_session(patient, patient_id=person.patient_id)
        from ketaconsole.session.events import CourseClearance

        service.record(CourseClearance(**course.clearance_record(person.mrn)),
                       author=SYSTEM_AUTHOR)
        self.model.set_course(course)
        self.workflow.library = library
        self.workflow.instruments = clinic_instruments(database)
        return service

    def _recorded_plan(self, name: str, plan: DosePlan) -> DosePlan | None:
        """The plan of this patient's session this station resumes (``None``: none); a plan
        given for it must be that one."""
        assert self.database is not None
        from ketaconsole.store.recovery import unfinished_session
        from ketaconsole.store.review import session_state
        from ketaconsole.store.service import same_patient

        left = unfinished_session(self.database, self.station)
        if left is None or not same_patient(left[1], name):
            return None
        recorded = session_state(self.database, left[0]).plan
        if recorded is not None and recorded != plan:
            raise WorkflowError({"plan": (
                f"Session {left[0]} of {name} is resumed with its recorded plan "
                f"({recorded.mg_per_kg:g} mg/kg over {recorded.duration_min:g} min at "
                f"{recorded.concentration_mg_ml:g} mg/mL); leave out the plan options, or "
                "give that plan.")})
        return recorded

    def plan_advice(self) -> PlanAdvice | None:
        """The previous infusions and the proposed dose (``None`` outside an approved course)."""
        course, service = self.model.course, self.workflow.service
        if course is None or service is None or self.database is None:
            return None
        from ketaconsole.course.planning import plan_advice

        return plan_advice(self.database, course, service.session_id, self.workflow.measures)

    def open_session(self, patient: Patient, *,
                     patient_id: int | None = None) -> SessionService:
        """Open (or, for the same patient after a crash, resume) this station's session.

        A resumed session carries on where its record stands: the fold of its events gives
        the model its plan, phase and infusion clock and the workflow its step, and the
        pump is checked against the recorded plan at once.
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
                                  alarm_limits=self.alarms.snapshot_profile(),
                                  patient_id=patient_id),
            [d.use() for d in self.devices], station=self.station, clock=self.engine.clock,
            on_fault=self._record_link.fault, on_recovered=self._record_link.recovered)
        self.journal.target = service.recorder.journal
        # the record begins with each pump's handshake, so replay has its whole conversation
        # (a question-and-answer device, greeted in one round trip); a monitor or oximeter
        # keeps its association, so its values run on through the check-in (a monitor's
        # association takes some 25 s)
        for device in self.pumps:
            device.link.greet_again()
        self.model.open(service.session_id, patient)
        if service.resumed:
            # Where the record stands, before the alarms are restored: the pump is checked
            # against the recorded plan from the first evaluation on.
            from ketaconsole.store.review import session_state

            state = session_state(database, service.session_id)
            self.model.restore(state)
            self.workflow.restore(state)
        self._record_link.opened(service, database, self.engine)
        self.workflow.service = service
        if not service.resumed:
            # The infusion and the delivered volume are what the pumps report from now on,
            # as the session's record has them (the first report the recorder writes is
            # the first the clock and the ledgers count), never the last patient's.
            self.model.follow_anew()
            self.alarms.start_pump_ledgers()  # and the engine's
        return service

    def _phase_from_pump(self, action: str, at: float) -> None:
        """Headless: the pump started, paused, resumed or stopped the infusion (engine thread)."""
        service = self.workflow.service
        if service is None:
            return
        phase = PHASE_AFTER[action]
        self.model.set_phase(phase)
        service.note_phase(phase.value, author=PUMP_AUTHOR, at=at)

    def close_session(self, author: str, reason: str = "") -> bool:
        """End the open session; the room is then ready for the next patient."""
        service = self.workflow.service
        if service is None:
            return True
        self.journal.target = None
        written = service.close(author=author, reason=reason)
        self._record_link.closed(self.waiting_sentence() if self.database else "")
        self.model.close()
        # the screen shows the next patient, not this one: no trend, no delivered volume
        self.engine.trends.start_afresh()
        self.alarms.start_pump_ledgers()
        return written

    def stop(self) -> bool:
        """Stop the room; an open session stays unfinished, to be resumed by this station
        for the same patient (end it first with the workflow's ``end_session``).

        Returns whether the record was written in full.
        """
        self.stopped = True
        written = True
        if self.status_publisher is not None:
            self.status_publisher.stop()
        if self.alarm_loop is not None:
            self.alarm_loop.stop()
        service = self.workflow.service
        if service is not None:
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
                          CheckIntervals().at_pace(options.pace),
                          MonitoringRules().at_pace(options.pace))
    room.workflow.monitoring = reminder.rules
    room.reminder = reminder
    room.alarm_loop = AlarmLoop(room.alarms, clock=engine.clock, before=reminder).start()
    return room


def clinic_instruments(database: Database) -> tuple[str, ...]:
    """The rating scales the clinic asks before an infusion (MADRS only where it is used)."""
    from ketaconsole.course.measures import INSTRUMENTS
    from ketaconsole.security.clinic_settings import madrs_in_use

    use_madrs = madrs_in_use(database)
    return tuple(key for key in INSTRUMENTS if key != "MADRS" or use_madrs)


def clinic_fasting(database: Database) -> FastingRule:
    """The clinic's fasting hours for solid food and clear liquids (its settings)."""
    from ketaconsole.security.clinic_settings import (
        FASTING_CLEAR_LIQUIDS_SETTING,
        FASTING_SOLIDS_SETTING,
        clinic_settings,
    )
    from ketaconsole.session.checkin import FastingRule

    hours = {current.rule.key: float(current.value) for current in clinic_settings(database)}
    return FastingRule(hours[FASTING_SOLIDS_SETTING], hours[FASTING_CLEAR_LIQUIDS_SETTING])


@dataclass(frozen=True, slots=True)
class RoomStart:
    """A room made (step 1, its alarms running), its devices and its record still to come.

    The one opening sequence: :meth:`finish` runs the rest in turn (what
    :func:`build_room` and the demo do); the console window runs the same steps after its
    first paint (:mod:`ui.room_opening`), the record off the GUI thread.
    """

    room: Room
    join_devices: Callable[[DriverRegistry], None]
    """Step 2, on the room's thread: the devices join and start reading."""
    open_record: Callable[[], RoomRecord]
    """Step 3, on any thread: open the record (raises :class:`StationBusy`)."""
    devices_need_record: bool = False
    """The devices are set up in the record (a clinic room's profiles): they join once it
    is open (and migrated), never before."""
    simulators: Sequence[Stoppable] = ()
    """Simulators already serving the room's devices, stopped if the room is refused."""

    def finish(self, registry: DriverRegistry) -> Room:
        """Steps 3, 2 and 4 in turn: the record, the devices, the record joins the room.

        Another console on this station stops the room (and its simulators) and raises
        :class:`StationBusy`: a refused station starts no device.
        """
        try:
            opened = self.open_record()
        except StationBusy:
            self.room.stop()
            for simulator in self.simulators:
                simulator.stop()
            raise
        self.join_devices(registry)
        self.room.attach_record(opened)
        return self.room


def room_start(specs: Sequence[DeviceSpec], *, database_url: str | None,
               options: RoomOptions, on_record_fault: FaultListener | None = None,
               simulators: Sequence[Stoppable] = (),
               engine: Engine | None = None) -> RoomStart:
    """A room for these device ``specs`` at ``database_url``, made and ready to finish."""
    room = new_room(options, on_record_fault=on_record_fault, engine=engine)

    def join_devices(registry: DriverRegistry) -> None:
        room.add_devices(specs, registry, simulators)

    def record() -> RoomRecord:
        from ketaconsole.bedside.room_record import open_record

        return open_record(database_url, station=room.station, place=options.place,
                           demo_users=options.demo_users)

    return RoomStart(room, join_devices, record, simulators=simulators)


def room_place(name: str) -> str:
    """Where the console is, in words: "room 3" for a room named "3", "Room 3" as it is."""
    return name if name.strip().lower().startswith("room") else f"room {name}"


def clinic_room_start(name: str, database_url: str) -> RoomStart:
    """A clinic room: its devices from the profiles saved for it in its record."""
    options = RoomOptions(place=room_place(name), station=station_name(room=name))
    start = room_start([], database_url=database_url, options=options)

    def join_devices(registry: DriverRegistry) -> None:
        from ketaconsole.devices.device_profiles import profile_specs

        start.room.add_devices(profile_specs(database_url, name), registry)

    return replace(start, join_devices=join_devices, devices_need_record=True)


def build_room(specs: Sequence[DeviceSpec], *, registry: DriverRegistry,
               database_url: str | None, options: RoomOptions,
               on_record_fault: FaultListener | None = None,
               simulators: Sequence[Stoppable] = (),
               engine: Engine | None = None) -> Room:
    """The one way to make a bedside from its device specs, its steps in turn.

    Raises :class:`StationBusy` (after stopping the room and ``simulators``) if another
    console runs as this station on the same record.
    """
    return room_start(specs, database_url=database_url, options=options,
                      on_record_fault=on_record_fault, simulators=simulators,
                      engine=engine).finish(registry)


def restore_alarms(alarms: AlarmSystem, database: Database, session_id: int,
                   now: float) -> None:
    """Alarms active when the console stopped are active again (from the recorded events)."""
    from ketaconsole.store.review import timeline

    events = [AlarmEvent.from_record(e.payload) for e in timeline(database, session_id)
              if e.kind == "alarm"]
    alarms.restore(events, now)
