"""One bedside session as the console window runs it: devices, engine and the record.

Monitoring never depends on the record: when the database cannot be opened the devices
still run and the vitals still show, and ``record_problem`` says in one sentence why
nothing is being recorded. Once open, the record holds its own faults (see
``ketaconsole.store.Recorder``) and reports them through ``on_record_fault``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ketaconsole.alarm_loop import AlarmLoop
from ketaconsole.alarms import AlarmEvent, AlarmSystem, default_profile
from ketaconsole.bedside_security import BedsideSecurity
from ketaconsole.checkin import CheckIn
from ketaconsole.demo import DEMO_ROLES, DemoRoom, prefer
from ketaconsole.device_profiles import DeviceSetup, list_profiles
from ketaconsole.dose import DosePlan
from ketaconsole.engine import Engine
from ketaconsole.patient import Patient
from ketaconsole.pump_infusion import PumpDrivenInfusion
from ketaconsole.registry import DriverRegistry, UnknownDriverError
from ketaconsole.sdk import DeviceKind, Driver
from ketaconsole.security.plugins import clinic_registry
from ketaconsole.store import (
    Database,
    DatabaseUnavailable,
    DeviceUse,
    SessionPlan,
    SessionService,
    open_database,
)
from ketaconsole.store.review import timeline
from ketaconsole.transport import DeviceLink, Direction
from ketaconsole.virtual_patient import Scenario
from ketaconsole.workflow import SessionWorkflow, WorkflowError

log = logging.getLogger(__name__)

DEMO_PATIENT = ("Demo Patient", 42)
FaultListener = Callable[[str], None]


class JournalRelay:
    """The links' journal hook, pointed at the record once the session opens."""

    def __init__(self) -> None:
        self.target: Callable[[str, Direction, float, bytes], None] | None = None

    def __call__(self, device_id: str, direction: Direction, at: float, data: bytes) -> None:
        target = self.target
        if target is not None:
            target(device_id, direction, at, data)


@dataclass(slots=True)
class RecordState:
    """Whether the record is being written, in one sentence when it is not."""

    problem: str | None = None


class RecordLink:
    """Joins the alarms and the record, for the demo and for a real room alike.

    Alarm events go to the session's timeline (held until the record opens); the
    record's faults become the banner line and the store-fault technical alarm.
    """

    def __init__(self, record: RecordState, clock: Callable[[], float],
                 on_record_fault: FaultListener | None = None) -> None:
        self.record = record
        self.clock = clock
        self._listener = on_record_fault
        self.service: SessionService | None = None
        self._pending: list[AlarmEvent] = []
        self.alarms = AlarmSystem(default_profile(), on_event=self.alarm_event)

    def alarm_event(self, event: AlarmEvent) -> None:
        service = self.service
        if service is None:
            self._pending.append(event)
        else:
            service.recorder.post_event("alarm", event.as_record(),
                                        author=event.by or "alarm system", at=event.at)

    def fault(self, message: str) -> None:
        self.record.problem = message
        self.alarms.report_store_fault(message, self.clock())
        if self._listener is not None:
            self._listener(message)

    def recovered(self, message: str) -> None:
        self.record.problem = None
        self.alarms.clear_store_fault()
        log.info("record: %s", message)

    def not_recording(self, problem: str) -> None:
        self.record.problem = f"not recording: {problem}"
        self.alarms.report_store_fault(self.record.problem, self.clock())
        log.warning("%s", self.record.problem)

    def opened(self, service: SessionService, database: Database, engine: Engine) -> None:
        """The record is open: record every observation, restore alarms, flush held events."""
        service.recorder.attach(engine)
        if service.resumed:
            restore_alarms(self.alarms, database, service.session_id, self.clock())
        self.service = service
        self.record.problem = None
        pending, self._pending = self._pending, []
        for event in pending:
            self.alarm_event(event)


