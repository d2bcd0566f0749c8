"""The REMS patient-monitoring record as a PDF, in the form's order, and as JSON.

Both files are written from one :class:`~ketaconsole.export.rems.RemsForm`; the PDF uses
the discharge record's page furniture (page numbers, record status, integrity stamp) and
lists, last, every field the record could not fill. The JSON holds the same fields and
the integrity stamp.
"""

from __future__ import annotations

import json
from typing import Any, BinaryIO

from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from ketaconsole import __version__
from ketaconsole.export.paper import Paper
from ketaconsole.export.pdf_export import (
    MARGIN,
    _escape,
    _page_furniture_factory,
    _pairs,
    _Styles,
    _table,
    clock,
)
from ketaconsole.export.rems import RemsForm


def _when(at: float | None) -> str:
    return "not recorded" if at is None else clock(at, True)


def _section(title: str, styles: _Styles) -> Paragraph:
    return Paragraph(_escape(title), styles.heading)


def write_pdf(form: RemsForm, stream: BinaryIO, *, paper: Paper = Paper.A4,
              clinic: str = "KetaConsole clinic", stamp_line: str = "") -> None:
    from reportlab.lib.units import mm

    styles = _Styles()
    document = SimpleDocTemplate(
        stream, pagesize=paper.size, leftMargin=MARGIN, rightMargin=MARGIN,
        topMargin=14 * mm, bottomMargin=24 * mm,
        title=f"REMS patient monitoring record, session {form.session_id}",
        author="KetaConsole", subject=stamp_line, creator=f"KetaConsole {__version__}",
        invariant=True)
    width = paper.size[0] - 2 * MARGIN
    story: list[Any] = [
        Paragraph(_escape(f"{clinic}: esketamine REMS patient monitoring record"),
                  styles.title),
        Paragraph(_escape(f"Filled from session {form.session_id}'s record "
                          f"({form.status}); check each field before submitting the form."),
                  styles.body)]
    story += [_section("1. Patient", styles), _pairs([
        ("Patient", form.patient_name), ("Patient ID (MRN)", form.patient_identifier or "-"),
        ("Date of birth", form.date_of_birth or "-"), ("Treatment date", form.session_date)],
        width, styles)]
    story.append(_section("2. Concomitant medications that may cause sedation or blood "
                          "pressure changes", styles))
    if form.concomitant is None:
        story.append(Paragraph("Not known: the session has no check-in.", styles.empty))
    else:
        story.append(_table([["Class", "Taking", "Medicines (from the check-in)"]] + [
            [name, "Yes" if drugs else "No", ", ".join(drugs) or "-"]
            for name, drugs in form.concomitant.items()],
            [width * 0.4, width * 0.12, width * 0.48], styles))
    devices = ", ".join(f"device {n} at {clock(at)}"
                        for n, at in enumerate(form.devices_at, start=1)) or "none recorded"
    story += [_section("3. Dose", styles), _pairs([
        ("Dose", f"{form.dose_mg} mg" if form.dose_mg else "not recorded"),
        ("Lot number", form.lot or "not recorded"), ("Devices administered", devices)],
        width, styles)]
    minutes = form.monitoring_minutes
    story += [_section("4. Monitoring", styles), _pairs([
        ("First device", _when(form.first_device_at)),
        ("End of monitoring", _when(form.end_of_monitoring_at)),
        ("Total monitoring time", "not known" if minutes is None else f"{minutes:g} min"),
        ("Ready to leave (without the two-hour minimum)", _when(form.ready_to_leave_at)),
        ("Transfer of care before two hours", form.early_transfer or "no")], width, styles)]
    story += [_section("5. Vital signs", styles), _pairs([
        ("Acceptable before dosing", form.vitals_acceptable_before.words()),
        ("Acceptable at the end of monitoring", form.vitals_acceptable_at_end.words())],
        width, styles), Spacer(1, 4),
        _table([["Blood pressure", "Reading"]] + [[bp.check, bp.words()]
                                                  for bp in form.blood_pressures],
               [width * 0.4, width * 0.6], styles)]
    story += [_section("6. Adverse events", styles), _table([
        ["Event", "Occurred"],
        ["Sedation (MOAA/S)", form.sedation.words()],
        ["Dissociation (CADSS-6, notes)", form.dissociation.words()],
        ["Respiratory depression (SpO2, respiratory rate)",
         form.respiratory_depression.words()],
        ["Serious adverse events", "; ".join(form.serious_adverse_events) or "none recorded"]],
        [width * 0.4, width * 0.6], styles)]
    story.append(_section("Not in the record", styles))
    if form.missing:
        story += [Paragraph(_escape(f"- {item}"), styles.interim) for item in form.missing]
    else:
        story.append(Paragraph("Every field of the form is filled from the record.",
                               styles.body))
    canvas_class = _page_furniture_factory(form.status, stamp_line, paper.size,
                                           form.session_id)
    document.build(story, canvasmaker=canvas_class)


def write_json(form: RemsForm, stream: BinaryIO, *, stamp_line: str = "") -> None:
    document = {**form.as_json(), "integrity": stamp_line}
    stream.write(json.dumps(document, indent=2, ensure_ascii=False).encode("utf-8"))
