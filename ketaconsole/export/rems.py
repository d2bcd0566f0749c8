"""The REMS patient-monitoring record of an esketamine session, filled from its record.

The fields follow the REMS Patient Monitoring Form's order: the patient, concomitant
medicines that may cause sedation or blood-pressure changes (read from the check-in's
current medication against four classes), the dose and lot, the total monitoring time
from the first device to the end of monitoring (the discharge sign-off, else the
session's end), when the patient would have been ready to leave without the two-hour
minimum, vital signs acceptable before dosing and at the end, the three blood pressures
with their times, sedation (MOAA/S), dissociation (CADSS-6 and the nurse's notes),
respiratory depression (SpO2, respiratory-rate and apnoea alarms) and serious adverse
events. Every field is one fold of the session's events (``record.state``) or its stored
measurements; a field the record cannot fill is ``None`` and named in ``missing``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ketaconsole.catalogue import NIBP_DIA, NIBP_SYS, SPO2
from ketaconsole.export.record import SessionRecord
from ketaconsole.session.esketamine import BpCheck, bp_checks
from ketaconsole.session.state import fold
from ketaconsole.store import Database
from ketaconsole.store.review import list_sessions, timeline
from ketaconsole.store.timeline import format_time

CONCOMITANT_CLASSES: dict[str, tuple[str, ...]] = {
    "benzodiazepines": ("alprazolam", "lorazepam", "clonazepam", "diazepam", "temazepam",
                        "chlordiazepoxide", "oxazepam", "midazolam", "triazolam",
                        "xanax", "ativan", "klonopin", "valium", "restoril"),
    "non-benzodiazepine sedative hypnotics": ("zolpidem", "zaleplon", "eszopiclone",
                                              "zopiclone", "ambien", "lunesta", "sonata"),
    "psychostimulants": ("amphetamine", "dextroamphetamine", "lisdexamfetamine",
                         "methylphenidate", "dexmethylphenidate", "modafinil",
                         "armodafinil", "adderall", "vyvanse", "ritalin", "concerta"),
    "MAOIs": ("phenelzine", "tranylcypromine", "isocarboxazid", "selegiline",
              "moclobemide", "rasagiline", "nardil", "parnate", "marplan", "emsam"),
}
"""The form's four classes and the medicines (generic and common brand names) read as them."""

PRE_DOSE_BP_LIMIT = (140.0, 90.0)
"""Above this before dosing the label advises considering a delay (CLINICAL.md section 2)."""
RESPIRATORY_ALARMS = ("spo2-low", "rr-low", "apnea")
SCALE_MOAAS, SCALE_CADSS = "MOAA/S", "CADSS-6"


@dataclass(frozen=True, slots=True)
class BloodPressure:
    """One of the three REMS readings: what it is, when it was taken, the values."""

    check: str
    taken_at: float | None
    systolic: float | None
    diastolic: float | None

    def as_json(self) -> dict[str, Any]:
        return {"check": self.check, "time": _time(self.taken_at),
                "systolic_mmHg": self.systolic, "diastolic_mmHg": self.diastolic}

    def words(self) -> str:
        if self.taken_at is None:
            return "not taken"
        return f"{_bp(self.systolic, self.diastolic)} mmHg at {_clock(self.taken_at)}"


@dataclass(frozen=True, slots=True)
class Occurrence:
    """Whether something occurred, and what in the record says so."""

    occurred: bool | None
    """``None``: the record cannot say."""
    evidence: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {"occurred": self.occurred, "evidence": list(self.evidence)}

    def words(self) -> str:
        if self.occurred is None:
            return "not known: " + "; ".join(self.evidence) if self.evidence else "not known"
        said = "Yes" if self.occurred else "No"
        return f"{said}: " + "; ".join(self.evidence) if self.evidence else said


@dataclass(frozen=True)
class RemsForm:
    """The REMS Patient Monitoring Form's fields, in its order."""

    session_id: int
    patient_name: str
    patient_identifier: str | None
    date_of_birth: str | None
    session_date: str
    concomitant: dict[str, list[str]] | None
    """Per class, the medicines of the check-in's list in it (``None``: no check-in)."""
    dose_mg: int | None
    lot: str | None
    first_device_at: float | None
    devices_at: tuple[float, ...]
    end_of_monitoring_at: float | None
    ready_to_leave_at: float | None
    early_transfer: str | None
    vitals_acceptable_before: Occurrence
    vitals_acceptable_at_end: Occurrence
    blood_pressures: tuple[BloodPressure, BloodPressure, BloodPressure]
    sedation: Occurrence
    dissociation: Occurrence
    respiratory_depression: Occurrence
    serious_adverse_events: tuple[str, ...]
    status: str
    missing: list[str] = field(default_factory=list)

    @property
    def monitoring_minutes(self) -> float | None:
        if self.first_device_at is None or self.end_of_monitoring_at is None:
            return None
        return round((self.end_of_monitoring_at - self.first_device_at) / 60, 1)

    def as_json(self) -> dict[str, Any]:
        return {
            "form": "REMS patient monitoring", "session": self.session_id,
            "record_status": self.status,
            "patient": {"name": self.patient_name, "identifier": self.patient_identifier,
                        "date_of_birth": self.date_of_birth},
            "session_date": self.session_date,
            "concomitant_medications": self.concomitant,
            "dose_mg": self.dose_mg, "lot": self.lot,
            "devices_administered": [_time(at) for at in self.devices_at],
            "monitoring": {"first_device": _time(self.first_device_at),
                           "end_of_monitoring": _time(self.end_of_monitoring_at),
                           "total_minutes": self.monitoring_minutes,
                           "ready_to_leave_at": _time(self.ready_to_leave_at),
                           "transfer_of_care_before_two_hours": self.early_transfer},
            "vital_signs_acceptable": {"before_dosing": self.vitals_acceptable_before.as_json(),
                                       "at_end": self.vitals_acceptable_at_end.as_json()},
            "blood_pressures": [bp.as_json() for bp in self.blood_pressures],
            "sedation": self.sedation.as_json(),
            "dissociation": self.dissociation.as_json(),
            "respiratory_depression": self.respiratory_depression.as_json(),
            "serious_adverse_events": list(self.serious_adverse_events),
            "missing": list(self.missing)}


