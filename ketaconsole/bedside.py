"""One bedside session as the console window runs it: devices, engine and the record.

Monitoring never depends on the record: when the database cannot be opened the devices
still run and the vitals still show, and ``record_problem`` says in one sentence why
nothing is being recorded. Once open, the record holds its own faults (see
``ketaconsole.store.Recorder``) and reports them through ``on_record_fault``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from ketaconsole.demo import DemoRoom
from ketaconsole.dose import DosePlan
from ketaconsole.engine import Engine
from ketaconsole.patient import Patient
from ketaconsole.store import (
    Database,
    DatabaseUnavailable,
    DeviceUse,
    SessionPlan,
    SessionService,
    open_database,
)
from ketaconsole.virtual_patient import Scenario

log = logging.getLogger(__name__)

DEMO_PATIENT = ("Demo Patient", 42)
FaultListener = Callable[[str], None]


@dataclass(slots=True)
class RecordState:
    """Whether the record is being written, in one sentence when it is not."""

    problem: str | None = None


class BedsideSession:
    """Engine, devices and record of the session running at this bedside."""

    def __init__(self, engine: Engine, patient: Patient | None, plan: DosePlan | None,
                 room: DemoRoom | None, service: SessionService | None,
                 database: Database | None, record: RecordState) -> None:
        self.engine = engine
        self.patient = patient
        self.plan = plan
        self.room = room
        self.service = service
        self.database = database
        self.record = record

    @classmethod
    def demo(cls, story: Scenario, *, speed: float, database_url: str,
             on_record_fault: FaultListener | None = None) -> BedsideSession:
        """The demo patient on simulated devices, recorded like a real session."""
        engine = Engine()
        patient = Patient(*DEMO_PATIENT, weight_kg=story.weight_kg)
        plan = DosePlan(story.weight_kg, story.dose_mg_per_kg, story.infusion_minutes,
                        story.concentration_mg_ml)
        record = RecordState()

        def fault(message: str) -> None:
            record.problem = message
            if on_record_fault is not None:
                on_record_fault(message)

        def recovered(message: str) -> None:
            record.problem = None
            log.info("record: %s", message)

        room = DemoRoom(engine, story, speed=speed)
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
                uses, on_fault=fault, on_recovered=recovered)
            service.recorder.attach(engine)
            room.journal = service.recorder.journal
        except DatabaseUnavailable as exc:
            record.problem = f"not recording: {exc}"
            log.warning("%s", record.problem)
        room.start()
        return cls(engine, patient, plan, room, service, database, record)

    @classmethod
    def empty(cls) -> BedsideSession:
        """No devices configured and no patient checked in."""
        return cls(Engine(), None, None, None, None, None,
                   RecordState("no session: no patient checked in"))

    def stop(self) -> None:
        if self.room is not None:
            self.room.stop()
        if self.service is not None:
            self.service.close()
        if self.database is not None:
            self.database.dispose()