def follow_pump(engine: Engine, alarms: AlarmSystem,
                pumps: Sequence[str]) -> PumpDrivenInfusion | None:
    """The infusion clock from the room's first pump; the alarms watch every observation."""
    infusion = (PumpDrivenInfusion(pumps[0], on_start=alarms.mark_dosing_started)
                if pumps else None)
    if infusion is not None:
        engine.subscribe(infusion.observe)
    alarms.attach(engine)
    return infusion


class BedsideSession:
    """Engine, devices and record of the session running at this bedside."""

    def __init__(self, engine: Engine, patient: Patient | None, plan: DosePlan | None,
                 room: DemoRoom | None, service: SessionService | None,
                 database: Database | None, record: RecordState,
                 alarms: AlarmSystem | None = None, alarm_loop: AlarmLoop | None = None,
                 infusion: PumpDrivenInfusion | None = None) -> None:
        self.engine = engine
        self.patient = patient
        self.plan = plan
        self.room = room
        self.service = service
        self.database = database
        self.record = record
        self.alarms = alarms
        self.alarm_loop = alarm_loop
        self.infusion = infusion
        self.notes: list[str] = []
        """Things the nurse should know about how this session is running."""
        self.workflow = SessionWorkflow(service, alarms, clock=engine.clock)
        self.security: BedsideSecurity | None = None
        """The lock and guard; ``None`` when no record database is open."""
        self.links: list[DeviceLink] = []
        """Links to a real room's devices (the demo's are in ``room``)."""
        self.devices: list[tuple[str, str, DeviceKind]] = []
        """(device id, label, kind) of a real room's devices."""

    @classmethod
    def demo(cls, story: Scenario, *, speed: float, database_url: str,
             on_record_fault: FaultListener | None = None,
             devices: Sequence[str] = ()) -> BedsideSession:
        """The demo patient on simulated devices, recorded like a real session."""
        engine = Engine()
        patient = Patient(*DEMO_PATIENT, weight_kg=story.weight_kg)
        plan = DosePlan(story.weight_kg, story.dose_mg_per_kg, story.infusion_minutes,
                        story.concentration_mg_ml)
        record = RecordState()
        link = RecordLink(record, engine.clock, on_record_fault)
        alarms = link.alarms
        room = DemoRoom(engine, story, speed=speed, roles=prefer(DEMO_ROLES, devices))
        pumps = [spec.device_id for spec, driver in room.chosen()
                 if driver.info.kind is DeviceKind.PUMP]
        infusion = follow_pump(engine, alarms, pumps)
        if infusion is not None and speed == 1.0:
            # A faster story makes the pump's volume outrun its own rate in real time,
            # so the pump-against-plan check would only report the simulation itself.
            alarms.set_dose_plan(plan, infusion.clock, infusion.pump_id)
        service: SessionService | None = None
        database: Database | None = None
        try:
            database = open_database(database_url)
            uses = [DeviceUse(spec.device_id, driver.info.slug, "simulated",
                              driver.info.resolve_settings(spec.settings),
                              driver.info.line.as_record())
                    for spec, driver in room.chosen()]
            service = SessionService.begin(
                database, SessionPlan(patient_name=patient.name, weight_kg=patient.weight_kg,
                                      dose_plan=plan.as_record()),
                uses, on_fault=link.fault, on_recovered=link.recovered)
            room.journal = service.recorder.journal
            link.opened(service, database, engine)
        except DatabaseUnavailable as exc:
            link.not_recording(str(exc))
        room.start()
        loop = AlarmLoop(alarms, clock=engine.clock).start()
        session = cls(engine, patient, plan, room, service, database, record, alarms, loop,
                      infusion)
        if database is not None:
            session.security = BedsideSecurity(database, place="demo")
            session.security.seed_demo_users()
        if speed != 1.0:
            session.notes.append(f"x{speed:g} speed: pump-vs-plan check off")
        return session

    @classmethod
    def for_room(cls, room_name: str, *, database_url: str,
                 registry: DriverRegistry | None = None,
             on_record_fault: FaultListener | None = None) -> BedsideSession:
        """A real room: its saved device profiles start at once; the record opens at check-in.

        The vitals and alarms run from the moment the console starts; the session's record
        (patient, timeline, numerics, raw bytes) begins when the nurse signs the check-in.
        """
        engine = Engine()
        record = RecordState(f"not recording yet: check the patient in (room {room_name})")
        registry = registry or clinic_registry()
        database: Database | None = None
        setups: list[DeviceSetup] = []
        try:
            database = open_database(database_url)
            setups = [p.setup for p in list_profiles(database, room_name)]
        except DatabaseUnavailable as exc:
            record.problem = f"not recording: {exc}"
        record_link = RecordLink(record, engine.clock, on_record_fault)
        alarms = record_link.alarms
        if database is not None and not setups:
            record.problem = (f"no devices set up for room {room_name}: add them in Devices, "
                              "then restart the console")
        relay = JournalRelay()
        links: list[tuple[DeviceSetup, Driver, DeviceLink]] = []
        for setup in setups:
            try:
                driver = registry.get(setup.slug)
            except UnknownDriverError as exc:
                record.problem = f"device {setup.name}: {exc}"
                continue
            settings = driver.info.resolve_settings({})
            settings.update(setup.settings)
            link = DeviceLink(driver, setup.name, setup.port, settings, engine.ingest,
                              line=setup.line, journal=relay)
            links.append((setup, driver, link))
        pumps = [setup.name for setup, driver, _ in links if driver.info.kind is DeviceKind.PUMP]
        infusion = follow_pump(engine, alarms, pumps)
        session = cls(engine, None, None, None, None, database, record, alarms,
                      AlarmLoop(alarms, clock=engine.clock).start(), infusion)
        session.links = [link for _, _, link in links]
        session.devices = [(setup.name, f"{setup.name} ({setup.slug})", driver.info.kind)
                           for setup, driver, _ in links]

        def open_record(form: CheckIn) -> SessionService:
            if database is None:
                raise WorkflowError({"record": record.problem or "the database is not open"})
            uses = [DeviceUse(s.name, s.slug, s.port, link.settings, s.line.as_record())
                    for s, _, link in links]
            service = SessionService.begin(
                database, SessionPlan(patient_name=form.patient_name, weight_kg=form.weight_kg),
                uses, on_fault=record_link.fault, on_recovered=record_link.recovered)
            relay.target = service.recorder.journal
            record_link.opened(service, database, engine)
            session.service = service
            session.patient = Patient(form.patient_name, form.age_years,
                                      form.weight_kg or 0.0)
            return service

        session.workflow = SessionWorkflow(None, alarms, clock=engine.clock, opener=open_record)
        if database is not None:
            session.security = BedsideSecurity(database, place=f"room {room_name}")
        for link in session.links:
            link.start()
        return session

    @classmethod
    def empty(cls) -> BedsideSession:
        """No devices configured and no patient checked in."""
        return cls(Engine(), None, None, None, None, None,
                   RecordState("no session: start with --room NAME for a room's devices "
                               "(set them up in Devices), or --demo"))

    def stop(self) -> None:
        if self.alarm_loop is not None:
            self.alarm_loop.stop()
        for link in self.links:
            link.stop()
        if self.room is not None:
            self.room.stop()
        if self.service is not None:
            self.service.close()
        if self.database is not None:
            self.database.dispose()



def restore_alarms(alarms: AlarmSystem, database: Database, session_id: int,
                   now: float) -> None:
    """Alarms active when the console stopped are active again (from the recorded events)."""
    events = [AlarmEvent.from_record(e.payload) for e in timeline(database, session_id)
              if e.kind == "alarm"]
    alarms.restore(events, now)