class NotEsketamine(ValueError):
    """The session gave no esketamine: it has no REMS form."""


def _clock(at: float) -> str:
    """'14:15:20 UTC': a time in a sentence of the form."""
    return datetime.fromtimestamp(at, UTC).strftime("%H:%M:%S UTC")


def _time(at: float | None) -> str | None:
    return None if at is None else format_time(at)


def _bp(systolic: float | None, diastolic: float | None) -> str:
    def one(value: float | None) -> str:
        return "?" if value is None else f"{value:g}"
    return f"{one(systolic)}/{one(diastolic)}"


def concomitant_in(text: str) -> dict[str, list[str]]:
    """Per class of the form, the medicines of ``text`` (the check-in's list) in it."""
    words = set(re.findall(r"[a-z]+", text.lower()))
    return {name: sorted(drug for drug in drugs if drug in words)
            for name, drugs in CONCOMITANT_CLASSES.items()}


def _value_at(record: SessionRecord, refid: str, at: float) -> float | None:
    series = record.series.get(refid)
    return None if series is None else series.latest_before(at, 1.0)


def _blood_pressures(record: SessionRecord
                     ) -> tuple[BloodPressure, BloodPressure, BloodPressure]:
    series = record.series.get(NIBP_SYS.refid)
    times = [] if series is None else [float(t) for t, v in zip(series.times, series.values,
                                                                strict=True) if v == v]
    checks: tuple[BpCheck, ...] = bp_checks(record.state.nasal, times, record.started_at)
    before, at_40, at_end = (
        BloodPressure(c.name, c.taken_at,
                      None if c.taken_at is None else _value_at(record, NIBP_SYS.refid,
                                                                c.taken_at),
                      None if c.taken_at is None else _value_at(record, NIBP_DIA.refid,
                                                                c.taken_at))
        for c in checks)
    return before, at_40, at_end


def _scores(record: SessionRecord, scale: str) -> list[tuple[float, float]]:
    found = []
    for event in record.events_of("scale"):
        score = event.payload.get("score")
        if event.payload.get("scale") == scale and isinstance(score, int | float):
            found.append((event.at, float(score)))
    return found


def _sedation(record: SessionRecord) -> Occurrence:
    scores = _scores(record, SCALE_MOAAS)
    if not scores:
        return Occurrence(None, ("no MOAA/S recorded",))
    low = [f"MOAA/S {score:g} at {_clock(at)}" for at, score in scores if score < 5]
    return Occurrence(bool(low), tuple(low) or (f"MOAA/S 5 at each of {len(scores)} "
                                                "assessments",))


def _dissociation(record: SessionRecord) -> Occurrence:
    scores = _scores(record, SCALE_CADSS)
    noted = [f"noted at {_clock(e.at)}" for e in record.events_of("annotation")
             if "dissociat" in str(e.payload.get("text", "")).lower()]
    if not scores and not noted:
        return Occurrence(None, ("no CADSS-6 recorded",))
    high = [f"CADSS-6 {score:g} at {_clock(at)}" for at, score in scores if score > 0]
    evidence = tuple(high + noted)
    return Occurrence(bool(evidence), evidence or (f"CADSS-6 0 at each of {len(scores)} "
                                                   "assessments",))


def _respiratory(record: SessionRecord) -> Occurrence:
    raised = []
    for event in record.events_of("alarm"):
        alarm_id = str(event.payload.get("alarm_id") or "")
        if event.payload.get("kind") == "started" \
                and alarm_id.split(":")[0] in RESPIRATORY_ALARMS:
            raised.append(f"{event.payload.get('label') or alarm_id} at {_clock(event.at)}")
    if raised:
        return Occurrence(True, tuple(raised))
    if SPO2.refid not in record.series:
        return Occurrence(None, ("no SpO2 recorded",))
    lowest = float(min(v for v in record.series[SPO2.refid].values if v == v))
    return Occurrence(False, (f"no SpO2, respiratory-rate or apnoea alarm; lowest SpO2 "
                              f"{lowest:g}%",))


