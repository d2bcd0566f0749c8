"""The timeline's events, one class per kind: what each holds, its checks, and its sentence.

A timeline event is stored as a kind and a JSON payload. Each kind has a class here
that reads its payload back (:func:`read`, which checks it), writes it
(:meth:`Entry.payload`) and says in one clinical sentence what happened
(:func:`sentence`); :func:`title` is the kind in the clinic's words. Screens and
exports print these, never an internal kind, key or code; units are the ones
clinicians write (mmHg), while UCUM stays in the data.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import MISSING, dataclass, field, fields
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from ketaconsole.alarms.events import AlarmEvent, AlarmEventKind
from ketaconsole.catalogue import CATALOGUE
from ketaconsole.medication.order_check import SoftLimit, limits_sentence
from ketaconsole.store.timeline import format_time

if TYPE_CHECKING:
    from ketaconsole.dose import DosePlan


class EventPayloadError(ValueError):
    """A payload that does not hold what its kind needs; the text says what is missing."""


def _number(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return "?"
    return f"{value:g}"


def _because(reason: Any) -> str:
    return f": {reason}" if isinstance(reason, str) and reason.strip() else ""


@dataclass(frozen=True)
class Entry:
    """A timeline event of one kind; subclasses name their payload's fields."""

    kind: ClassVar[str] = ""
    title: ClassVar[str] = ""

    def __post_init__(self) -> None:
        self.check()

    def check(self) -> None:
        """Raise :class:`EventPayloadError` (one sentence) if the entry cannot be recorded:
        an entry is checked when it is made, never when it is read back."""

    def payload(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_payload(cls: type[E], payload: Mapping[str, Any]) -> E:
        values: dict[str, Any] = {}
        for f in fields(cls):
            if f.name in payload:
                values[f.name] = payload[f.name]
            elif f.default is MISSING and f.default_factory is MISSING:
                raise EventPayloadError(f"a {cls.title.lower()} entry needs {f.name!r}")
        return cls(**values)

    def sentence(self) -> str:
        return self.title

    def heading(self) -> str:
        """What this entry is filed under (the kind's title unless the entry says more)."""
        return self.title


E = TypeVar("E", bound=Entry)
_KINDS: dict[str, type[Entry]] = {}


def kind(name: str, title: str) -> Callable[[type[E]], type[E]]:
    def register(cls: type[E]) -> type[E]:
        cls.kind, cls.title = name, title
        _KINDS[name] = cls
        return cls
    return register


@kind("session_start", "Session started")
@dataclass(frozen=True)
class SessionStarted(Entry):
    patient: str = ""
    weight_kg: float | None = None
    phase: str = ""
    station: str = ""
    devices: list[dict[str, Any]] = field(default_factory=list)

    def sentence(self) -> str:
        weight = f", {_number(self.weight_kg)} kg" if self.weight_kg else ""
        where = f", {self.station}" if self.station else ""
        return f"Session started for {self.patient or 'an unnamed patient'}{weight}{where}"


@kind("session_end", "Session ended")
@dataclass(frozen=True)
class SessionEnded(Entry):
    reason: str = ""
    interrupted: bool = False

    def sentence(self) -> str:
        what = "Session closed as interrupted" if self.interrupted else "Session ended"
        return what + _because(self.reason)


@dataclass(frozen=True)
class Span(Entry):
    """An entry about a stretch of time (stored with ``from`` / ``to`` keys)."""

    began: float | None = None
    ended: float | None = None
    reason: str = ""

    @classmethod
    def from_payload(cls: type[S], payload: Mapping[str, Any]) -> S:
        extra = {f.name: payload[f.name] for f in fields(cls)
                 if f.name not in ("began", "ended") and f.name in payload}
        return cls(began=payload.get("from"), ended=payload.get("to"), **extra)

    def extent(self) -> str:
        """" from <time> to <time> (3 min 29 s)", or nothing when the span is not known."""
        if not isinstance(self.began, int | float) or not isinstance(self.ended, int | float):
            return ""
        minutes, seconds = divmod(round(self.ended - self.began), 60)
        length = f"{minutes} min {seconds} s" if minutes else f"{seconds} s"
        return f" from {format_time(self.began)} to {format_time(self.ended)} ({length})"

    def payload(self) -> dict[str, Any]:
        record = super().payload()
        record["from"], record["to"] = record.pop("began"), record.pop("ended")
        record["from_time"] = format_time(self.began) if self.began is not None else None
        record["to_time"] = format_time(self.ended) if self.ended is not None else None
        return record


S = TypeVar("S", bound=Span)


@kind("gap", "Gap in the record")
@dataclass(frozen=True)
class Gap(Span):
    seconds: float | None = None

    def sentence(self) -> str:
        return f"Gap in the record{self.extent()}{_because(self.reason)}"


@kind("record_loss", "Part of the record lost")
@dataclass(frozen=True)
class RecordLoss(Span):
    count: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)

    def sentence(self) -> str:
        reason = f"; {self.reason}" if self.reason else ""
        return f"Lost from the record{self.extent()}: {self.count} items{reason}"


