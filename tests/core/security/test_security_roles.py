"""The role matrix: every guarded call, tried by a nurse, a prescriber, a technician and an admin.

A call the role may make does what it says (the event is on the timeline under the
person's name, the profile is saved, the user changed...); a call it may not make
raises NotAllowed with one sentence, changes nothing, and is a ``denied`` entry on the
audit trail. A session's steps and entries are made through the session workflow,
whose door is the bedside's (the person logged in at the lock). The expected matrix is
written out here from the clinic's role descriptions, not read from the code's tables.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from ketaconsole.alarms.profile_file import default_profile
from ketaconsole.bedside.security import BedsideSecurity
from ketaconsole.course.desk import CourseDesk
from ketaconsole.course.eligibility import latest_assessment
from ketaconsole.course.identity import get_patient, register_patient
from ketaconsole.devices.device_profiles import DeviceSetup, save_profile
from ketaconsole.export.service import ExportFormat
from ketaconsole.medication.clinic_library import clinic_library
from ketaconsole.medication.library import with_value
from ketaconsole.security import (
    Action,
    AllowList,
    AuditLog,
    ConsoleUser,
    Guard,
    NotAllowed,
    Role,
    authenticate,
)
from ketaconsole.security.admin import (
    PluginAdmin,
    UserAdmin,
    change_drug_library,
    change_setting,
)
from ketaconsole.security.clinic_settings import security_settings
from ketaconsole.security.services import AuthorisedConsole
from ketaconsole.security.users import LoginRefused, find_user
from ketaconsole.session.events import Annotation
from ketaconsole.session.workflow import SessionWorkflow
from ketaconsole.store import Database, SessionPlan, SessionService
from ketaconsole.store.models import DeviceProfile
from ketaconsole.store.review import timeline
from tests.core.security_support import NAMES, PINS, session_workflow, staff
from tests.core.session.test_workflow import GOOD
from tests.course_support import CLEAR
from tests.plan_support import ketamine_plan
from tests.plugin_env import plugin_folder

PLUGIN = "ketaconsole-plugin-demo"
"""An installed fixture plugin (its code is what an approval covers)."""



@pytest.fixture(autouse=True)
def plugins_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    """The test plugins where this process looks for installed code (an approval covers it)."""
    monkeypatch.syspath_prepend(str(plugin_folder()))


@dataclass
class Bench:
    database: Database
    audit: AuditLog
    users: dict[Role, ConsoleUser]
    service: SessionService
    security: BedsideSecurity
    workflow: SessionWorkflow
    console: AuthorisedConsole
    user_admin: UserAdmin
    plugin_admin: PluginAdmin
    allow_list: AllowList
    folder: Path
    prepared: dict[str, Any]

    def kinds(self) -> list[tuple[str, str]]:
        return [(e.kind, e.author) for e in timeline(self.database, self.service.session_id)]

    def hand_to(self, role: Role) -> None:
        """The person at the console changes: the lock, then ``role``'s PIN."""
        self.security.lock.lock("hand-over")
        self.security.lock.unlock(NAMES[role], PINS[role])


@pytest.fixture(params=[Role.NURSE, Role.PRESCRIBER, Role.TECHNICIAN, Role.ADMIN],
                ids=lambda r: r.value)
def bench(request: pytest.FixtureRequest, database: Database,
          tmp_path: Path) -> Iterator[Bench]:
    security = BedsideSecurity(database, place="room-1")
    audit = security.audit
    users = staff(database, audit)
    acting = users[request.param]
    security.lock.unlock(acting.username, PINS[request.param])
    guard = Guard(audit)
    service = SessionService.begin(database, SessionPlan("Ann Example", 70.0), [],
                                   station="room-1")
    allow_list = AllowList(database)
    yield Bench(database, audit, users, service, security, session_workflow(security, service),
                AuthorisedConsole(database, guard, lambda: acting),
                UserAdmin(database, guard, acting), PluginAdmin(allow_list, guard, acting),
                allow_list, tmp_path, {})
    service.recorder.close()


def _prepare_entry(b: Bench) -> None:
    b.prepared["seq"] = b.service.record(Annotation("restless"),
                                               author=NAMES[Role.NURSE]).seq


