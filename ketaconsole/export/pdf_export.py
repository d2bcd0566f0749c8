"""The discharge record as one PDF: what a clinic prints, signs off and files.

Sections, in order: header (clinic, patient, date, session, clinicians), pre-assessment,
dose plan and dose delivered (mg, mg/kg, running time, rate changes; figures from
:mod:`ketaconsole.dose`), the vitals trend chart with event marks, the vitals at each
check, the timeline, scales, adverse events, discharge criteria, signatures. A section
with nothing recorded says so. A record that is not final (interim, or ended without the
sign-off) says so under its title, and an unchecked one (no check-in checklist) says so
there in a red box and again in its pre-assessment. Every page carries its number, the
record status (``export.status``) and the integrity stamp (see ``integrity``).
Drawn with reportlab only; A4 or US Letter.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, BinaryIO

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.flowables import HRFlowable

from ketaconsole import __version__
from ketaconsole.catalogue import CATALOGUE, PUMP_RATE
from ketaconsole.course.titration import rule_in_words
from ketaconsole.export.paper import Paper
from ketaconsole.export.pdf_chart import trend_chart
from ketaconsole.export.record import SessionRecord
from ketaconsole.export.status import NOT_FINAL, UNCHECKED_WARNING
from ketaconsole.export.summary import (
    CHECK_COLUMNS,
    RateChange,
    checks,
    describe_event,
    dose_summary,
    rescue_dose_text,
)
from ketaconsole.medication.library import library_in_words
from ketaconsole.security.roles import role_in_words
from ketaconsole.security.users import SYSTEM_AUTHORS
from ketaconsole.session.discharge import SCALES as DISCHARGE_SCALES
from ketaconsole.session.events import EventPayloadError, Signature, sentence, title

HIDDEN_KINDS = ("device_identity",)
"""Timeline kinds too technical for the printed timeline (they stay in the CSV)."""
MARGIN = 16 * mm


def latin(text: object) -> str:
    """Text the standard PDF fonts can show: subscripts spelled out, the rest Latin-1."""
    value = str(text).replace("\u2082", "2").replace("\u2265", ">=").replace("\u2264", "<=")
    value = value.replace("\u2014", "-").replace("\u2013", "-").replace("\u00b7", "-")
    return value.encode("latin-1", "replace").decode("latin-1")


def _escape(text: object) -> str:
    return latin(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clock(at: float | None, with_date: bool = False) -> str:
    if at is None:
        return "-"
    moment = datetime.fromtimestamp(at, UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC" if with_date else "%H:%M:%S")


def duration(seconds: float) -> str:
    minutes, second = divmod(round(seconds), 60)
    hours, minute = divmod(minutes, 60)
    return f"{hours} h {minute:02d} min {second:02d} s" if hours else f"{minute} min {second:02d} s"


class _Styles:
    def __init__(self) -> None:
        sheet = getSampleStyleSheet()
        self.title = ParagraphStyle("title", parent=sheet["Title"], fontSize=15,
                                    spaceAfter=2, alignment=0)
        self.interim = ParagraphStyle("interim", parent=sheet["Normal"], fontSize=10,
                                      textColor=colors.HexColor("#b03a2e"),
                                      fontName="Helvetica-Bold", spaceAfter=4)
        self.unchecked = ParagraphStyle("unchecked", parent=self.interim, fontSize=11.5,
                                        leading=14, borderWidth=1.2, borderPadding=5,
                                        borderColor=colors.HexColor("#b03a2e"),
                                        spaceBefore=10, spaceAfter=10)
        self.heading = ParagraphStyle("heading", parent=sheet["Heading2"], fontSize=11.5,
                                      spaceBefore=9, spaceAfter=4)
        self.body = ParagraphStyle("body", parent=sheet["Normal"], fontSize=8.5, leading=10.5)
        self.cell = ParagraphStyle("cell", parent=sheet["Normal"], fontSize=7.5, leading=9)
        self.empty = ParagraphStyle("empty", parent=self.body,
                                    textColor=colors.HexColor("#555555"),
                                    fontName="Helvetica-Oblique")


def _table(rows: list[list[Any]], widths: list[float], styles: _Styles,
           header: bool = True) -> Table:
    cells = [[c if isinstance(c, Flowable) else Paragraph(_escape(c), styles.cell)
              for c in row] for row in rows]
    table = Table(cells, colWidths=widths, repeatRows=1 if header else 0, hAlign="LEFT")
    commands: list[tuple[Any, ...]] = [
        ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#b0b0b0")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
    ]
    if header:
        commands.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8edf2")))
    table.setStyle(TableStyle(commands))
    return table


def _pairs(pairs: list[tuple[str, str]], width: float, styles: _Styles) -> Table:
    """Label/value pairs laid out two to a row."""
    rows: list[list[Any]] = []
    for index in range(0, len(pairs), 2):
        row: list[Any] = []
        for label, value in pairs[index:index + 2]:
            row.extend([Paragraph(f"<b>{_escape(label)}</b>", styles.cell),
                        Paragraph(_escape(value), styles.cell)])
        while len(row) < 4:
            row.append("")
        rows.append(row)
    quarter = width / 4
    table = Table(rows, colWidths=[quarter * 0.7, quarter * 1.3, quarter * 0.7, quarter * 1.3])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("TOPPADDING", (0, 0), (-1, -1), 1),
                               ("BOTTOMPADDING", (0, 0), (-1, -1), 1)]))
    return table


def _clinicians(record: SessionRecord) -> str:
    """Who signed (name and role), then anyone else who made an entry (by user name)."""
    names: list[str] = []
    covered = {"", *SYSTEM_AUTHORS}
    for event in record.events_of("signature"):
        signed = _signature(event.payload)
        name, role = (signed.signer, signed.role) if signed is not None else ("", "")
        entry = f"{name} ({role_in_words(role)})" if role else name
        covered.add(event.author)
        if name and entry not in names:
            names.append(entry)
    for event in record.events:
        if event.author not in covered and event.kind != "export":
            covered.add(event.author)
            names.append(record.who(event.author))
    return ", ".join(names) if names else "none recorded"


def _header(record: SessionRecord, clinic: str, width: float, styles: _Styles) -> list[Any]:
    parts: list[Any] = [Paragraph(_escape(f"{clinic}: ketamine infusion record"), styles.title)]
    not_final = NOT_FINAL.get(record.status)
    if not_final:
        parts.append(Paragraph(_escape(not_final), styles.interim))
    if record.unchecked:
        parts.append(Paragraph(_escape(UNCHECKED_WARNING), styles.unchecked))
    weight = f"{record.weight_kg:g} kg" if record.weight_kg is not None else "not recorded"
    ended = clock(record.ended_at, True) if record.ended_at is not None else (
        "signed off; the session is still open" if record.state.signed_by else "in progress")
    parts.append(_pairs([
        ("Patient", record.patient_name), ("MRN", record.patient_identifier or "-"),
        ("Date of birth", record.date_of_birth or "-"), ("Weight", weight),
        ("Date", datetime.fromtimestamp(record.started_at, UTC).strftime("%Y-%m-%d")),
        ("Session", f"{record.session_id}, {record.station}" if record.station
                    else str(record.session_id)),
        ("Started", clock(record.started_at, True)), ("Ended", ended),
        ("Clinicians", _clinicians(record)), ("Devices", ", ".join(record.device_ids()) or "-"),
    ], width, styles))
    return parts


def _pre_assessment(record: SessionRecord, width: float, styles: _Styles) -> list[Any]:
    parts: list[Any] = [Paragraph("Pre-assessment", styles.heading)]
    if record.unchecked:
        why = record.state.check_in_skipped
        parts.append(Paragraph(_escape(UNCHECKED_WARNING + (f" The record says: {why}." if why
                                                            else "")), styles.interim))
    events = record.events_of("check_in", "pre_assessment", "baseline")
    if not events:
        return parts if record.unchecked else [
            *parts, Paragraph("No pre-assessment recorded.", styles.empty)]
    rows: list[list[Any]] = [["Item", "Entry", "Recorded", "By"]]
    for event in events:
        items = event.payload.get("items")
        if event.kind == "check_in":
            for name, value in event.payload.items():
                if name in CHECK_IN_UNPRINTED or (name == "date_of_birth" and not value):
                    continue
                rows.append([CHECK_IN_LABELS.get(name, name.replace("_", " ")),
                             _yes_no(value), clock(event.at), record.who(event.author)])
        elif event.kind == "baseline":
            values = event.payload.get("values") or {}
            for refid, value in values.items():
                known = CATALOGUE.get(refid)
                label = f"Baseline {known.label.lower()}" if known else f"Baseline {refid}"
                shown = known.format(value) + f" {known.display_unit}" if known else str(value)
                rows.append([label, shown, clock(event.at), record.who(event.author)])
        elif isinstance(items, dict):
            for name, value in items.items():
                rows.append([name, value, clock(event.at), record.who(event.author)])
        else:
            rows.append(["(entry)", describe_event(event.kind, event.payload),
                         clock(event.at), record.who(event.author)])
    return [*parts, _table(rows, [width * 0.3, width * 0.4, width * 0.12, width * 0.18],
                           styles)]


CHECK_IN_LABELS = {
    "patient_name": "Patient", "age_years": "Age (years)", "weight_kg": "Weight (kg)",
    "height_cm": "Height (cm)",
    "allergies": "Allergies", "current_medication": "Current medication",
    "substance_use": "Substance use", "psychosis_or_mania": "Psychosis or mania",
    "bp_history": "Blood-pressure history",
    "solids_hours": "Hours since solid food", "clear_liquids_hours": "Hours since clear liquids",
    "solids_needed_h": "Clinic asks: hours without solid food",
    "clear_liquids_needed_h": "Clinic asks: hours without clear liquids",
    "fasting_hours": "Hours since last ate or drank",
    "consent_signed": "Consent signed", "phq9_total": "Baseline PHQ-9",
    "iv_site": "IV site", "escort_present": "Escort present", "mrn": "MRN",
    "pregnancy": "Could be pregnant",
    "date_of_birth": "Date of birth"}
"""How the check-in form's fields read on paper."""
CHECK_IN_UNPRINTED = frozenset({"patient_id"})
"""The record's own number for the patient: not a clinician's word (the MRN is)."""