@kind("store_outage", "Record not written for a while")
@dataclass(frozen=True)
class StoreOutage(Span):
    seconds: float | None = None
    cause: str = ""
    held: int = 0
    """Items held during the outage: ``written + lost`` (before this was so, the most
    held at one time)."""
    written: int = 0
    lost: int = 0
    most_held: int = 0

    def sentence(self) -> str:
        return (f"Record not written{self.extent()} ({self.cause or 'cause not known'}): "
                f"{self.written} held items written later, {self.lost} lost")


@kind("measurement_seal", "Measurements sealed")
@dataclass(frozen=True)
class MeasurementSeal(Entry):
    """The chain's own seal over a batch of stored measurements (checked by ``verify``)."""

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> MeasurementSeal:
        return cls()

    def sentence(self) -> str:
        return "Measurements sealed into the record's chain"


@kind("record_fields", "Patient and session details")
@dataclass(frozen=True)
class RecordFields(Entry):
    """The patient's and session's details as the chain covers them (checked by ``verify``)."""

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> RecordFields:
        return cls()

    def sentence(self) -> str:
        return "Patient and session details written into the record's chain"


@kind("check_in", "Check-in")
@dataclass(frozen=True)
class CheckedIn(Entry):
    """The check-in and pre-assessment checklist as the nurse signed it, with the clinic's
    fasting hours in force (``solids_needed_h``, ``clear_liquids_needed_h``).

    Records from before solids and clear liquids were asked apart hold one
    ``fasting_hours`` instead (since the patient last ate or drank anything); they read
    as they were written, never rewritten.
    """

    patient_name: str
    age_years: int | None = None
    weight_kg: float | None = None
    allergies: str = ""
    current_medication: str = ""
    substance_use: str = ""
    psychosis_or_mania: bool | None = None
    bp_history: str = ""
    solids_hours: float | None = None
    clear_liquids_hours: float | None = None
    consent_signed: bool = False
    iv_site: str = ""
    escort_present: bool = False
    mrn: str = ""
    date_of_birth: str = ""
    patient_id: int | None = None
    height_cm: float | None = None
    solids_needed_h: float | None = None
    clear_liquids_needed_h: float | None = None
    fasting_hours: float | None = None
    """Only in records of the earlier, single fasting question."""
    pregnancy: str | None = None
    """Could the patient be pregnant (``None`` in records from before it was asked)."""

    def check(self) -> None:
        if not isinstance(self.patient_name, str) or not self.patient_name.strip():
            raise EventPayloadError("a check-in entry needs the patient's name")

    def payload(self) -> dict[str, Any]:
        record = super().payload()
        if record["fasting_hours"] is None:  # the earlier question, not asked any more
            del record["fasting_hours"]
        if record["pregnancy"] is None:  # a record from before the question was asked
            del record["pregnancy"]
        return record

    def fasting(self) -> str:
        """'solid food 8 h ago, clear liquids 3 h ago (clinic: 6 h, 2 h)', in either shape."""
        if self.solids_hours is None and self.clear_liquids_hours is None:
            if self.fasting_hours is None:
                return ""
            return f"last ate or drank {_number(self.fasting_hours)} h ago"
        text = (f"solid food {_number(self.solids_hours)} h ago, clear liquids "
                f"{_number(self.clear_liquids_hours)} h ago")
        if self.solids_needed_h is not None and self.clear_liquids_needed_h is not None:
            text += (f" (clinic asks {_number(self.solids_needed_h)} h and "
                     f"{_number(self.clear_liquids_needed_h)} h)")
        return text

    def sentence(self) -> str:
        age = f", {self.age_years} y" if self.age_years is not None else ""
        weight = f", {_number(self.weight_kg)} kg" if self.weight_kg else ""
        height = f", {_number(self.height_cm)} cm" if self.height_cm else ""
        fasting = f"; {self.fasting()}" if self.fasting() else ""
        return (f"Checked in: {self.patient_name}{age}{weight}{height}; pre-assessment "
                f"complete{fasting}")