def _as_nurse(b: Bench, *steps: Callable[[SessionWorkflow], object]) -> None:
    """The nurse takes ``steps``, then hands the console back to the role under test."""
    acting = _acting_role(b)
    b.hand_to(Role.NURSE)
    for step in steps:
        step(b.workflow)
    b.hand_to(acting)


PLANNED: tuple[Callable[[SessionWorkflow], object], ...] = (
    lambda w: w.check_in(GOOD), lambda w: w.confirm_baseline({"MDC_PRESS_BLD_NONINV_SYS": 124}),
    lambda w: w.confirm_plan(ketamine_plan(70.0, 0.5, 40.0, 1.0)))
"""The nurse's steps to the infusion: check-in, baseline, plan."""
DISCHARGED = (*PLANNED, lambda w: w.infusion_action("start"),
              lambda w: w.infusion_action("stop"), lambda w: w.begin_discharge(),
              lambda w: w.record_discharge("Aldrete", {"activity": 2, "respiration": 2,
                                                       "circulation": 2, "consciousness": 2,
                                                       "spo2": 2}))
"""The nurse's steps to sign-off."""


def _prepare_patients(b: Bench) -> None:
    b.prepared["patient"] = register_patient(b.database, "Ann Example", mrn="MRN-7").patient_id
    b.prepared["duplicate"] = register_patient(b.database, "Ann Example").patient_id


def _prepare_plugin(b: Bench) -> None:
    b.allow_list.allow(PLUGIN, "0.1.0", by=b.users[Role.ADMIN], audit=b.audit)


def _can_log_in(b: Bench, role: Role, pin: str) -> bool:
    try:
        authenticate(b.database, b.audit, NAMES[role], pin)
    except LoginRefused:
        return False
    return True


@dataclass(frozen=True)
class GuardedCall:
    """A guarded call, how to set it up, and how to tell from the record that it happened."""

    call: Callable[[Bench], Any]
    happened: Callable[[Bench], bool]
    prepare: Callable[[Bench], None] = lambda b: None