def _yes_no(value: object) -> str:
    if value is True:
        return "yes"
    if value is False:
        return "no"
    if isinstance(value, float):
        return f"{value:g}"
    return "-" if value is None else str(value)


def _dose(record: SessionRecord, width: float, styles: _Styles) -> list[Any]:
    parts: list[Any] = [Paragraph("Dose plan and dose delivered", styles.heading)]
    plan = record.dose_plan
    if plan is None:
        parts.append(Paragraph(_escape(record.dose_plan_problem or "No dose plan recorded."),
                               styles.empty))
    else:
        weight = f"{plan.weight_kg:g} kg" + ("" if plan.dosing is None
                                             else f": {plan.dosing.reason()}")
        state = record.state
        checked = [("Drug library", library_in_words(state.drug_library))] \
            if state.drug_library else []
        parts.append(_pairs([
            ("Order", f"{plan.mg_per_kg:g} mg/kg over {plan.duration_min:g} min"),
            ("Weight used", weight),
            ("Planned dose", f"{plan.dose_mg:.1f} mg"),
            ("Concentration", f"{plan.concentration_mg_ml:g} mg/mL"),
            ("Planned rate", f"{plan.rate_mg_min:.3f} mg/min = {plan.rate_mg_h:.1f} mg/h"),
            ("Planned pump rate",
             f"{PUMP_RATE.with_unit(plan.rate_ml_h)} ({plan.volume_ml:.2f} mL in all)"),
            *checked, *_limits_accepted(record),
        ], width, styles))
    dose = dose_summary(record)
    parts.append(Spacer(1, 4))
    delivered = dose.delivered
    if delivered is not None:
        given = (f"{delivered.delivered_mg:.1f} mg = {delivered.delivered_mg_per_kg:.3f} mg/kg "
                 f"({delivered.fraction_of_plan * 100:.0f}% of plan) from "
                 f"{delivered.delivered_ml:.2f} mL")
    elif dose.delivered_ml is not None:
        given = f"{dose.delivered_ml:.2f} mL (no usable plan to convert to mg)"
    else:
        given = "no volume reported by the pump"
    parts.append(_pairs([
        ("Delivered", given),
        ("Pump rate measured", _measured_rate(dose.rate_changes)),
        ("Infusion time", duration(dose.running_s) if dose.running_s else "not started"),
        ("Infusion start", clock(dose.infusion_started_at, True)),
        ("Infusion end", clock(dose.infusion_ended_at, True)),
    ], width, styles))
    if dose.rate_changes:
        rows: list[list[Any]] = [["Time", "Pump rate", "Dose rate", "Set by / reason"]]
        notes = record.events_of("rate_change")
        for change in dose.rate_changes:
            note = next((f"{record.who(e.author)}: {e.payload.get('reason', '')}"
                         for e in notes if abs(e.at - change.at) <= 60), "the pump")
            rows.append([clock(change.at), PUMP_RATE.with_unit(change.rate_ml_h),
                         "-" if change.rate_mg_h is None else f"{change.rate_mg_h:.1f} mg/h",
                         note])
        parts.append(Spacer(1, 4))
        parts.append(Paragraph("Rate changes", styles.body))
        parts.append(_table(rows, [width * 0.14, width * 0.16, width * 0.16, width * 0.54],
                            styles))
    return parts