UNCHECKED_ITEMS = "escort, fasting, psychosis / mania screen, consent and the rest"
"""What a session without a check-in never had checked, in the clinic's words."""


@kind("check_in_skipped", "No check-in")
@dataclass(frozen=True)
class CheckInSkipped(Entry):
    """The session was opened without the check-in checklist (headless ``record`` given
    none): nobody confirmed the escort, fasting, the psychosis / mania screen or consent
    on this console. Every export of the session says so."""

    reason: str = ""

    def sentence(self) -> str:
        return (f"UNCHECKED: no check-in checklist ({UNCHECKED_ITEMS} not checked)"
                f"{_because(self.reason)}")


@kind("baseline", "Baseline vitals")
@dataclass(frozen=True)
class BaselineConfirmed(Entry):
    values: dict[str, float] = field(default_factory=dict)

    def sentence(self) -> str:
        shown = []
        for refid, value in self.values.items():
            known = CATALOGUE.get(refid)
            if known is not None and isinstance(value, int | float):
                shown.append(f"{known.short} {known.format(value)} {known.display_unit}")
        return "Baseline confirmed: " + (", ".join(shown) or "no values")


@kind("dose_plan", "Dose plan")
@dataclass(frozen=True)
class DosePlanned(Entry):
    weight_kg: float
    mg_per_kg: float
    duration_min: float
    concentration_mg_ml: float
    dose_mg: float | None = None
    rate_mg_min: float | None = None
    rate_ml_h: float | None = None
    dosing: dict[str, Any] | None = None
    """Which weight the order is given on and why (``DosingWeight.as_record``); ``None``
    in records made before the clinic's dosing-weight rule."""
    drug_library: str = ""
    """The drug library the order was checked against ('ketamine library default v1')."""

    def check(self) -> None:
        self.plan()

    def plan(self) -> DosePlan:
        """The order as a dose plan (:class:`EventPayloadError` if it is not a usable one)."""
        from ketaconsole.dose import DosePlan, DosePlanError
        from ketaconsole.medication.body import DosingWeight

        try:
            dosing = DosingWeight.from_record(self.dosing) if self.dosing is not None else None
        except (KeyError, ValueError, TypeError) as exc:
            raise EventPayloadError(f"a dose plan entry's dosing weight is unreadable ({exc})"
                                    ) from None
        try:
            return DosePlan(self.weight_kg, self.mg_per_kg, self.duration_min,
                            self.concentration_mg_ml, dosing)
        except DosePlanError as exc:
            raise EventPayloadError(f"a dose plan entry is not a usable order: {exc}") from None

    def sentence(self) -> str:
        dose = f" ({_number(self.dose_mg)} mg)" if self.dose_mg is not None else ""
        rate = f", {_number(self.rate_ml_h)} mL/h" if self.rate_ml_h is not None else ""
        dosing = self.plan().dosing
        basis = "" if dosing is None or dosing.basis.value == "actual" else (
            f" ({dosing.basis.words}; actual weight {_number(dosing.actual_kg)} kg)")
        return (f"Dose plan: {_number(self.mg_per_kg)} mg/kg{dose} over "
                f"{_number(self.duration_min)} min at {_number(self.concentration_mg_ml)} "
                f"mg/mL for {_number(self.weight_kg)} kg{basis}{rate}")


@kind("treatment", "Treatment")
@dataclass(frozen=True)
class TreatmentChosen(Entry):
    """What the session gives: ``iv-ketamine`` or ``esketamine`` (nasal)."""

    treatment: str

    def check(self) -> None:
        from ketaconsole.session.treatment import Treatment

        if self.treatment not in {t.value for t in Treatment}:
            raise EventPayloadError(f"there is no treatment {self.treatment!r}")

    def sentence(self) -> str:
        from ketaconsole.session.treatment import Treatment

        return f"Treatment: {Treatment(self.treatment).words}"


