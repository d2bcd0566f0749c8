"""``ketaconsole record``: run a session headless, recording every device until stopped.

The same room as the window (:func:`ketaconsole.bedside.room.build_room`): the same alarm
system, and with ``--dose/--over/--concentration`` the same dose plan the pump is
checked against. Prints the session number on its first line once ``session_start``
is committed. The patient is found by ``--mrn`` (or ``--patient NAME --dob DATE``),
never made, and the session opens only under an approved, unexpired eligibility
assessment: the same check as the window's check-in
(:meth:`ketaconsole.bedside.room.Room.open_cleared`). The order passes the same check as
the window's plan page, against the clinic's drug library and the prescriber's
approval, on the weight the clinic's dosing-weight rule gives (``--height`` where it
reads the BMI): outside a hard limit it is refused in one sentence before a port is
opened or a session started; past a soft limit it needs ``--limit-clinician`` and
``--limit-reason``, recorded with the plan.

``--treatment esketamine --dose-mg 56|84 [--lot LOT]`` records an esketamine nasal
session instead: no pump and no mg/kg plan (a pump device given with it is refused in one
sentence), a dose the clinic allows (its settings; any other refused in one sentence
before a port is opened), and the REMS monitoring rules of
:mod:`ketaconsole.session.esketamine` (the devices administered are the nurse's entries at
the window; headless, none is recorded).

The check-in checklist (``--checklist FILE`` or its answers as options, see
:mod:`ketaconsole.cli.checklist_input`) is the window's check-in step, checked the same
way against the clinic's fasting hours: a checklist that cannot be signed stops the
command with one sentence naming the answer, before any session opens. Without one the
session is opened through the workflow as *unchecked* (a ``check_in_skipped`` event),
which every export of it states.

This station's unfinished session (a crash or power cut) is resumed for the same
patient; for another patient it is closed as interrupted and a new session opened.
Stops after ``--minutes`` or on SIGINT / SIGTERM, closing the session. The session's
steps (the check-in, the plan, the end) are taken by the operating-system account
running the command, named ``os:NAME`` on the record
(:func:`ketaconsole.cli.acting_person.os_door`).
"""

from __future__ import annotations

import argparse
import signal
import sys
import textwrap
import threading
import time
from dataclasses import replace
from types import FrameType
from typing import TYPE_CHECKING

import serial

from ketaconsole.bedside.room import DeviceSpec, Room, RoomOptions, StationBusy, build_room
from ketaconsole.catalogue import PUMP_RATE
from ketaconsole.cli.acting_person import acting_person, audit_as, os_door
from ketaconsole.cli.checklist_input import (
    EXAMPLE,
    Checklist,
    add_checklist_options,
    read_checklist,
)
from ketaconsole.cli.common import (
    CliError,
    load_driver,
    number_option,
    parse_sets,
    text_option,
)
from ketaconsole.cli.record_common import add_db_option
from ketaconsole.cli.security_common import add_login_options
from ketaconsole.course.eligibility import NotCleared
from ketaconsole.course.identity import PatientIdentityError
from ketaconsole.course.lookup import cleared_patient
from ketaconsole.devices.device_profiles import ProfileProblems, read_primary_for
from ketaconsole.devices.transport import describe_port_error, open_port
from ketaconsole.dose import (
    CONCENTRATION_MG_ML,
    DURATION_MIN,
    MG_PER_KG,
    DosePlan,
    DosePlanError,
)
from ketaconsole.medication.body import HEIGHT_CM, WEIGHT_KG
from ketaconsole.medication.clinic_library import clinic_library
from ketaconsole.medication.library import LibraryError
from ketaconsole.medication.order_check import LimitAcceptance, check_order, plan_order
from ketaconsole.names import Field
from ketaconsole.numbers import NumberRange, echo
from ketaconsole.sdk import DeviceKind, SettingError, SettingField
from ketaconsole.security import Action, AuditLog, Permission
from ketaconsole.security.plugins import clinic_registry
from ketaconsole.session.checkin import PatientNamed
from ketaconsole.session.esketamine import NasalOrder
from ketaconsole.session.treatment import Treatment, order_problem
from ketaconsole.session.workflow import WorkflowError
from ketaconsole.settings import database_url
from ketaconsole.store import DatabaseUnavailable, open_database
from ketaconsole.store.recorder import RecordNotWritten