def _limits_accepted(record: SessionRecord) -> list[tuple[str, str]]:
    """The plan's going past the clinic's usual limits: which, who accepted it and why."""
    accepted = record.state.limits_accepted
    if accepted is None:
        return []
    return [("Past the usual limits", sentence("dose_limits_accepted", accepted))]


def _measured_rate(changes: Sequence[RateChange]) -> str:
    """The rates the pump reported while it ran (not the plan's), or that it sent none."""
    running = [c.rate_ml_h for c in changes if c.rate_ml_h > 0]
    if not running:
        return "no rate reported by the pump"
    low, high = min(running), max(running)
    if low == high:
        return f"{PUMP_RATE.with_unit(low)} as reported by the pump"
    return (f"{PUMP_RATE.with_unit(low)} to {PUMP_RATE.with_unit(high)} as reported by the "
            "pump (see rate changes)")


def _course(record: SessionRecord, width: float, styles: _Styles) -> list[Any]:
    """The course this session belongs to: eligibility, measures, the titration rule's say."""
    events = record.events_of("course_clearance", "measure", "clinical_flag_acknowledged",
                              "dose_proposal")
    if not events:
        return []
    parts: list[Any] = [Paragraph("Course: eligibility, measures and dosing rule",
                                  styles.heading)]
    for event in events:
        if event.kind != "dose_proposal":
            parts.append(Paragraph(_escape(sentence(event.kind, event.payload)), styles.body))
            continue
        p = event.payload
        inputs = p.get("inputs") or {}
        approved = inputs.get("approved_mg_per_kg") or ["?", "?"]
        parts.append(_pairs([
            ("Rule", rule_in_words(str(p.get("rule", "")))),
            ("Proposed", f"{p.get('proposed_mg_per_kg', '?')} mg/kg: {p.get('reason', '')}"),
            ("Chosen", f"{p.get('chosen_mg_per_kg', '?')} mg/kg ({p.get('decision', '?')}"
                       + (f": {p['override_reason']}" if p.get("override_reason") else "")
                       + f", by {record.who(event.author)})"),
            ("Inputs", f"PHQ-9 now {inputs.get('current_phq9', '-')}; approved range "
                       f"{approved[0]} to {approved[1]} mg/kg"),
        ], width, styles))
        rows: list[list[Any]] = [["Infusion", "mg/kg", "PHQ-9 before", "BP alarm",
                                  "Peak CADSS-6"]]
        for number, past in enumerate(inputs.get("history") or [], start=1):
            rows.append([str(number), f"{past.get('mg_per_kg', '?')}",
                         str(past.get("phq9_before") if past.get("phq9_before") is not None
                             else "-"),
                         "yes" if past.get("bp_alarm") else "no",
                         str(past.get("peak_cadss6") if past.get("peak_cadss6") is not None
                             else "-")])
        if len(rows) > 1:
            parts.append(Spacer(1, 4))
            parts.append(_table(rows, [width / 5] * 5, styles))
    return parts