@kind("esketamine_plan", "Esketamine dose")
@dataclass(frozen=True)
class EsketaminePlanned(Entry):
    """The esketamine order: the dose (one the clinic allows) and the lot."""

    dose_mg: int
    lot: str = ""
    allowed_mg: list[int] = field(default_factory=lambda: [56, 84])
    """The doses the clinic allowed when the order was given."""

    def check(self) -> None:
        from ketaconsole.session.treatment import LABEL_DOSES_MG, order_problem

        problem = order_problem(self.dose_mg, LABEL_DOSES_MG)
        if problem is not None:
            raise EventPayloadError(problem[0].lower() + problem[1:].rstrip("."))

    def sentence(self) -> str:
        from ketaconsole.session.treatment import devices_for

        lot = f", lot {self.lot}" if self.lot else ", lot not recorded"
        return (f"Esketamine nasal spray {self.dose_mg} mg ({devices_for(self.dose_mg)} "
                f"devices){lot}")


@kind("nasal_device", "Nasal device administered")
@dataclass(frozen=True)
class NasalDeviceGiven(Entry):
    """One 28 mg device self-administered under supervision (the entry's time is when)."""

    number: int

    def check(self) -> None:
        if isinstance(self.number, bool) or not isinstance(self.number, int) \
                or not 1 <= self.number <= 3:
            raise EventPayloadError("a nasal device entry needs its number, 1 to 3")

    def sentence(self) -> str:
        return f"Device {self.number} administered"


@kind("ready_to_leave", "Ready to leave")
@dataclass(frozen=True)
class ReadyToLeave(Entry):
    """When the patient would have been ready to leave without the two-hour minimum."""

    ready_at: float

    def check(self) -> None:
        if isinstance(self.ready_at, bool) or not isinstance(self.ready_at, int | float) \
                or not math.isfinite(self.ready_at):
            raise EventPayloadError("a ready-to-leave entry needs the time")

    def sentence(self) -> str:
        return (f"Ready to leave at {format_time(self.ready_at)} (without the two-hour "
                "minimum)")


@kind("early_transfer", "Transfer of care before two hours")
@dataclass(frozen=True)
class EarlyTransferOfCare(Entry):
    """Discharge before the two-hour minimum: care handed over, with the reason."""

    reason: str
    monitored_min: float | None = None

    def check(self) -> None:
        if not isinstance(self.reason, str) or not self.reason.strip():
            raise EventPayloadError("a transfer of care before two hours needs the reason")

    def sentence(self) -> str:
        after = f" after {_number(self.monitored_min)} min of monitoring" \
            if self.monitored_min is not None else ""
        return f"Care transferred before the two-hour minimum{after}: {self.reason}"


@kind("dose_limits_accepted", "Order past the clinic's usual limits")
@dataclass(frozen=True)
class DoseLimitsAccepted(Entry):
    """The order goes past soft limits of the clinic's drug library; a named clinician
    accepts it with the reason (recorded just before the plan it belongs to)."""

    clinician: str
    reason: str
    limits: list[dict[str, Any]] = field(default_factory=list)
    drug_library: str = ""

    def check(self) -> None:
        if not isinstance(self.clinician, str) or not self.clinician.strip():
            raise EventPayloadError("an order past the usual limits needs the accepting "
                                    "clinician's name")
        if not isinstance(self.reason, str) or not self.reason.strip():
            raise EventPayloadError("an order past the usual limits needs the reason")
        self.past()

    def past(self) -> tuple[SoftLimit, ...]:
        """The soft limits the order went past."""
        try:
            found = tuple(SoftLimit.from_record(limit) for limit in self.limits)
        except (KeyError, ValueError, TypeError, AttributeError) as exc:
            raise EventPayloadError(f"an order past the usual limits names a limit that "
                                    f"cannot be read ({exc})") from None
        if not found:
            raise EventPayloadError("an order past the usual limits names no limit")
        return found

    def sentence(self) -> str:
        past = limits_sentence(self.past()).rstrip(".")
        return f"{past}; accepted by {self.clinician}: {self.reason}"


@dataclass(frozen=True)
class InfusionStep(Entry):
    action: str = ""
    reason: str = ""
    done: ClassVar[str] = ""

    def sentence(self) -> str:
        return f"Infusion {self.done}{_because(self.reason)}"


