"""A tile shows its metric's primary device and names it; a stand-in says whose place it takes."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from ketaconsole.catalogue import NIBP_SYS, SPO2
from ketaconsole.live.engine import Engine
from ketaconsole.live.metric_sources import MetricSources, SourceDevice
from ketaconsole.observations import Numeric
from ketaconsole.sdk import DeviceKind
from ui.monitor.numeric_tile import BloodPressureTile, NumericTile

NOW = 1_795_000_060.0


def _engine() -> Engine:
    engine = Engine(clock=lambda: NOW)
    engine.sources = MetricSources([
        SourceDevice("monitor", "Patient monitor", DeviceKind.MONITOR),
        SourceDevice("oximeter", "Pulse oximeter", DeviceKind.OXIMETER)])
    return engine


def _tile(qtbot: QtBot, engine: Engine) -> NumericTile:
    tile = NumericTile(engine, SPO2)
    qtbot.addWidget(tile)
    tile.resize(320, 160)
    tile.show()
    return tile


def test_the_spo2_tile_shows_the_oximeter_and_names_it(qtbot: QtBot) -> None:
    engine = _engine()
    for t in range(5):
        engine.ingest([Numeric("oximeter", SPO2.refid, 85.0, "%", NOW - 5 + t),
                       Numeric("monitor", SPO2.refid, 98.0, "%", NOW - 4.5 + t)])
    tile = _tile(qtbot, engine)
    tile.refresh(NOW)
    assert tile.value.text() == "85"
    assert tile.source.text() == "Pulse oximeter"


def test_the_monitor_standing_in_for_a_silent_oximeter_is_named_as_such(
        qtbot: QtBot) -> None:
    engine = _engine()
    engine.ingest([Numeric("oximeter", SPO2.refid, 97.0, "%", NOW - 40)])
    engine.ingest([Numeric("monitor", SPO2.refid, 93.0, "%", NOW - 1)])
    tile = _tile(qtbot, engine)
    tile.refresh(NOW)
    assert tile.value.text() == "93"
    assert tile.source.text() == "Patient monitor for Pulse oximeter"


def test_the_blood_pressure_tile_takes_sys_and_dia_from_one_cuff(qtbot: QtBot) -> None:
    engine = _engine()
    engine.ingest([Numeric("monitor", NIBP_SYS.refid, 131.0, "mm[Hg]", NOW - 30),
                   Numeric("monitor", "MDC_PRESS_BLD_NONINV_DIA", 84.0, "mm[Hg]", NOW - 30)])
    tile = BloodPressureTile(engine)
    qtbot.addWidget(tile)
    tile.refresh(NOW)
    assert tile.value.text() == "131/84"
    assert tile.source.text() == "Patient monitor"