if TYPE_CHECKING:
    from ketaconsole.devices.registry import DriverRegistry

RECORD_MINUTES = NumberRange("--minutes", 0, 24 * 60, above_low=True, unit="minutes")
WEIGHT = NumberRange("--weight", *WEIGHT_KG, unit="kg")
HEIGHT = NumberRange("--height", *HEIGHT_CM, unit="cm")
DOSE = NumberRange("--dose", *MG_PER_KG, unit="mg/kg")
OVER = NumberRange("--over", *DURATION_MIN, unit="minutes")
CONCENTRATION = NumberRange("--concentration", *CONCENTRATION_MG_ML, unit="mg/mL")


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "record", help="record a session headless from the given devices",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=textwrap.fill(
            "Run a session without the window: read each device through its driver, run "
            "the alarm system and record everything. Prints the session number first. The "
            "patient is found by --mrn (or --patient with --dob) and needs an approved, "
            "unexpired eligibility assessment, as at the bedside. The check-in checklist "
            "(--checklist FILE, or its answers as options) is checked as at the bedside, "
            "fasting against the clinic's hours; without it the session is recorded as "
            "UNCHECKED. The order (--dose, --over, --concentration) is checked against the "
            "clinic's drug library and the approval before anything starts. Resumes this "
            "station's unfinished session for the same patient; another patient closes it "
            "as interrupted and starts a new session.", 78),
        epilog="A checklist file is one JSON object with the answers of the window's "
               "check-in form\n(every answer is needed; the patient is named by --patient "
               "and --mrn or --dob):\n\n" + EXAMPLE + "\n\n" + textwrap.fill(
                   "psychosis_or_mania is the screen's result (false: negative); "
                   "solids_hours and clear_liquids_hours are the hours since the patient "
                   "last had solid food and clear liquids; weight_kg may be --weight "
                   "instead, and height_cm --height.", 78))
    parser.add_argument("--device", action="append", metavar="SLUG=PORT", required=True,
                        help="a device: driver slug and port, e.g. masimo-ascii=/dev/ttyUSB0 "
                             "(sim://SLUG: the driver's simulator; repeatable)")
    parser.add_argument("--set", action="append", metavar="KEY=VALUE",
                        help="a driver setting, as in 'probe'; applies to every device whose "
                             "driver has that setting (repeatable)")
    parser.add_argument("--primary", action="append", metavar="METRIC=DEVICE",
                        help="when two devices measure a metric, the one to show and alarm "
                             "on, e.g. SpO2=intellivue-mib (default: the dedicated device, "
                             "an oximeter before a monitor; repeatable)")
    parser.add_argument("--mrn", help="the patient's clinic identifier (MRN): finds their "
                                      "record ('ketaconsole patients' lists them)")
    parser.add_argument("--patient", help="the patient's name (checked against the record; "
                                          "with --dob, finds it without an MRN)",
                        type=text_option(Field.PATIENT_NAME))
    parser.add_argument("--dob", metavar="YYYY-MM-DD",
                        help="the patient's date of birth (with --patient)")
    parser.add_argument("--weight", type=number_option(WEIGHT), metavar="KG",
                        help="patient's weight in kg")
    parser.add_argument("--height", type=number_option(HEIGHT), metavar="CM",
                        help="patient's height in cm (a dose plan needs it where the "
                             "clinic doses on ideal or adjusted weight above a BMI)")
    parser.add_argument("--dose", type=number_option(DOSE), metavar="MG_PER_KG",
                        help="the order's dose in mg/kg (with --over, --concentration and "
                             "--weight): the pump is checked against this plan")
    parser.add_argument("--over", type=number_option(OVER), metavar="MINUTES",
                        help="the order's infusion time in minutes")
    parser.add_argument("--concentration", type=number_option(CONCENTRATION),
                        metavar="MG_PER_ML",
                        help="the drug's concentration after dilution, mg/mL")
    parser.add_argument("--limit-clinician", metavar="NAME", default="",
                        type=text_option(Field.CLINICIAN_NAME, "--limit-clinician", required=False),
                        help="the clinician who accepts an order past the clinic's usual "
                             "(soft) limits (with --limit-reason)")
    parser.add_argument("--limit-reason", metavar="TEXT", default="",
                        type=text_option(Field.REASON, "--limit-reason", required=False),
                        help="why the order goes past the clinic's usual limits")
    parser.add_argument("--treatment", choices=[t.value for t in Treatment],
                        default=Treatment.IV_KETAMINE.value,
                        help="what the session gives (default iv-ketamine; esketamine: "
                             "nasal spray, with --dose-mg and no pump)")
    parser.add_argument("--dose-mg", type=int, metavar="MG",
                        help="the esketamine dose in mg (56 or 84, as the clinic allows)")
    parser.add_argument("--lot", metavar="LOT", default="",
                        type=text_option(Field.LOT, "--lot", required=False),
                        help="the lot number of the esketamine devices")
    parser.add_argument("--minutes", type=number_option(RECORD_MINUTES), metavar="N",
                        help="stop after N minutes (default: run until interrupted)")
    add_checklist_options(parser)
    add_login_options(parser, login_help="a technician who allows a setting that lets the "
                                         "console command a device (control_enabled, "
                                         "remote_control); needed with such a --set")
    add_db_option(parser)
    parser.set_defaults(handler=run)