@kind("infusion_start", "Infusion started")
@dataclass(frozen=True)
class InfusionStarted(InfusionStep):
    done: ClassVar[str] = "started"


@kind("infusion_pause", "Infusion paused")
@dataclass(frozen=True)
class InfusionPaused(InfusionStep):
    done: ClassVar[str] = "paused"


@kind("infusion_resume", "Infusion resumed")
@dataclass(frozen=True)
class InfusionResumed(InfusionStep):
    done: ClassVar[str] = "resumed"


@kind("infusion_stop", "Infusion stopped")
@dataclass(frozen=True)
class InfusionStopped(InfusionStep):
    done: ClassVar[str] = "stopped"


@kind("phase", "Phase")
@dataclass(frozen=True)
class PhaseChanged(Entry):
    phase: str

    def check(self) -> None:
        from ketaconsole.session.phase import Phase

        if self.phase not in {p.value for p in Phase}:
            raise EventPayloadError(f"there is no session phase {self.phase!r}")

    def sentence(self) -> str:
        return f"Phase: {self.phase}"


@kind("discharge_assessment_started", "Discharge assessment")
@dataclass(frozen=True)
class DischargeAssessmentStarted(Entry):
    def sentence(self) -> str:
        return "Discharge assessment started"


@kind("discharge_criteria", "Discharge criteria")
@dataclass(frozen=True)
class DischargeCriteria(Entry):
    scale: str
    total: int
    criteria_met: bool
    items: dict[str, int] = field(default_factory=dict)

    def sentence(self) -> str:
        met = "criteria met" if self.criteria_met else "criteria not met"
        return f"Discharge criteria, modified {self.scale}: {self.total} ({met})"


@kind("discharge", "Discharge")
@dataclass(frozen=True)
class Discharged(Entry):
    criteria: str = ""
    score: int | None = None
    escort_present: bool | None = None

    def sentence(self) -> str:
        escort = "" if self.escort_present is None else (
            "; escort present" if self.escort_present else "; no escort")
        return f"Discharged: {self.criteria} {self.score if self.score is not None else ''}" \
               f"{escort}".replace("  ", " ")


@kind("signature", "Signature")
@dataclass(frozen=True)
class Signature(Entry):
    """The one shape of a signature: who signed, in which role, what the signature means."""

    signer: str
    role: str
    meaning: str
    statement: str = ""
    break_glass: bool = False

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> Signature:
        signer = payload.get("signer") or payload.get("name")  # records before one shape
        if not signer:
            raise EventPayloadError("a signature needs the signer's name")
        return cls(str(signer), str(payload.get("role") or ""),
                   str(payload.get("meaning") or payload.get("statement") or "signature"),
                   str(payload.get("statement") or ""), bool(payload.get("break_glass")))

    def sentence(self) -> str:
        role = f" ({self.role})" if self.role else ""
        glass = " under emergency access" if self.break_glass else ""
        return f"Signed by {self.signer}{role}{glass}: {self.meaning}"


@kind("pre_assessment", "Pre-assessment")
@dataclass(frozen=True)
class PreAssessment(Entry):
    items: dict[str, Any] = field(default_factory=dict)

    def sentence(self) -> str:
        return "Pre-assessment: " + ("; ".join(f"{k.replace('_', ' ')}: {v}"
                                               for k, v in self.items.items()) or "recorded")


@kind("annotation", "Note")
@dataclass(frozen=True)
class Annotation(Entry):
    text: str
    free_text: bool = False
    """Typed by the nurse, not one of the one-tap notes."""

    def sentence(self) -> str:
        return self.text


@kind("rescue_medication", "Rescue medication")
@dataclass(frozen=True)
class RescueMedication(Entry):
    drug: str
    dose: float | str = "?"
    unit: str = ""
    route: str = "IV"
    given_at: float | None = None
    """When it was given, where the nurse records it after the fact."""

    def sentence(self) -> str:
        dose = _number(self.dose) if isinstance(self.dose, int | float) else str(self.dose)
        return " ".join(p for p in ("Rescue medication:", self.drug, dose, self.unit,
                                    self.route) if p)


@kind("scale", "Rating scale")
@dataclass(frozen=True)
class ScaleScored(Entry):
    scale: str
    score: float | int | str = "?"
    meaning: str = ""
    items: dict[str, Any] = field(default_factory=dict)

    def sentence(self) -> str:
        text = f"{self.scale} {self.score}"
        if self.meaning:
            text += f" ({self.meaning})"
        return text