def _chart(record: SessionRecord, width: float, styles: _Styles) -> list[Any]:
    heading = Paragraph("Vitals trend", styles.heading)
    if not record.stored:
        return [heading, Paragraph("No vital signs recorded.", styles.empty)]
    return [KeepTogether([heading, trend_chart(record, width)])]


def _checks(record: SessionRecord, width: float, styles: _Styles) -> list[Any]:
    parts: list[Any] = [Paragraph("Vitals at each check", styles.heading)]
    rows_data = checks(record)
    if not rows_data:
        return [*parts, Paragraph("No blood pressure checks recorded.", styles.empty)]
    labels = [latin(CATALOGUE[m].short) + f" ({CATALOGUE[m].display_unit})"
              for m in CHECK_COLUMNS]
    rows: list[list[Any]] = [["Time", "NIBP (mmHg)", *labels]]
    for check in rows_data:
        dia = "--" if check.diastolic is None else f"{check.diastolic:.0f}"
        mean = "" if check.mean is None else f" ({check.mean:.0f})"
        bp = f"{check.systolic:.0f}/{dia}{mean}"
        rows.append([clock(check.at), bp, *[CATALOGUE[m].format(check.others[m])
                                             for m in CHECK_COLUMNS]])
    first = width * 0.12
    second = width * 0.16
    rest = (width - first - second) / len(CHECK_COLUMNS)
    return [*parts, _table(rows, [first, second] + [rest] * len(CHECK_COLUMNS), styles)]