def _ordered(args: argparse.Namespace, weight: float | None) -> bool:
    """Whether the command gives a dose plan (all its options, or a usage error)."""
    given = {"--dose": args.dose, "--over": args.over, "--concentration": args.concentration}
    if all(v is None for v in given.values()):
        if args.limit_clinician or args.limit_reason:
            raise CliError("--limit-clinician and --limit-reason go with a dose plan "
                           "(--dose, --over, --concentration, --weight)", 2)
        return False
    missing = [name for name, value in given.items() if value is None]
    if weight is None:
        missing.append("--weight")
    if missing:
        raise CliError("a dose plan needs --dose, --over, --concentration and --weight; "
                       f"add {', '.join(missing)}", 2)
    return True


def _preflight(args: argparse.Namespace, url: str, body: tuple[float | None, float | None],
               ordered: bool) -> tuple[DosePlan | None, LimitAcceptance | None]:
    """Before a port is opened or a session started: the patient's approved course, and the
    order on the clinic's dosing weight (``body``: weight and height) checked against its
    drug library and that approval. The same lookup and check as the session's opening,
    which makes them again."""
    try:
        database = open_database(url)
    except DatabaseUnavailable as exc:
        raise CliError(str(exc)) from None
    try:
        _, course = cleared_patient(database, _patient_name(args), mrn=args.mrn,
                                    date_of_birth=args.dob, now=time.time())
        library = clinic_library(database)
    except (PatientIdentityError, NotCleared, LibraryError) as exc:
        raise CliError(str(exc)) from None
    finally:
        database.dispose()
    weight, height = body
    if not ordered or weight is None:
        return None, None
    try:
        plan = plan_order(library, weight_kg=weight, height_cm=height, mg_per_kg=args.dose,
                          duration_min=args.over, concentration_mg_ml=args.concentration)
    except DosePlanError as exc:
        raise CliError(str(exc), 2) from None
    check = check_order(plan, library, course.approved_order())
    refused = check.refusal
    if refused is not None:
        raise CliError(refused[1].rstrip("."))
    accepted = LimitAcceptance(args.limit_clinician, args.limit_reason)
    if check.unaccepted(accepted):
        raise CliError(f"{check.soft_sentence().rstrip('.')}; a named clinician must accept "
                       "it: give --limit-clinician NAME and --limit-reason TEXT")
    for caution in check.cautions:
        print(f"ketaconsole record: caution: {caution}", file=sys.stderr, flush=True)
    return plan, (accepted if check.soft else None)