@kind("adverse_event", "Adverse event")
@dataclass(frozen=True)
class AdverseEvent(Entry):
    event: str
    intervention: str = ""
    outcome: str = ""

    def sentence(self) -> str:
        return (f"Adverse event: {self.event}; intervention: {self.intervention or 'none'}; "
                f"outcome: {self.outcome or 'not recorded'}")


@kind("rate_change", "Pump rate changed")
@dataclass(frozen=True)
class RateChanged(Entry):
    rate_ml_h: float
    reason: str = ""

    def sentence(self) -> str:
        return f"Pump rate set to {_number(self.rate_ml_h)} mL/h{_because(self.reason)}"


@kind("pump_state", "Pump")
@dataclass(frozen=True)
class PumpStateChanged(Entry):
    device: str
    state: str

    def sentence(self) -> str:
        named = f"The {self.device}" if "pump" in self.device.lower() \
            else f"The pump ({self.device})"
        return f"{named} reports: {self.state}"


_ALARM_DONE = {
    AlarmEventKind.STARTED: "raised", AlarmEventKind.ESCALATED: "raised in priority",
    AlarmEventKind.DEESCALATED: "lowered in priority",
    AlarmEventKind.ACKNOWLEDGED: "acknowledged",
    AlarmEventKind.LATCHED: "condition over, kept on until reset",
    AlarmEventKind.RESET: "reset", AlarmEventKind.ENDED: "ended"}


@kind("alarm", "Alarm")
@dataclass(frozen=True)
class AlarmRecorded(Entry):
    """An alarm system event as recorded (its own record form)."""

    alarm: AlarmEvent

    def payload(self) -> dict[str, Any]:
        return self.alarm.as_record()

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> AlarmRecorded:
        try:  # the timeline event's own time stands for a record written without "at"
            return cls(AlarmEvent.from_record({"at": 0.0, **payload}))
        except (KeyError, ValueError, TypeError) as exc:
            raise EventPayloadError(f"an alarm entry is incomplete ({exc})") from None

    def heading(self) -> str:
        """A baseline or a limit set is no alarm: filed under the alarm limits."""
        if self.alarm.kind in (AlarmEventKind.LIMIT_CHANGED, AlarmEventKind.BASELINE_SET):
            return "Alarm limits"
        if self.alarm.kind in (AlarmEventKind.AUDIO_PAUSED, AlarmEventKind.AUDIO_RESUMED):
            return "Alarm sound"
        return self.title

    def sentence(self) -> str:
        alarm = self.alarm
        by = f" by {alarm.by}" if alarm.by else ""
        if alarm.kind is AlarmEventKind.AUDIO_PAUSED:
            return f"Alarm sound paused for 2 minutes{by}"
        if alarm.kind is AlarmEventKind.AUDIO_RESUMED:
            return f"Alarm sound on again{by}"
        if alarm.kind is AlarmEventKind.BASELINE_SET:  # who set it is the entry's author
            what = alarm.message.removeprefix("Baseline ")
            return f"The alarms judge rises from the baseline {what}"
        if alarm.kind is AlarmEventKind.LIMIT_CHANGED:
            return f"{alarm.message}{by}"
        priority = f"{alarm.priority.value}-priority " if alarm.priority else ""
        what = alarm.message if alarm.kind is AlarmEventKind.STARTED and alarm.message \
            else (alarm.label or alarm.message or "alarm")
        return f"{priority.capitalize()}alarm {_ALARM_DONE[alarm.kind]}: {what}{by}"


@kind("device_alarm", "Device alarm")
@dataclass(frozen=True)
class DeviceAlarmed(Entry):
    device: str
    text: str = ""
    code: str = ""
    active: bool = True
    source: str = ""

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> DeviceAlarmed:
        return cls(str(payload.get("device") or "a device"), str(payload.get("text") or ""),
                   str(payload.get("code") or ""), bool(payload.get("active", True)),
                   str(payload.get("source") or ""))

    def sentence(self) -> str:
        what = self.text or f"alarm {self.code}"
        return f"The {self.device} reports: {what}" + ("" if self.active else " (cleared)")