def _timeline(record: SessionRecord, width: float, styles: _Styles) -> list[Any]:
    parts: list[Any] = [Paragraph("Timeline", styles.heading)]
    events = [e for e in record.events if e.kind not in HIDDEN_KINDS]
    if not events:
        return [*parts, Paragraph("No timeline events recorded.", styles.empty)]
    rows: list[list[Any]] = [["#", "Time", "Event", "Entry", "By"]]
    first_day = datetime.fromtimestamp(record.started_at, UTC).date()
    for event in events:
        other_day = datetime.fromtimestamp(event.at, UTC).date() != first_day
        label = title(event.kind, event.payload)
        when = (datetime.fromtimestamp(event.at, UTC).strftime("%Y-%m-%d %H:%M:%S")
                if other_day else clock(event.at))
        rows.append([str(event.seq), when, label,
                     describe_event(event.kind, event.payload), record.who(event.author)])
    return [*parts, _table(rows, [width * 0.06, width * 0.11, width * 0.15, width * 0.52,
                                  width * 0.16], styles)]


def _scales(record: SessionRecord, width: float, styles: _Styles) -> list[Any]:
    parts: list[Any] = [Paragraph("Scales", styles.heading)]
    events = record.events_of("scale")
    if not events:
        return [*parts, Paragraph("No scales recorded.", styles.empty)]
    rows: list[list[Any]] = [["Time", "Scale", "Score", "Detail", "By"]]
    for event in events:
        payload = event.payload
        detail = payload.get("meaning") or ""
        items = payload.get("items")
        if isinstance(items, dict):
            detail = "; ".join(f"{k}: {v}" for k, v in items.items())
        rows.append([clock(event.at), payload.get("scale", "?"), payload.get("score", "?"),
                     detail, record.who(event.author)])
    return [*parts, _table(rows, [width * 0.11, width * 0.12, width * 0.08, width * 0.53,
                                  width * 0.16], styles)]


def _adverse(record: SessionRecord, width: float, styles: _Styles) -> list[Any]:
    parts: list[Any] = [Paragraph("Adverse events and rescue medication", styles.heading)]
    events = record.events_of("adverse_event", "rescue_medication")
    if not events:
        return [*parts, Paragraph("No adverse events recorded.", styles.empty)]
    rows: list[list[Any]] = [["Time", "Event", "Intervention", "Outcome", "By"]]
    for event in events:
        payload = event.payload
        if event.kind == "rescue_medication":
            rows.append([clock(event.at), "Rescue medication", rescue_dose_text(payload),
                         payload.get("outcome", "-"), record.who(event.author)])
        else:
            rows.append([clock(event.at), payload.get("event", "?"),
                         payload.get("intervention") or "none",
                         payload.get("outcome") or "not recorded", record.who(event.author)])
    alarms = [e for e in record.events_of("alarm") if e.payload.get("kind") == "started"]
    table = _table(rows, [width * 0.11, width * 0.25, width * 0.25, width * 0.23,
                          width * 0.16], styles)
    parts.append(table)
    if alarms:
        parts.append(Spacer(1, 3))
        summary = "; ".join(f"{clock(e.at)} {sentence(e.kind, e.payload)}" for e in alarms)
        parts.append(Paragraph(_escape(f"Alarms raised: {summary}"), styles.body))
    return parts


def _discharge(record: SessionRecord, width: float, styles: _Styles) -> list[Any]:
    parts: list[Any] = [Paragraph("Discharge criteria", styles.heading)]
    events = record.events_of("discharge", "discharge_criteria")
    if not events:
        return [*parts, Paragraph("No discharge assessment recorded.", styles.empty)]
    for event in events:
        payload = dict(event.payload)
        if event.kind == "discharge_criteria":
            met = payload.get("criteria_met")
            payload["score"] = f"{payload.get('total', '?')}" + (
                "" if met is None else (" (criteria met)" if met else " (criteria NOT met)"))
            payload["criteria"] = payload.get("scale", "discharge criteria")
        criteria = payload.get("criteria", "discharge criteria")
        escort = payload.get("escort_present")
        escort_text = "" if escort is None else ("; escort present" if escort
                                                  else "; NO escort present")
        parts.append(Paragraph(_escape(
            f"{criteria}: score {payload.get('score', '?')} at {clock(event.at)} by "
            f"{record.who(event.author)}{escort_text}"), styles.body))
        items = payload.get("items")
        if isinstance(items, dict) and items:
            rows: list[list[Any]] = [["Criterion", "Score"]]
            rows.extend([latin(CRITERION_LABELS.get(name, name[:1].upper() + name[1:])), value]
                        for name, value in items.items())
            parts.append(_table(rows, [width * 0.5, width * 0.15], styles))
    return parts


