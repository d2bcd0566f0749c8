"""The PDF's trend chart reads as an anaesthesia record: SpO2 on its own band, HR and BP
on a shared 0-200 band with BP as chevrons, the infusion as a bar with its marks, time
every 5 or 10 minutes, and no label on top of another."""

from __future__ import annotations

import itertools
import subprocess
from pathlib import Path

import pytest
from reportlab.graphics import renderPDF
from reportlab.graphics.shapes import Drawing, Group, PolyLine, String
from reportlab.pdfbase.pdfmetrics import stringWidth

from ketaconsole.export.pdf_chart import SPO2_COLOUR, trend_chart
from ketaconsole.export.record import SessionRecord, load_record
from ketaconsole.store import open_database
from tests.core.export_support import record_session

PAUSED = (440, 500)
"""The nurse pauses the infusion (and the pump) for a minute, then resumes it."""


@pytest.fixture
def record(tmp_path: Path) -> SessionRecord:
    database = open_database(f"sqlite:///{tmp_path / 'record.sqlite3'}")
    recorded = record_session(database, paused=PAUSED)
    loaded = load_record(database, recorded.session_id)
    database.dispose()
    return loaded


def _strings(drawing: Drawing | Group) -> list[String]:
    found: list[String] = []
    for shape in drawing.contents:
        if isinstance(shape, String):
            found.append(shape)
        elif isinstance(shape, Group):
            found += _strings(shape)
    return found


def _box(text: String) -> tuple[float, float, float, float]:
    width = stringWidth(text.text, text.fontName, text.fontSize)
    left = {"start": text.x, "middle": text.x - width / 2, "end": text.x - width}[
        text.textAnchor]
    return left, text.y - 1, left + width, text.y + text.fontSize * 0.8


def test_the_chart_has_the_records_bands_marks_and_times(record: SessionRecord,
                                                         tmp_path: Path) -> None:
    chart = trend_chart(record, 500.0)
    pdf = tmp_path / "chart.pdf"
    renderPDF.drawToFile(chart, str(pdf))
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    for word in ("Start", "Pause", "Resume", "Stop", "SpO2 %", "NIBP mmHg"):
        assert word in text, word
    clocks = [s.text for s in _strings(chart) if len(s.text) == 5 and s.text[2] == ":"]
    assert len(clocks) >= 3, "time labels every 5 or 10 minutes over a 30-minute session"
    minutes = sorted(int(c[:2]) * 60 + int(c[3:]) for c in clocks)
    assert {b - a for a, b in itertools.pairwise(minutes)} <= {5, 10}
    spo2 = [y for p in chart.contents if isinstance(p, PolyLine)
            and p.strokeColor == SPO2_COLOUR for y in p.points[1::2]]
    assert max(spo2) - min(spo2) > 4, "a 2-point SpO2 swing is visible on its own band"
    chevrons = [p for p in chart.contents if isinstance(p, PolyLine) and len(p.points) == 6]
    assert len(chevrons) >= 2 * 4, "a chevron at systolic and at diastolic per reading"


def test_no_label_overlaps_another_or_leaves_the_chart(record: SessionRecord) -> None:
    chart = trend_chart(record, 500.0)
    labels = [s for s in _strings(chart) if s.text.strip()]
    assert [s.text for s in labels if _box(s)[2] > chart.width or _box(s)[0] < 0] == []
    boxes = [(_box(s), s.text) for s in labels]
    overlapping = [(a_text, b_text) for i, (a, a_text) in enumerate(boxes)
                   for b, b_text in boxes[i + 1:]
                   if a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]]
    assert overlapping == [], overlapping