@kind("link", "Device connection")
@dataclass(frozen=True)
class LinkChanged(Entry):
    device: str
    status: str
    detail: str = ""

    def sentence(self) -> str:
        return f"The {self.device} is {self.status}{_because(self.detail)}"


@kind("device_identity", "Device")
@dataclass(frozen=True)
class DeviceIdentified(Entry):
    device: str
    model: str | None = None
    serial: str | None = None
    firmware: str | None = None
    details: dict[str, str] = field(default_factory=dict)

    def sentence(self) -> str:
        parts = [p for p in (self.model, f"serial {self.serial}" if self.serial else "",
                             f"firmware {self.firmware}" if self.firmware else "") if p]
        return f"The {self.device} is " + (", ".join(parts) or "of unknown model")


@kind("device_command", "Command to a device")
@dataclass(frozen=True)
class DeviceCommanded(Entry):
    device: str
    command: str

    def sentence(self) -> str:
        return f"Sent to the {self.device}: {self.command}"


@kind("devices", "Devices in use")
@dataclass(frozen=True)
class DevicesChanged(Entry):
    devices: list[dict[str, Any]] = field(default_factory=list)

    def sentence(self) -> str:
        names = ", ".join(str(d.get("device_id", "?")) for d in self.devices)
        return f"Devices in use changed: {names or 'none'}"


@kind("export", "Record exported")
@dataclass(frozen=True)
class Exported(Entry):
    """A discharge record written: its files, the chain head it was read at, their hashes,
    and what sending it to the record system gave (fields left out when they do not apply)."""

    format: str = "?"
    mllp_result: str | None = None
    files: list[str] | None = None
    interim: bool | None = None
    head_seq: int | None = None
    head: str | None = None
    content_sha256: str | None = None
    file_sha256: dict[str, str] | None = None
    mllp: str | None = None
    mllp_messages: int | None = None
    mllp_attempts: int | None = None
    mllp_problem: str | None = None

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> Exported:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in payload.items() if k in known and k != "format"},
                   format=str(payload.get("format") or "?"))

    def payload(self) -> dict[str, Any]:
        return {k: v for k, v in super().payload().items() if v is not None}

    def sentence(self) -> str:
        names = {"pdf": "PDF", "csv": "CSV", "fhir": "FHIR R4", "hl7": "HL7 v2",
                 "vital": "VitalDB .vital", "rems": "the REMS patient monitoring record"}
        sent = {"delivered": "; sent to the record system",
                "failed": "; sending to the record system failed"}.get(
            str(self.mllp_result), "")
        return f"Record exported as {names.get(self.format, self.format)}{sent}"


@kind("correction", "Correction")
@dataclass(frozen=True)
class Corrected(Entry):
    reason: str
    corrected: dict[str, Any] = field(default_factory=dict)

    def sentence(self) -> str:
        return f"An earlier entry was corrected{_because(self.reason)}"


@kind("retraction", "Entry withdrawn")
@dataclass(frozen=True)
class Retracted(Entry):
    reason: str

    def sentence(self) -> str:
        return f"An earlier entry was withdrawn as entered in error{_because(self.reason)}"


@kind("measure", "Rating scale answered")
@dataclass(frozen=True)
class MeasureAnswered(Entry):
    """A questionnaire answered item by item (PHQ-9, GAD-7, MADRS), scored."""

    instrument: str
    total: int
    version: str = ""
    items: list[int] = field(default_factory=list)
    band: str = ""
    flags: list[str] = field(default_factory=list)
    loinc: str | None = None

    def sentence(self) -> str:
        band = f" ({self.band})" if self.band else ""
        flagged = ""
        if "suicidality" in self.flags:
            flagged = "; thoughts of self-harm reported: to be acknowledged before dosing"
        return f"{self.instrument} {_number(self.total)}{band}{flagged}"


@kind("clinical_flag_acknowledged", "Clinical flag acknowledged")
@dataclass(frozen=True)
class ClinicalFlagAcknowledged(Entry):
    flag: str
    acknowledged_by: str
    action: str = ""

    def sentence(self) -> str:
        what = {"suicidality": "Thoughts of self-harm"}.get(self.flag, self.flag)
        done = f"; {self.action}" if self.action.strip() else ""
        return f"{what} acknowledged by {self.acknowledged_by}{done}"


