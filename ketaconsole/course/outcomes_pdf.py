"""The clinic's outcomes as a PDF: the course summary's charts and tables, across patients.

De-identified like the outcomes it prints: no name, MRN or date of birth is on it. The
charts are the course PDF's (:func:`ketaconsole.course.course_pdf.plot`).
"""

from __future__ import annotations

from typing import Any, BinaryIO

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from ketaconsole import __version__
from ketaconsole.course.course_pdf import WIDTH, plot, text
from ketaconsole.course.outcomes import ClinicOutcomes, WeekOutcome

TABLE_STYLE = TableStyle([
    ("FONTSIZE", (0, 0), (-1, -1), 8), ("GRID", (0, 0), (-1, -1), 0.3, colors.grey),
    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e5e7eb"))])


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def _rates(title: str, weeks: tuple[WeekOutcome, ...]) -> Any:
    """Response and remission, in %, at each week (x: 1 = week 4, 2 = week 8)."""
    def points(pick: str) -> list[tuple[float, float]]:
        return [(float(i), 100 * rate) for i, week in enumerate(weeks, start=1)
                if (rate := week.rate(getattr(week, pick))) is not None]

    return plot(f"{title}: % at week " + " and ".join(str(w.week) for w in weeks),
                [("response", points("responded"), colors.green),
                 ("remission", points("remitted"), colors.teal)], y_range=(0, 100))


def _charts(outcomes: ClinicOutcomes) -> Table:
    doses = outcomes.doses
    tolerated = plot(
        "Dose against tolerability: % of infusions (x: doses below, lowest first)",
        [("BP alarm", [(float(i), 100 * d.bp_alarm / d.infusions)
                       for i, d in enumerate(doses, start=1)], colors.red),
         ("adverse event", [(float(i), 100 * d.adverse_event / d.infusions)
                            for i, d in enumerate(doses, start=1)], colors.orange),
         ("rescue medication", [(float(i), 100 * d.rescue_medication / d.infusions)
                                for i, d in enumerate(doses, start=1)], colors.purple)],
        y_range=(0, 100))
    cells = [_rates("PHQ-9", outcomes.phq9), tolerated]
    if outcomes.madrs:
        cells.insert(1, _rates("MADRS", outcomes.madrs))
    rows = [cells[i:i + 2] + [""] * (2 - len(cells[i:i + 2])) for i in range(0, len(cells), 2)]
    grid = Table(rows, colWidths=[WIDTH / 2] * 2)
    grid.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return grid


def _week_table(outcomes: ClinicOutcomes) -> Table:
    rows: list[list[str]] = [["Scale", "Week", "Measured", "Response", "Remission"]]
    for scale, weeks in (("PHQ-9", outcomes.phq9), ("MADRS", outcomes.madrs or ())):
        for week in weeks:
            rows.append([scale, str(week.week), f"{week.measured} of {week.patients}",
                         f"{week.responded} ({_percent(week.rate(week.responded))})",
                         f"{week.remitted} ({_percent(week.rate(week.remitted))})"])
    table = Table(rows, repeatRows=1)
    table.setStyle(TABLE_STYLE)
    return table


def _dose_table(outcomes: ClinicOutcomes) -> Table:
    rows: list[list[str]] = [["mg/kg", "Infusions", "BP alarm", "Adverse event",
                              "Rescue medication", "Mean peak CADSS-6"]]
    for dose in outcomes.doses:
        rows.append([f"{dose.mg_per_kg:g}", str(dose.infusions), str(dose.bp_alarm),
                     str(dose.adverse_event), str(dose.rescue_medication),
                     "-" if dose.mean_peak_cadss6 is None else f"{dose.mean_peak_cadss6:g}"])
    table = Table(rows, repeatRows=1)
    table.setStyle(TABLE_STYLE)
    return table


def write_outcomes_pdf(outcomes: ClinicOutcomes, stream: BinaryIO, *,
                       clinic: str = "KetaConsole clinic") -> None:
    styles = getSampleStyleSheet()
    document = SimpleDocTemplate(stream, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm,
                                 topMargin=14 * mm, bottomMargin=16 * mm,
                                 title="Clinic outcomes", author="KetaConsole",
                                 creator=f"KetaConsole {__version__}", invariant=True)
    window = outcomes.window.as_record()
    span = (f"courses whose first infusion was from {window['from'] or 'the first'} to "
            f"{window['to'] or 'today'}")
    per = outcomes.per_infusion
    story: list[Any] = [
        Paragraph(text(f"{clinic}: clinic outcomes"), styles["Title"]),
        Paragraph(text(f"De-identified: no names, MRNs or dates of birth. {span.capitalize()}"
                       f": {outcomes.patients_treated} patients, {outcomes.infusions} "
                       f"infusions; {outcomes.adverse_events} adverse events "
                       f"({per(outcomes.adverse_events) or 0:.2f} per infusion), "
                       f"{outcomes.alarms} alarms ({per(outcomes.alarms) or 0:.2f} per "
                       f"infusion); follow-ups {outcomes.follow_ups_done} of "
                       f"{outcomes.follow_ups_due} done "
                       f"({_percent(outcomes.follow_up_completion)})."), styles["Normal"]),
        Spacer(1, 4), _charts(outcomes), Spacer(1, 4),
        Paragraph("Response and remission", styles["Heading3"]), _week_table(outcomes),
        Paragraph("Dose against tolerability", styles["Heading3"]), _dose_table(outcomes)]
    document.build(story)
