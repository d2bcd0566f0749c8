"""The course on the plan page: past infusions (dose, response, tolerability), the proposal."""

from __future__ import annotations

from html import escape

from ketaconsole.course.planning import PlanAdvice


def course_table_html(advice: PlanAdvice) -> str:
    """A small table a nurse reads before confirming the dose, then the rule's proposal."""
    # a BP alarm is one of the reasons an infusion was not tolerated: no column of its own,
    # so the table keeps within the side panel
    rows = ["<tr><th>#</th><th>mg/kg</th><th>PHQ-9</th><th>SBP max</th>"
            "<th>CADSS</th><th>Not tolerated</th></tr>"]
    for number, (line, why) in enumerate(zip(advice.previous, advice.not_tolerated,
                                              strict=True), start=1):
        sbp = f"{line.peak_systolic:.0f}" if line.peak_systolic is not None else "-"
        rows.append(
            f"<tr><td>{number}</td><td>{line.mg_per_kg:g}</td>"
            f"<td>{line.measures.get('PHQ-9', '-')}</td><td>{sbp}</td>"
            f"<td>{line.peak_cadss6 if line.peak_cadss6 is not None else '-'}</td>"
            f"<td>{escape(', '.join(why)) or '-'}</td></tr>")
    history = ("<table cellspacing=0 cellpadding=3 border=1>" + "".join(rows) + "</table>"
               if advice.previous else "<p>First infusion of the course.</p>")
    proposal = advice.proposal
    return (f"<b>Previous infusions</b>{history}"
            f"<p><b>Proposed: {escape(proposal.headline())}</b> \u2014 "
            f"{escape(proposal.reason)} (the clinic's titration rule)</p>")