CRITERION_LABELS = {item.key: item.label for items in DISCHARGE_SCALES.values()
                    for item in items}
"""Discharge criteria by their record key, in the words of the scale."""


def _signature(payload: dict[str, Any]) -> Signature | None:
    try:
        return Signature.from_payload(payload)
    except EventPayloadError:
        return None


def _signatures(record: SessionRecord, width: float, styles: _Styles) -> list[Any]:
    parts: list[Any] = [Paragraph("Signatures", styles.heading)]
    events = record.events_of("signature")
    if not events:
        return [*parts, Paragraph("No signatures recorded.", styles.empty)]
    rows: list[list[Any]] = [["Name", "Role", "Signed (UTC)", "Statement"]]
    for event in events:
        signed = _signature(event.payload)
        if signed is None:
            rows.append([record.who(event.author), "-", clock(event.at, True),
                         "(unreadable signature)"])
            continue
        rows.append([signed.signer, role_in_words(signed.role) or "-",
                     clock(event.at, True),
                     signed.statement or signed.meaning])
    return [*parts, _table(rows, [width * 0.2, width * 0.15, width * 0.22, width * 0.43],
                           styles)]


def _page_furniture_factory(status: str, stamp_line: str, page_size: tuple[float, float],
                            session_id: int) -> type[Canvas]:
    """A canvas that holds its pages until the end, to print 'page N of M' on each."""

    class RecordCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._held_pages: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._held_pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._held_pages)
            for number, state in enumerate(self._held_pages, start=1):
                self.__dict__.update(state)
                self._furniture(number, total)
                super().showPage()
            super().save()

        def _furniture(self, number: int, total: int) -> None:
            width, _ = page_size
            self.saveState()
            self.setStrokeColor(colors.HexColor("#999999"))
            self.setLineWidth(0.4)
            self.line(MARGIN, 19 * mm, width - MARGIN, 19 * mm)
            self.setFont("Helvetica", 7.5)
            self.drawString(MARGIN, 15 * mm,
                            f"Session {session_id} - {status} - KetaConsole {__version__}")
            self.drawRightString(width - MARGIN, 15 * mm, f"Page {number} of {total}")
            self.setFont("Courier", 5.6)
            half = stamp_line.find(" head=")
            self.drawString(MARGIN, 11.5 * mm, stamp_line[:half] if half > 0 else stamp_line)
            if half > 0:
                self.drawString(MARGIN, 8.8 * mm, stamp_line[half + 1:])
            self.restoreState()

    return RecordCanvas


def write(record: SessionRecord, stream: BinaryIO, *, paper: Paper = Paper.A4,
          clinic: str = "KetaConsole clinic", stamp_line: str = "") -> None:
    styles = _Styles()
    page_size = paper.size
    document = SimpleDocTemplate(
        stream, pagesize=page_size, leftMargin=MARGIN, rightMargin=MARGIN,
        topMargin=14 * mm, bottomMargin=24 * mm,
        title=f"Ketamine infusion record, session {record.session_id}",
        author="KetaConsole", subject=stamp_line, creator=f"KetaConsole {__version__}",
        invariant=True)
    width = page_size[0] - 2 * MARGIN
    story: list[Any] = []
    story += _header(record, clinic, width, styles)
    story.append(HRFlowable(width="100%", thickness=0.5, color=colors.HexColor("#999999"),
                            spaceBefore=4, spaceAfter=2))
    for section in (_pre_assessment, _course, _dose, _chart, _checks, _timeline, _scales, _adverse,
                    _discharge, _signatures):
        story += section(record, width, styles)
    canvas_class = _page_furniture_factory(record.status_words(), stamp_line, page_size,
                                           record.session_id)
    document.build(story, canvasmaker=canvas_class)
