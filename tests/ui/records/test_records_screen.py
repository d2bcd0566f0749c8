"""The Records screen: recorded sessions listed and searched, opened, verified, re-exported."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from PySide6.QtCore import QDate
from pytestqt.qtbot import QtBot
from sqlalchemy import text

from ketaconsole.demo.story_infusions import story_bedside
from ketaconsole.session.checkin import CheckIn
from ketaconsole.session.events import title
from ketaconsole.store import Database, open_database
from tests.core.export_support import T0, record_session
from tests.course_support import approved_patient, mrn_of
from tests.ui.conftest import settle_deleted
from ui.records.records_screen import RecordsScreen

LATER = T0 + 3 * 86400.0
"""Three days after the long session: a second, short one on another date."""


def _short_session(database: Database, patient: str, at: float) -> int:
    """The patient checked in at a bedside, a note, then sent home before dosing."""
    approved_patient(database, patient, mrn_of(patient), assessed_at=at - 86400.0)
    with story_bedside(database.url, nurse="nurse.ola", station=f"room-{patient}",
                       start=at, pump=None) as bedside:
        flow = bedside.workflow
        flow.check_in(CheckIn(patient, 30, 60.0, "none known", "none", "none", False, "none",
                              6.0, 3.0, True, "left forearm", True, mrn=mrn_of(patient),
                              pregnancy="no"))
        session_id = flow.service_id()
        bedside.at(at + 60)
        flow.record_entry("annotation", {"text": "Calm, talking"})
        bedside.at(at + 600)
        assert flow.end_session(reason="patient declined the infusion")
    return session_id


def _cell(screen: RecordsScreen, row: int, column: int) -> str:
    item = screen.table.item(row, column)
    assert item is not None
    return item.text()


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int, int]]:
    """A record with Alex Example's twenty-minute session and Robin Other's short one."""
    url = f"sqlite:///{tmp_path_factory.mktemp('records') / 'record.sqlite3'}"
    database = open_database(url)
    long_id = record_session(database).session_id
    short_id = _short_session(database, "Robin Other", LATER)
    database.dispose()
    yield url, long_id, short_id


@pytest.fixture
def screen(qtbot: QtBot, recorded: tuple[str, int, int], tmp_path: Path
           ) -> Iterator[RecordsScreen]:
    url, _, _ = recorded
    widget = RecordsScreen(url, export_folder=tmp_path, author=lambda: "records.clerk")
    qtbot.addWidget(widget)
    widget.resize(900, 800)
    widget.show()
    qtbot.waitUntil(lambda: len(widget.sessions) >= 2, timeout=10000)
    yield widget
    widget.shutdown()
    settle_deleted(qtbot, widget)


def test_recorded_sessions_are_listed_newest_first(
        screen: RecordsScreen, recorded: tuple[str, int, int]) -> None:
    _, long_id, short_id = recorded
    assert screen.shown_numbers()[:2] == [short_id, long_id]
    patients = [_cell(screen, row, 1) for row in range(2)]
    assert patients == ["Robin Other", "Alex Example"]
    assert _cell(screen, 1, 2) == datetime.fromtimestamp(T0).strftime(
        "%Y-%m-%d %H:%M")


def test_search_by_name_and_by_date_narrows_the_list(
        screen: RecordsScreen, recorded: tuple[str, int, int]) -> None:
    _, long_id, short_id = recorded
    screen.search.setText("robin")
    assert screen.shown_numbers() == [short_id]
    assert "1 of" in screen.status.text()
    screen.search.setText("")
    day = datetime.fromtimestamp(T0).date()
    screen.day.setDate(QDate(day.year, day.month, day.day))
    assert screen.use_day.isChecked()
    assert screen.shown_numbers() == [long_id]
    screen.search.setText("robin")
    assert screen.shown_numbers() == []
    screen.use_day.setChecked(False)
    assert screen.shown_numbers() == [short_id]


def test_opening_a_session_shows_its_timeline_and_trends(
        qtbot: QtBot, screen: RecordsScreen, recorded: tuple[str, int, int]) -> None:
    _, long_id, _ = recorded
    assert screen.open_session(long_id)
    review = screen.review
    qtbot.waitUntil(lambda: review.opened is not None, timeout=10000)
    rows = review.event_rows()
    kinds = [r[1] for r in rows]
    assert {title("annotation"), title("rescue_medication"), title("signature")} <= set(kinds)
    [annotation] = [r for r in rows if r[1] == title("annotation")]
    assert not [k for k in kinds if "_" in k]  # the kinds in the clinic's words
    assert annotation[2] == "nurse.kim" and annotation[3] == "Dissociation"
    assert "Alex Example" in review.header.text()
    assert review.opened is not None and "MDC_PULS_OXIM_SAT_O2" in review.opened.trends
    assert len(review.plot.getPlotItem().listDataItems()) >= 4


def test_verify_says_intact_then_names_the_tampered_event(
        qtbot: QtBot, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'tamper.sqlite3'}"
    database = open_database(url)
    session_id = _short_session(database, "Sam Tamper", LATER)
    screen = RecordsScreen(database, export_folder=tmp_path, author=lambda: "clerk")
    qtbot.addWidget(screen)
    try:
        qtbot.waitUntil(lambda: screen.shown_numbers() == [session_id], timeout=10000)
        screen.open_session(session_id)
        qtbot.waitUntil(lambda: screen.review.verify_button.isEnabled(), timeout=10000)
        screen.review.verify()
        qtbot.waitUntil(lambda: "Chain" in screen.review.verdict.text(), timeout=10000)
        assert screen.review.verdict.text().startswith("Chain intact,")
        count = len(screen.review.event_rows())
        assert f"{count} events" in screen.review.verdict.text()
        with database.engine.begin() as connection:
            connection.execute(text(
                "UPDATE timeline_events SET payload = :p WHERE session_id = :s AND "
                "kind = 'annotation'"), {"p": '{"text": "Asleep"}', "s": session_id})
            seq = connection.execute(text(
                "SELECT seq FROM timeline_events WHERE session_id = :s AND "
                "kind = 'annotation'"), {"s": session_id}).scalar_one()
        screen.review.verify()
        qtbot.waitUntil(lambda: "broken" in screen.review.verdict.text(), timeout=10000)
        verdict = screen.review.verdict.text()
        assert f"altered at event {seq} (annotation" in verdict
        assert "does not match its hash" in verdict
    finally:
        screen.shutdown()
        database.dispose()


def test_re_export_writes_the_file_and_says_where(
        qtbot: QtBot, screen: RecordsScreen, recorded: tuple[str, int, int],
        tmp_path: Path) -> None:
    _, _, short_id = recorded
    screen.open_session(short_id)
    review = screen.review
    qtbot.waitUntil(lambda: review.export_buttons[next(iter(review.export_buttons))]
                    .isEnabled(), timeout=10000)
    review.export_buttons[next(f for f in review.export_buttons if f.value == "csv")].click()
    qtbot.waitUntil(lambda: "written to" in review.export_result.text()
                    or "Not exported" in review.export_result.text(), timeout=20000)
    written = sorted(p.name for p in tmp_path.iterdir())
    assert f"session-{short_id}-timeline.csv" in written
    assert str(tmp_path / f"session-{short_id}-timeline.csv") in review.export_result.text()
    assert "Calm, talking" in (tmp_path / f"session-{short_id}-timeline.csv").read_text()


def test_export_to_a_missing_folder_says_so_in_one_line(
        qtbot: QtBot, screen: RecordsScreen, recorded: tuple[str, int, int],
        tmp_path: Path) -> None:
    _, _, short_id = recorded
    screen.open_session(short_id)
    review = screen.review
    qtbot.waitUntil(lambda: review.opened is not None, timeout=10000)
    review.folder.setText(str(tmp_path / "no-such-folder"))
    review.export_buttons[next(f for f in review.export_buttons if f.value == "pdf")].click()
    qtbot.waitUntil(lambda: "Not exported" in review.export_result.text(), timeout=10000)
    assert "does not exist" in review.export_result.text()
    assert "\n" not in review.export_result.text()


def test_the_trend_legend_stands_clear_of_the_data_and_colours_differ(
        qtbot: QtBot, screen: RecordsScreen, recorded: tuple[str, int, int]) -> None:
    _, long_id, _ = recorded
    screen.resize(1100, 700)
    screen.show()
    assert screen.open_session(long_id)
    review = screen.review
    qtbot.waitUntil(lambda: review.opened is not None, timeout=10000)
    review.tabs.setCurrentWidget(review.plot)
    qtbot.wait(100)
    item = review.plot.getPlotItem()
    data = item.getViewBox().sceneBoundingRect()
    legend = review.legend.sceneBoundingRect()
    assert legend.left() >= data.right() - 1 or legend.top() >= data.bottom() - 1
    pens = [curve.opts["pen"].color().name() for curve in item.listDataItems()]
    assert len(pens) >= 3 and len(set(pens)) == len(pens)
