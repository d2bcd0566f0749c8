"""The course summary PDF: the course view's plots, each session's key figures, the assessment."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, BinaryIO
from xml.sax.saxutils import escape

from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.shapes import Drawing, Line, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from ketaconsole import __version__
from ketaconsole.course.follow_ups import TITLES, answers_in_words
from ketaconsole.course.summary import CourseSummary

WIDTH = A4[0] - 30 * mm


def _date(at: float | None) -> str:
    return datetime.fromtimestamp(at).strftime("%d %b %Y") if at else "-"


def text(value: object) -> str:
    """Text as the PDF's paragraphs take it: escaped, in the standard fonts' Latin-1."""
    return escape(str(value)).encode("latin-1", "replace").decode("latin-1")


def plot(title: str, series: Sequence[tuple[str, list[tuple[float, float]], Any]],
         levels: Sequence[tuple[str, float, Any]] = (), *, y_range: tuple[float, float] | None
         = None) -> Drawing:
    """A small line chart: each series with points, each level as a dashed line."""
    drawing = Drawing(WIDTH / 2 - 4, 62 * mm)
    chart = LinePlot()
    chart.x, chart.y = 28, 22
    chart.width, chart.height = WIDTH / 2 - 44, 62 * mm - 44
    data = [points or [(0.0, 0.0)] for _, points, _ in series]
    chart.data = data
    for index, (_, points, colour) in enumerate(series):
        chart.lines[index].strokeColor = colour
        chart.lines[index].strokeWidth = 1.5 if points else 0
    count = max((len(points) for _, points, _ in series), default=1)
    chart.xValueAxis.valueMin, chart.xValueAxis.valueMax = 0.5, count + 0.5
    chart.xValueAxis.valueSteps = list(range(1, count + 1))
    values = [y for _, points, _ in series for _, y in points] + [v for _, v, _ in levels]
    low, high = y_range or (min(values, default=0.0), max(values, default=1.0))
    pad = (high - low) * 0.1 or 1.0
    chart.yValueAxis.valueMin, chart.yValueAxis.valueMax = low - pad, high + pad
    chart.xValueAxis.labels.fontSize = chart.yValueAxis.labels.fontSize = 7
    drawing.add(chart)
    span = chart.yValueAxis.valueMax - chart.yValueAxis.valueMin
    for name, value, colour in levels:
        y = chart.y + (value - chart.yValueAxis.valueMin) / span * chart.height
        drawing.add(Line(chart.x, y, chart.x + chart.width, y, strokeColor=colour,
                         strokeDashArray=[3, 2], strokeWidth=0.8))
        drawing.add(String(chart.x + 3, y + 2, f"{name} {value:g}", fontSize=7,
                           fillColor=colour))
    drawing.add(String(chart.x, chart.y + chart.height + 8, title, fontSize=9))
    legend = ", ".join(name for name, _, _ in series)
    drawing.add(String(chart.x, 4, legend, fontSize=7, fillColor=colors.grey))
    return drawing


def _charts(summary: CourseSummary) -> Table:
    visits = [v for v in summary.visits if v.phq9 is not None]
    phq = [(float(i), float(v.phq9)) for i, v in enumerate(visits, start=1)
           if v.phq9 is not None]
    madrs = [(float(i), float(v.madrs)) for i, v in enumerate(summary.visits, start=1)
             if v.madrs is not None]
    levels: list[tuple[str, float, Any]] = [("remission", summary.remission_line,
                                             colors.teal)]
    if summary.response_line is not None:
        levels.insert(0, ("response", summary.response_line, colors.green))
    scores = plot("PHQ-9 (and MADRS) per visit",
                  [("PHQ-9", phq, colors.blue)] + ([("MADRS", madrs, colors.purple)]
                                                   if madrs else []), levels,
                  y_range=(0, 27) if not madrs else None)
    infusions = summary.infusions
    xs = [float(i) for i in range(1, len(infusions) + 1)]
    approved: list[tuple[str, float, Any]] = []
    if summary.assessment is not None:
        approved = [("approved max", summary.assessment.dose_max_mg_per_kg, colors.red),
                    ("approved min", summary.assessment.dose_min_mg_per_kg, colors.grey)]
    dose = plot("Dose per infusion (mg/kg)",
                [("mg/kg", [(x, float(s.mg_per_kg or 0)) for x, s in zip(xs, infusions,
                                                                        strict=True)],
                  colors.green)], approved)

    def points(values: list[float | None]) -> list[tuple[float, float]]:
        return [(x, v) for x, v in zip(xs, values, strict=True) if v is not None]

    vitals = plot("Peak systolic BP (mmHg), lowest SpO2 (%)", [
        ("peak SBP", points([s.peak_systolic for s in infusions]), colors.red),
        ("lowest SpO2", points([s.lowest_spo2 for s in infusions]), colors.blue)])
    cadss = plot("Peak CADSS-6", [("CADSS-6", points(
        [float(s.peak_cadss6) if s.peak_cadss6 is not None else None for s in infusions]),
        colors.orange)])
    grid = Table([[scores, dose], [vitals, cadss]], colWidths=[WIDTH / 2] * 2)
    grid.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return grid


def _sessions(summary: CourseSummary, style: Any) -> Table:
    rows: list[list[Any]] = [["#", "Date", "mg/kg", "mg given", "PHQ-9", "GAD-7", "Peak SBP",
                              "Low SpO2", "CADSS-6", "BP alarm", "Rescue / adverse"]]
    for number, line in enumerate(summary.infusions, start=1):
        notes = "; ".join([*line.rescue_medications, *line.adverse_events]) or "-"
        rows.append([str(number), _date(line.started_at), f"{line.mg_per_kg:g}",
                     f"{line.delivered_mg:.2f}" if line.delivered_mg is not None else "-",
                     str(line.measures.get("PHQ-9", "-")), str(line.measures.get("GAD-7", "-")),
                     f"{line.peak_systolic:.0f}" if line.peak_systolic is not None else "-",
                     f"{line.lowest_spo2:.0f}" if line.lowest_spo2 is not None else "-",
                     str(line.peak_cadss6) if line.peak_cadss6 is not None else "-",
                     "yes" if line.bp_alarm else "no", Paragraph(text(notes), style)])
    table = Table(rows, repeatRows=1)
    table.setStyle(TableStyle([
        ("FONTSIZE", (0, 0), (-1, -1), 7.5), ("GRID", (0, 0), (-1, -1), 0.3, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e5e7eb"))]))
    return table


def write_course_pdf(summary: CourseSummary, stream: BinaryIO, *,
                     clinic: str = "KetaConsole clinic") -> None:
    styles = getSampleStyleSheet()
    person = summary.patient
    document = SimpleDocTemplate(stream, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm,
                                 topMargin=14 * mm, bottomMargin=16 * mm,
                                 title=f"Course summary, {person.name}", author="KetaConsole",
                                 creator=f"KetaConsole {__version__}", invariant=True)
    due = summary.next_infusion_due()
    story: list[Any] = [
        Paragraph(text(f"{clinic}: ketamine course summary"), styles["Title"]),
        Paragraph(text(f"{person.name} \u00b7 MRN {person.mrn or '-'} \u00b7 born "
                        f"{person.date_of_birth or '-'} \u00b7 {summary.state()} \u00b7 "
                        f"next infusion due {_date(due) if due else '-'}"), styles["Normal"])]
    a = summary.assessment
    if a is not None:
        record = a.record
        prior = "; ".join(f"{t['kind']} ({t['detail']})" if t.get("detail") else t["kind"]
                          for t in record.get("prior_treatments", [])) or "none recorded"
        story += [Spacer(1, 4), Paragraph("Eligibility assessment", styles["Heading3"]),
                  Paragraph(text(
                      f"{'Approved' if a.approved else 'Not approved'} by {a.prescriber} on "
                      f"{_date(a.assessed_at)}, valid until {a.expires()}; approved order "
                      f"{a.summary()}. Flagged: "
                      f"{', '.join(a.flagged) or 'nothing'}. Prior treatments: {prior}. Consent: "
                      f"{record.get('consent_document', '-')}, version "
                      f"{record.get('consent_version', '-')}."), styles["Normal"])]
    story += [Spacer(1, 4), _charts(summary), Spacer(1, 4),
              Paragraph("Infusions", styles["Heading3"]), _sessions(summary, styles["Normal"])]
    if summary.follow_ups:
        story.append(Paragraph("Follow-ups", styles["Heading3"]))
        for entry in summary.follow_ups:
            story.append(Paragraph(text(
                f"{_date(entry['at'])} {TITLES.get(entry['interval'], entry['interval'])}: "
                f"PHQ-9 {entry['phq9']['total']}; side effects: {entry['side_effects']}; "
                f"{answers_in_words(entry)}"), styles["Normal"]))
    story.append(Paragraph("Safety flags", styles["Heading3"]))
    for flag in summary.safety_flags or ():
        story.append(Paragraph(text(flag.sentence()), styles["Normal"]))
    if not summary.safety_flags:
        story.append(Paragraph("None raised.", styles["Normal"]))
    document.build(story)