def _nasal_order(args: argparse.Namespace, ordered: bool) -> NasalOrder | None:
    """The esketamine order the options give (``None`` for an IV session), or a usage
    error: esketamine has no pump plan and needs its dose in mg."""
    if args.treatment != Treatment.ESKETAMINE.value:
        if args.dose_mg is not None or args.lot:
            raise CliError("--dose-mg and --lot go with --treatment esketamine", 2)
        return None
    if ordered or args.limit_clinician or args.limit_reason:
        raise CliError("an esketamine session has no pump plan: leave out --dose, --over "
                       "and --concentration, and give --dose-mg 56 or 84", 2)
    if args.dose_mg is None:
        raise CliError("an esketamine session needs its dose: add --dose-mg 56 or 84", 2)
    return NasalOrder(args.dose_mg, args.lot)


def _nasal_preflight(order: NasalOrder, url: str, specs: list[DeviceSpec],
                     registry: DriverRegistry) -> None:
    """Before a port is opened: no pump in an esketamine session, and a dose the clinic
    allows (its settings)."""
    from ketaconsole.security.clinic_settings import esketamine_doses

    pumps = [spec.device_id for spec in specs
             if registry.get(spec.slug).info.kind is DeviceKind.PUMP]
    if pumps:
        raise CliError(f"an esketamine session has no pump: leave out the --device "
                       f"{pumps[0]}", 2)
    try:
        database = open_database(url)
    except DatabaseUnavailable as exc:
        raise CliError(str(exc)) from None
    try:
        problem = order_problem(order.dose_mg, esketamine_doses(database))
    finally:
        database.dispose()
    if problem is not None:
        raise CliError(problem.rstrip("."))


def _specs(pairs: list[str], sets: list[str] | None) -> list[DeviceSpec]:
    given = parse_sets(sets)
    unused = set(given)
    specs: list[DeviceSpec] = []
    taken: set[str] = set()
    ports: set[str] = set()
    for pair in pairs:
        slug, sep, port = pair.partition("=")
        if not sep or not slug.strip() or not port.strip():
            raise CliError(f"--device takes SLUG=PORT (e.g. masimo-ascii=/dev/ttyUSB0), "
                           f"not {pair!r}", 2)
        slug, port = slug.strip(), port.strip()
        if port in ports:
            raise CliError(f"port {echo(port)} is given to two --device options; each "
                           "device needs a port of its own", 2)
        ports.add(port)
        driver = load_driver(slug)
        known = {f.key for f in driver.info.settings}
        mine = {key: value for key, value in given.items() if key in known}
        unused -= set(mine)
        try:
            settings = driver.info.resolve_settings(mine)
        except SettingError as exc:
            raise CliError(str(exc), 2) from None
        device_id, n = slug, 1
        while device_id in taken:
            n += 1
            device_id = f"{slug}-{n}"
        taken.add(device_id)
        specs.append(DeviceSpec(device_id, slug, port, label=device_id, settings=settings))
    if unused:
        raise CliError(f"no device's driver has the setting {sorted(unused)[0]!r}; "
                       "'ketaconsole drivers' lists each driver's settings", 2)
    return specs


def _device_control(args: argparse.Namespace, specs: list[DeviceSpec],
                    registry: DriverRegistry) -> list[tuple[DeviceSpec, SettingField]]:
    """The settings given that let the console command a device (``control_enabled``);
    refused as a usage error, before any port is opened, without ``--as TECHNICIAN``."""
    turned_on = [(spec, setting) for spec in specs
                 for setting in registry.get(spec.slug).info.commanding(spec.settings)]
    if turned_on and not getattr(args, "login", None):
        spec, setting = turned_on[0]
        raise CliError(f"--set {setting.key}={str(spec.settings[setting.key]).lower()} lets "
                       f"the console command {spec.device_id}; a technician must allow it "
                       "in this command: add --as TECHNICIAN (PIN asked, or --pin-stdin)", 2)
    return turned_on