CALLS: dict[str, GuardedCall] = {
    "record a clinical entry": GuardedCall(
        lambda b: b.workflow.record_entry("annotation", {"text": "calm"}),
        lambda b: ("annotation", _acting(b).username) in b.kinds()),
    "correct an entry": GuardedCall(
        lambda b: b.workflow.correct(b.prepared["seq"], {"text": "agitated"}, reason="typo"),
        lambda b: any(k == "correction" for k, _ in b.kinds()), _prepare_entry),
    "retract an entry": GuardedCall(
        lambda b: b.workflow.retract(b.prepared["seq"], reason="wrong patient"),
        lambda b: any(k == "retraction" for k, _ in b.kinds()), _prepare_entry),
    "check a patient in": GuardedCall(
        lambda b: b.workflow.check_in(GOOD),
        lambda b: ("check_in", NAMES[Role.NURSE]) in b.kinds()),
    "start the infusion": GuardedCall(
        lambda b: b.workflow.infusion_action("start"),
        lambda b: ("infusion_start", NAMES[Role.NURSE]) in b.kinds(),
        lambda b: _as_nurse(b, *PLANNED)),
    "sign the record": GuardedCall(
        lambda b: b.workflow.sign_off("Nia Nurse"),
        lambda b: ("signature", NAMES[Role.NURSE]) in b.kinds(),
        lambda b: _as_nurse(b, *DISCHARGED)),
    "export the session": GuardedCall(
        lambda b: b.console.export(b.service.session_id, ExportFormat.CSV, b.folder / "out"),
        lambda b: any((b.folder / "out").glob("*.csv"))
        and bool(b.audit.entries(action=Action.EXPORT)),
        lambda b: (b.folder / "out").mkdir()),
    "close the session": GuardedCall(
        lambda b: b.workflow.end_session(reason="patient declined the infusion"),
        lambda b: ("session_end", NAMES[Role.NURSE]) in b.kinds()),
    "open a record": GuardedCall(
        lambda b: b.console.open_record(b.service.session_id),
        lambda b: bool(b.audit.entries(action=Action.RECORD_OPENED))),
    "save a device profile": GuardedCall(
        lambda b: b.console.save_device_profile(
            DeviceSetup("oximeter", "room-1", "masimo-ascii", "/dev/ttyUSB0")),
        lambda b: _profiles(b.database) == 1
        and bool(b.audit.entries(action=Action.DEVICE_PROFILE_SAVED))),
    "delete a device profile": GuardedCall(
        lambda b: b.console.delete_device_profile("room-1", "oximeter"),
        lambda b: _profiles(b.database) == 0
        and bool(b.audit.entries(action=Action.DEVICE_PROFILE_DELETED)),
        lambda b: save_profile(b.database, DeviceSetup("oximeter", "room-1", "masimo-ascii",
                                                       "/dev/ttyUSB0"), by="setup")),
    "edit the alarm profile": GuardedCall(
        lambda b: b.console.save_alarm_profile(default_profile(), b.folder / "limits.json"),
        lambda b: (b.folder / "limits.json").exists()
        and bool(b.audit.entries(action=Action.ALARM_PROFILE_EDITED))),
    "add a user": GuardedCall(
        lambda b: b.user_admin.add("newbie", "New Nurse", Role.NURSE, "439182"),
        lambda b: find_user(b.database, "newbie") is not None),
    "disable a user": GuardedCall(
        lambda b: b.user_admin.disable(NAMES[Role.NURSE]),
        lambda b: not _can_log_in(b, Role.NURSE, PINS[Role.NURSE])),
    "reset a PIN": GuardedCall(
        lambda b: b.user_admin.reset_pin(NAMES[Role.TECHNICIAN], "986142"),
        lambda b: _can_log_in(b, Role.TECHNICIAN, "986142")),
    "list the users": GuardedCall(
        lambda b: b.user_admin.users(),
        lambda b: True),
    "approve a plugin": GuardedCall(
        lambda b: b.plugin_admin.allow(PLUGIN, "0.1.0"),
        lambda b: b.allow_list.permits(PLUGIN, "0.1.0")),
    "revoke a plugin": GuardedCall(
        lambda b: b.plugin_admin.revoke(PLUGIN),
        lambda b: not b.allow_list.permits(PLUGIN, "0.1.0"), _prepare_plugin),
    "approve a course": GuardedCall(
        lambda b: CourseDesk(b.database, Guard(b.audit), lambda: _acting(b)).assess_eligibility(
            b.prepared["patient"], CLEAR),
        lambda b: latest_assessment(b.database, b.prepared["patient"]) is not None
        and bool(b.audit.entries(action=Action.COURSE_ASSESSED)), _prepare_patients),
    "merge patient records": GuardedCall(
        lambda b: CourseDesk(b.database, Guard(b.audit), lambda: _acting(b)).merge_patients(
            b.prepared["patient"], b.prepared["duplicate"], reason="same person"),
        lambda b: get_patient(b.database, b.prepared["duplicate"]).patient_id
        == b.prepared["patient"] and bool(b.audit.entries(action=Action.PATIENTS_MERGED)),
        _prepare_patients),
    "change a clinic setting": GuardedCall(
        lambda b: change_setting(Guard(b.audit), _acting(b), "idle-lock-minutes", "10"),
        lambda b: security_settings(b.database).idle_lock_seconds == 600),
    "change the drug library": GuardedCall(
        lambda b: change_drug_library(Guard(b.audit), _acting(b), with_value(
            clinic_library(b.database), "infusion_minutes.hard_min", "30")),
        lambda b: clinic_library(b.database).infusion_minutes.hard_min == 30
        and bool(b.audit.entries(action=Action.DRUG_LIBRARY_CHANGED))),
}

ALLOWED: dict[Role, set[str]] = {
    Role.NURSE: {"record a clinical entry", "correct an entry", "retract an entry",
                 "check a patient in", "start the infusion", "sign the record",
                 "export the session", "close the session", "open a record"},
    Role.PRESCRIBER: {"approve a course", "record a clinical entry", "correct an entry",
                      "retract an entry", "export the session", "open a record"},
    Role.TECHNICIAN: {"save a device profile", "delete a device profile",
                      "edit the alarm profile"},
    Role.ADMIN: {"add a user", "disable a user", "reset a PIN", "list the users",
                 "approve a plugin", "revoke a plugin", "change a clinic setting",
                 "change the drug library", "merge patient records"},
}


def _profiles(database: Database) -> int:
    with database.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(DeviceProfile)) or 0)


def _acting(bench: Bench) -> ConsoleUser:
    user = bench.user_admin.user
    assert user is not None
    return user