@kind("course_clearance", "Course eligibility")
@dataclass(frozen=True)
class CourseClearance(Entry):
    """The approved eligibility assessment this session runs under, and what it flagged."""

    assessment_id: int
    prescriber: str
    dose_min_mg_per_kg: float
    dose_max_mg_per_kg: float
    expires: str = ""
    flagged: list[str] = field(default_factory=list)
    patient_id: int | None = None
    mrn: str | None = None
    infusion_min_minutes: float | None = None
    infusion_max_minutes: float | None = None
    max_total_mg: float | None = None
    """The infusion time and total dose approved; ``None`` for an approval made before
    they were asked (the clinic's hard limits then apply)."""

    def sentence(self) -> str:
        flagged = "; flagged: " + ", ".join(self.flagged) if self.flagged else \
            "; nothing flagged"
        until = f", valid until {self.expires}" if self.expires else ""
        over = (f" over {_number(self.infusion_min_minutes)} to "
                f"{_number(self.infusion_max_minutes)} min"
                if self.infusion_min_minutes is not None
                and self.infusion_max_minutes is not None else "")
        total = f", at most {_number(self.max_total_mg)} mg" \
            if self.max_total_mg is not None else ""
        older = "" if over and total else (
            " (the approval does not state the infusion time and total dose: the clinic's "
            "hard limits apply)")
        return (f"Course approved by {self.prescriber} for "
                f"{_number(self.dose_min_mg_per_kg)} to {_number(self.dose_max_mg_per_kg)} "
                f"mg/kg{over}{total}{older}{until}{flagged}")


@kind("dose_proposal", "Dose proposal")
@dataclass(frozen=True)
class DoseProposalDecided(Entry):
    """The titration rule's proposal, its inputs, and what the nurse or prescriber decided."""

    proposed_mg_per_kg: float
    chosen_mg_per_kg: float
    rule: str
    reason: str = ""
    inputs: dict[str, Any] = field(default_factory=dict)
    decision: str = "accepted"
    override_reason: str = ""

    def sentence(self) -> str:
        if self.decision == "accepted":
            return (f"Proposed dose {_number(self.proposed_mg_per_kg)} mg/kg accepted "
                    f"(the clinic's titration rule: {self.reason})")
        return (f"Proposed dose {_number(self.proposed_mg_per_kg)} mg/kg overridden to "
                f"{_number(self.chosen_mg_per_kg)} mg/kg{_because(self.override_reason)}")


def _class_of(kind_name: str) -> type[Entry]:
    cls = _KINDS.get(kind_name)
    if cls is None:
        raise EventPayloadError(f"there is no timeline event kind {kind_name!r}")
    return cls


def read(kind_name: str, payload: Mapping[str, Any]) -> Entry:
    """The typed event for a stored kind and payload; :class:`EventPayloadError` if unfit."""
    cls = _class_of(kind_name)
    try:
        return cls.from_payload(payload)
    except TypeError as exc:
        raise EventPayloadError(f"a {cls.title.lower()} entry is malformed ({exc})") from None


def make(kind_name: str, payload: Mapping[str, Any]) -> Entry:
    """A new typed event from a screen's fields: as :func:`read`, and a field the kind
    does not hold is refused rather than dropped (nothing entered is silently lost)."""
    cls = _class_of(kind_name)
    known = {f.name for f in fields(cls)} | ({"from", "to"} if issubclass(cls, Span) else set())
    unknown = sorted(set(payload) - known)
    if unknown:
        raise EventPayloadError(f"a {cls.title.lower()} entry has no field {unknown[0]!r}")
    return read(kind_name, payload)


def title(kind_name: str, payload: Mapping[str, Any] | None = None) -> str:
    """The kind in the clinic's words (``check_in`` -> ``Check-in``); with the entry's
    ``payload``, what this entry is filed under (a baseline for the alarms is no alarm)."""
    cls = _KINDS.get(kind_name)
    if cls is None:
        return kind_name.replace("_", " ").capitalize()
    if payload is not None:
        try:
            return read(kind_name, payload).heading()
        except EventPayloadError:
            return cls.title
    return cls.title


def sentence(kind_name: str, payload: Mapping[str, Any]) -> str:
    """What happened, in one sentence a nurse or doctor reads (never raises)."""
    try:
        return read(kind_name, payload).sentence()
    except EventPayloadError:
        return f"{title(kind_name)} (the entry's details could not be read)"


def known_kinds() -> list[str]:
    return sorted(_KINDS)