def _allow_device_control(args: argparse.Namespace, url: str,
                          turned_on: list[tuple[DeviceSpec, SettingField]]) -> None:
    """A setting that lets the console command a device is a technician's: logged in with
    ``--as`` in every command, role checked, and on the audit trail with its value before
    (the driver's default) and after, before the room starts."""
    try:
        database = open_database(url)
    except DatabaseUnavailable as exc:
        raise CliError(str(exc)) from None
    try:
        audit = AuditLog(database)
        targets = ", ".join(f"{s.device_id} on {echo(s.port)}" for s, _ in turned_on)
        person = acting_person(database, audit, args, Permission.SAVE_DEVICE_PROFILE,
                               f"device control: {targets}")
        for spec, setting in turned_on:
            audit_as(audit, person, Action.DEVICE_CONTROL_ALLOWED,
                     target=f"{spec.device_id} on {spec.port}",
                     detail={"driver": spec.slug, "setting": setting.key,
                             "before": setting.default, "after": spec.settings[setting.key],
                             "command": "record"})
    finally:
        database.dispose()
    print(f"ketaconsole record: {targets}: the console may command the device, allowed by "
          f"{person.name} (audited)", file=sys.stderr, flush=True)


def _with_primaries(specs: list[DeviceSpec], pairs: list[str] | None) -> list[DeviceSpec]:
    """``--primary METRIC=DEVICE`` choices on the devices they name."""
    chosen: dict[str, set[str]] = {}
    ids = [spec.device_id for spec in specs]
    for pair in pairs or []:
        metrics, sep, device_id = pair.rpartition("=")
        device_id = device_id.strip()
        if not sep or not metrics.strip() or device_id not in ids:
            raise CliError(f"--primary takes METRIC=DEVICE with DEVICE one of "
                           f"{', '.join(ids)} (e.g. SpO2={ids[0]}), not {pair!r}", 2)
        try:
            refids = read_primary_for(metrics)
        except ProfileProblems as exc:
            raise CliError(f"--primary {pair!r}: {exc}", 2) from None
        for refid in refids:
            if any(refid in mine for other, mine in chosen.items() if other != device_id):
                raise CliError(f"--primary gives {metrics.strip()} two devices; each "
                               "metric has one primary device", 2)
            chosen.setdefault(device_id, set()).add(refid)
    return [replace(spec, primary_for=frozenset(chosen.get(spec.device_id, ())))
            for spec in specs]


def _patient_name(args: argparse.Namespace) -> str:
    return " ".join((args.patient or "").split())


def _check_patient(args: argparse.Namespace) -> None:
    if not args.mrn and not (args.patient and args.dob):
        raise CliError("say whose session it is: --mrn MRN (or --patient NAME --dob "
                       "YYYY-MM-DD); 'ketaconsole patients' lists the patients", 2)