def _acting_role(bench: Bench) -> Role:
    user = bench.user_admin.user
    assert user is not None
    return user.role


@pytest.mark.parametrize("name", sorted(CALLS))
def test_each_role_may_make_exactly_its_calls(bench: Bench, name: str) -> None:
    guarded = CALLS[name]
    role = _acting_role(bench)
    guarded.prepare(bench)
    denied_before = len(bench.audit.entries(action=Action.DENIED))
    if name in ALLOWED[role]:
        result = guarded.call(bench)
        assert guarded.happened(bench), f"{role.value}: {name} did not take effect"
        if name == "list the users":
            assert {u.username for u in result} == set(NAMES.values())
        assert len(bench.audit.entries(action=Action.DENIED)) == denied_before
        return
    with pytest.raises(NotAllowed) as refused:
        guarded.call(bench)
    message = str(refused.value)
    shown = {Role.NURSE: "Nia Nurse", Role.TECHNICIAN: "Tom Technician",
             Role.PRESCRIBER: "Dr Pia Prescriber", Role.ADMIN: "Ada Admin"}[role]
    assert message.startswith(f"{shown} ({role.words}) may not "), "named as a person"
    assert message.endswith(" to do it") and "\n" not in message
    assert (" ask an admin " in message) == (name in ALLOWED[Role.ADMIN])
    assert (" ask a nurse " in message) == (name in ALLOWED[Role.NURSE])
    if name != "list the users":
        assert not guarded.happened(bench), f"{role.value}: {name} happened although denied"
    denied = bench.audit.entries(action=Action.DENIED)
    assert len(denied) == denied_before + 1
    assert denied[-1].actor == NAMES[role]
    assert denied[-1].detail["permission"] == refused.value.permission.name
    assert bench.audit.verify() is None


def test_the_matrix_covers_every_permission_given_to_some_role() -> None:
    assert set().union(*ALLOWED.values()) <= set(CALLS)
    assert not (ALLOWED[Role.NURSE] & ALLOWED[Role.TECHNICIAN])


def test_a_locked_console_refuses_clinical_entries_and_audits_it(database: Database) -> None:
    security = BedsideSecurity(database, place="room-2")
    staff(database, security.audit)
    service = SessionService.begin(database, SessionPlan("Ann Example"), [], station="room-2")
    try:
        flow = session_workflow(security, service)
        with pytest.raises(NotAllowed, match="someone must log in first"):
            flow.record_entry("annotation", {"text": "calm"})
        denied = security.audit.entries(action=Action.DENIED)
        assert [(d.actor, d.target) for d in denied] == [
            ("-", f"session {service.session_id}: annotation")]
    finally:
        service.recorder.close()
    assert [e.kind for e in timeline(database, service.session_id, seals=False)] == [
        "session_start"]


def test_a_user_disabled_while_logged_in_loses_their_rights_at_once(
        database: Database) -> None:
    security = BedsideSecurity(database, place="room-3")
    audit = security.audit
    users = staff(database, audit)
    logged_in = security.lock.unlock(NAMES[Role.NURSE], PINS[Role.NURSE])
    service = SessionService.begin(database, SessionPlan("Ann Example"), [], station="room-3")
    try:
        flow = session_workflow(security, service)
        flow.record_entry("annotation", {"text": "before"})
        UserAdmin(database, Guard(audit), users[Role.ADMIN]).disable(NAMES[Role.NURSE])
        assert logged_in.active, "the lock still holds the user as they logged in"
        with pytest.raises(NotAllowed, match=r"^Nia Nurse \(nurse\) may not record"):
            flow.record_entry("annotation", {"text": "after"})
    finally:
        service.recorder.close()
    texts = [e.payload.get("text") for e in timeline(database, service.session_id)
             if e.kind == "annotation"]
    assert texts == ["before"]


def test_the_last_admin_cannot_be_disabled(database: Database) -> None:
    audit = AuditLog(database)
    users = staff(database, audit)
    admin = UserAdmin(database, Guard(audit), users[Role.ADMIN])
    from ketaconsole.security import UserError

    with pytest.raises(UserError, match="last active admin"):
        admin.disable(NAMES[Role.ADMIN])
    still = find_user(database, NAMES[Role.ADMIN])
    assert still is not None and still.active
    assert json.loads(json.dumps(still.as_record()))["role"] == "admin"