def _acceptable_before(before: BloodPressure) -> Occurrence:
    if before.taken_at is None or before.systolic is None or before.diastolic is None:
        return Occurrence(None, ("no blood pressure before the first device",))
    high_s, high_d = PRE_DOSE_BP_LIMIT
    fine = before.systolic <= high_s and before.diastolic <= high_d
    return Occurrence(fine, (f"BP {before.words()}",))


def _acceptable_at_end(record: SessionRecord) -> Occurrence:
    criteria = record.events_of("discharge_criteria")
    if not criteria:
        return Occurrence(None, ("no discharge criteria recorded",))
    last = criteria[-1].payload
    return Occurrence(bool(last.get("criteria_met")),
                      (f"modified {last.get('scale')} {last.get('total')}",))


def _end_of_monitoring(record: SessionRecord) -> float | None:
    signed = [e.at for e in record.events_of("signature")
              if e.payload.get("meaning") == "discharge sign-off"]
    if signed:
        return signed[-1]
    return record.ended_at


def rems_form(record: SessionRecord) -> RemsForm:
    """The form filled from ``record`` (:class:`NotEsketamine` for an IV session)."""
    nasal = record.state.nasal
    if not nasal.esketamine:
        raise NotEsketamine(f"session {record.session_id} gave no esketamine, so it has no "
                            "REMS monitoring form; export it as pdf, csv, fhir, hl7 or vital")
    check_in = record.state.check_in
    concomitant = None if check_in is None else concomitant_in(
        str(check_in.get("current_medication") or ""))
    pressures = _blood_pressures(record)
    serious = tuple(f"{e.payload.get('event')} at {_clock(e.at)}; intervention: "
                    f"{e.payload.get('intervention') or 'none'}; outcome: "
                    f"{e.payload.get('outcome') or 'not recorded'}"
                    for e in record.events_of("adverse_event"))
    form = RemsForm(
        session_id=record.session_id, patient_name=record.patient_name,
        patient_identifier=record.patient_identifier, date_of_birth=record.date_of_birth,
        session_date=format_time(record.started_at)[:10], concomitant=concomitant,
        dose_mg=nasal.dose_mg, lot=nasal.lot or None, first_device_at=nasal.first_device_at,
        devices_at=nasal.devices_at, end_of_monitoring_at=_end_of_monitoring(record),
        ready_to_leave_at=nasal.ready_to_leave_at, early_transfer=nasal.early_transfer,
        vitals_acceptable_before=_acceptable_before(pressures[0]),
        vitals_acceptable_at_end=_acceptable_at_end(record), blood_pressures=pressures,
        sedation=_sedation(record), dissociation=_dissociation(record),
        respiratory_depression=_respiratory(record), serious_adverse_events=serious,
        status=record.status_words())
    form.missing.extend(_missing(form))
    return form


def _missing(form: RemsForm) -> list[str]:
    """Each field the record could not fill, in the form's order, in words."""
    missing = []
    if form.concomitant is None:
        missing.append("concomitant medications: no check-in (current medication not asked)")
    for name, value in (("dose", form.dose_mg), ("lot number", form.lot),
                        ("first device", form.first_device_at),
                        ("end of monitoring (no discharge sign-off or session end)",
                         form.end_of_monitoring_at),
                        ("ready-to-leave time", form.ready_to_leave_at)):
        if value is None:
            missing.append(name)
    for label, occurrence in (("vital signs acceptable before dosing",
                               form.vitals_acceptable_before),
                              ("vital signs acceptable at the end", form.vitals_acceptable_at_end),
                              ("sedation", form.sedation), ("dissociation", form.dissociation),
                              ("respiratory depression", form.respiratory_depression)):
        if occurrence.occurred is None:
            missing.append(f"{label} ({'; '.join(occurrence.evidence)})")
    missing.extend(f"{bp.check} (not taken)" for bp in form.blood_pressures
                   if bp.taken_at is None)
    return missing


REMS_DAYS = 7
"""The REMS asks the form within this many days of the session."""


@dataclass(frozen=True, slots=True)
class RemsDue:
    """An esketamine session whose REMS form has not been exported yet."""

    session_id: int
    patient: str
    started_at: float
    due_by: float

    def overdue(self, now: float) -> bool:
        return now > self.due_by

    def as_record(self, now: float) -> dict[str, Any]:
        return {"session": self.session_id, "patient": self.patient,
                "started": format_time(self.started_at), "due_by": format_time(self.due_by),
                "overdue": self.overdue(now)}


def rems_due(database: Database) -> list[RemsDue]:
    """Every esketamine session with no REMS export on its timeline, oldest first; each is
    due :data:`REMS_DAYS` days after it started."""
    due = []
    for summary in list_sessions(database):
        events = timeline(database, summary.id, seals=False)
        if not fold(events).nasal.esketamine:
            continue
        if any(e.kind == "export" and e.payload.get("format") == "rems" for e in events):
            continue
        due.append(RemsDue(summary.id, summary.patient, summary.started_at,
                           summary.started_at + REMS_DAYS * 86400))
    return due