def run(args: argparse.Namespace) -> int:
    checklist = read_checklist(args)
    body = (checklist.weight_kg, checklist.height_cm) if checklist is not None \
        else (args.weight, args.height)
    ordered = _ordered(args, body[0])
    nasal = _nasal_order(args, ordered)
    specs = _with_primaries(_specs(args.device, args.set), args.primary)
    registry = clinic_registry()
    url = database_url(getattr(args, "command_db", None) or getattr(args, "db", None))
    commanding = _device_control(args, specs, registry)
    if nasal is not None:
        _nasal_preflight(nasal, url, specs, registry)
    for spec in specs:
        driver = registry.get(spec.slug)
        try:
            open_port(spec.port, driver.info.line, 0.05).close()
        except serial.SerialException as exc:
            raise CliError(describe_port_error(spec.port, exc)) from None
    _check_patient(args)
    plan, accepted = _preflight(args, url, body, ordered)
    if commanding:
        _allow_device_control(args, url, commanding)
    try:
        room = build_room(specs, registry=registry, database_url=url,
                          options=RoomOptions(place="record", door=os_door,
                                              phase_follows_pump=True),
                          on_record_fault=lambda message: print(message, file=sys.stderr,
                                                                flush=True))
    except StationBusy as exc:
        raise CliError(str(exc)) from None
    if room.database is None:
        room.stop()
        problem = room.record.problem or "the record database cannot be opened"
        raise CliError(problem.removeprefix("not recording: "))
    stop = threading.Event()

    def finish(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, finish) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        return _record(args, room, (plan, accepted, nasal), checklist, stop)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


UNCHECKED_REASON = "opened by 'ketaconsole record' without a checklist"


def _record(args: argparse.Namespace, room: Room,
            order: tuple[DosePlan | None, LimitAcceptance | None, NasalOrder | None],
            checklist: Checklist | None, stop: threading.Event) -> int:
    who = PatientNamed(_patient_name(args), args.mrn, args.dob,
                       weight_kg=checklist.weight_kg if checklist is not None else args.weight)
    plan, accepted, nasal = order
    treatment = Treatment(args.treatment)
    try:
        if checklist is None:
            room.workflow.open_unchecked(who, reason=UNCHECKED_REASON, plan=plan,
                                         accepted=accepted, treatment=treatment, nasal=nasal)
        else:
            room.workflow.check_in(checklist.form(who), plan=plan, accepted=accepted,
                                   treatment=treatment, nasal=nasal)
        service = room.service
        assert service is not None
        # The number is announced only once the session's start (or resume) is committed.
        service.recorder.flush()
    except WorkflowError as exc:
        room.stop()
        raise CliError(checklist.explain(exc.problems) if checklist is not None
                       else str(exc)) from None
    except (RecordNotWritten, DatabaseUnavailable) as exc:
        room.stop()
        raise CliError(f"the session could not be opened: {exc} Check the database and "
                       "start again.") from None
    print(service.session_id, flush=True)
    how = "resumed after a gap" if service.resumed else "started"
    recorded = room.model.plan
    checked = "" if recorded is None else (
        f"; the pump is checked against the plan of {recorded.mg_per_kg:g} mg/kg over "
        f"{recorded.duration_min:g} min ({PUMP_RATE.with_unit(recorded.rate_ml_h)})")
    if nasal is not None:
        checked = (f"; esketamine nasal {nasal.dose_mg} mg, monitored by the REMS rules "
                   "(two hours from the first device)")
    course = room.model.course
    if course is not None and nasal is None:
        approval = course.approved_order().describe(room.workflow.drug_library).rstrip(".")
        checked += f"; {approval[0].lower()}{approval[1:]}"
    print(f"session {service.session_id} {how}; recording {len(room.devices)} device(s)"
          f"{checked}; Ctrl+C to stop", file=sys.stderr, flush=True)
    if room.workflow.check_in_record is None:
        print(f"session {service.session_id} is recorded UNCHECKED: no check-in checklist "
              "was given (--checklist FILE); its exports say so", file=sys.stderr,
              flush=True)
    try:
        stop.wait(args.minutes * 60 if args.minutes is not None else None)
    finally:
        written = _end(room)
    if not written:
        raise CliError(f"session {service.session_id} is still open: its record cannot be "
                       f"written ({service.recorder.status.message or 'no answer'}); what was "
                       "held is recorded as lost when 'ketaconsole record' resumes it")
    return 0


def _end(room: Room) -> bool:
    """End the session through the workflow, then stop the room; whether all was written."""
    try:
        ended = room.workflow.end_session(reason="recording stopped")
    except BaseException:
        room.stop()
        raise
    return room.stop() and ended
