"""The monitor screen: header, pleth wave, large numeric tiles, pump panel, device strip."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QTimer
from PySide6.QtGui import QKeySequence, QResizeEvent, QShortcut
from PySide6.QtWidgets import (
    QGridLayout,
    QLayout,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ketaconsole.alarms.technical import BP_OVERDUE
from ketaconsole.bedside.actors import NO_LOGIN_AUTHOR
from ketaconsole.bedside.room import Room
from ketaconsole.catalogue import (
    ETCO2,
    HEART_RATE,
    NIBP_DIA,
    NIBP_MEAN,
    NIBP_SYS,
    PERFUSION_INDEX,
    PULSE_RATE,
    RESP_RATE,
    SPO2,
)
from ketaconsole.session.checks import CheckIntervals
from ui.monitor.alarm_bar import AlarmBar, alarms_by_metric
from ui.monitor.numeric_tile import BloodPressureTile, NumericTile
from ui.monitor.patient_header import PatientHeader
from ui.monitor.pleth_view import PlethView
from ui.monitor.pump_panel import PumpPanel
from ui.monitor.record_banner import RecordBanner
from ui.monitor.status_strip import DeviceStatusStrip
from ui.monitor.tone_player import TonePlayer
from ui.monitor.trend_view import TrendView
from ui.widgets.type_scale import WINDOW_SCALE, scale_for, scale_text

if TYPE_CHECKING:
    from ui.records.session_review import Exporter
    from ui.session.record_worker import RecordWorker
    from ui.session.session_panel import SessionPanel
    from ui.session.timeline_panel import TimelinePanel


SIDE_PX = 400
"""The side panel's width at the design size (1366 wide); it grows with the window."""
WIDE_SIDE_PX = 800
SIDE_SHARE = 0.27
WIDE_SIDE_SHARE = 0.58


def side_width(window_width: int, *, wide: bool, scale: float = 1.0) -> int:
    """The side panel's width for a window this wide: a share of it, and never narrower
    than its design width grown with the text (``scale``)."""
    if wide:
        return max(round(WIDE_SIDE_PX * scale), int(window_width * WIDE_SIDE_SHARE))
    return max(round(SIDE_PX * scale), int(window_width * SIDE_SHARE))


class Refreshable(Protocol):
    def refresh(self, now: float) -> None: ...


@dataclass(frozen=True, slots=True)
class RoomLayout:
    """The devices in the room, as the monitor screen lays them out."""

    devices: list[tuple[str, str]] = field(default_factory=list)
    """(device id, label) for the status strip."""
    pumps: list[tuple[str, str]] = field(default_factory=list)
    """(device id, label) of each infusion pump."""
    simulated: bool = False
    notes: list[str] = field(default_factory=list)
    """How this room runs differently from a clinic room, for the header."""

    @classmethod
    def of(cls, room: Room) -> RoomLayout:
        # a device on a simulator's port (sim://) makes the room's numbers a simulator's
        simulated = room.options.simulated or any(
            d.spec.on_simulator for d in room.devices)
        return cls(devices=[(d.spec.device_id, d.label) for d in room.devices],
                   pumps=[(d.spec.device_id, d.label) for d in room.pumps],
                   simulated=simulated, notes=room.notes)


class MonitorScreen(QWidget):
    """Everything a nurse watches during the session, redrawn by the frame clock.

    The live monitor (header, alarms, waves, tiles, pumps, device strip) is made at once;
    the side panel's Timeline and Session pages, which write to the record, are made at
    once too, unless ``session_pages`` is false: then :meth:`add_session_pages` adds them
    once the record is open. :meth:`show_devices` lays out devices that joined the room
    after the screen was made. With ``trend_later`` the trend's plots wait for
    ``trend.build_plots()`` (see :class:`~ui.monitor.trend_view.TrendView`).
    """

    def __init__(self, room: Room, worker: RecordWorker | None = None,
                 player: TonePlayer | None = None,
                 alarm_actor: Callable[[], str] | None = None,
                 on_alarm_action: Callable[[str, str], None] | None = None,
                 exporter: Exporter | None = None,
                 signer: Callable[[], str | None] = lambda: None, *,
                 session_pages: bool = True, trend_later: bool = False) -> None:
        super().__init__()
        engine = self.engine = room.engine
        alarms = self.alarms = room.alarms
        model = self.model = room.model
        self._room = room
        layout_of = self.room = RoomLayout.of(room)
        self._marked_start: float | None = None
        self._session: int | None = None
        self.session_listeners: list[Callable[[], None]] = []
        """Told on the GUI thread when the session shown has ended or given way to another
        (End session, or the next patient checked in over an interrupted one): every view
        then starts afresh for the next patient."""
        self.header = PatientHeader(model, simulated=layout_of.simulated, notes=layout_of.notes)
        self.record_banner = RecordBanner(room.record)
        self.alarm_bar = AlarmBar(alarms, player, alarm_actor or (lambda: NO_LOGIN_AUTHOR),
                                  on_action=on_alarm_action)
        self.pleth = PlethView(engine)
        self.trend = TrendView(engine, plots_now=not trend_later)
        self.workflow = room.workflow
        self.side = QTabWidget()
        self.side.setAccessibleName("Side panel")
        self._pages: list[Refreshable] = []
        """Side pages redrawn with the monitor (the timeline, once added)."""
        for index in range(9):
            shortcut = QShortcut(QKeySequence(f"Ctrl+{index + 1}"), self)
            shortcut.activated.connect(lambda i=index: self.side.setCurrentIndex(i))
        self._wide_pages: set[QWidget] = set()
        self.side.currentChanged.connect(self._page_changed)
        self.tiles = {
            m.refid: NumericTile(engine, m)
            for m in (HEART_RATE, PULSE_RATE, SPO2, RESP_RATE, ETCO2, PERFUSION_INDEX)
        }
        self.blood_pressure = BloodPressureTile(engine)
        self.pumps: list[PumpPanel] = []
        self.status = DeviceStatusStrip(engine, layout_of.devices,
                                        joining=not room.devices_joined)

        tiles = QGridLayout()
        tiles.setSpacing(8)
        tiles.addWidget(self.tiles[HEART_RATE.refid], 0, 0)
        tiles.addWidget(self.tiles[PULSE_RATE.refid], 0, 1)
        tiles.addWidget(self.tiles[SPO2.refid], 1, 0)
        tiles.addWidget(self.tiles[PERFUSION_INDEX.refid], 1, 1)
        tiles.addWidget(self.blood_pressure, 2, 0, 1, 2)
        tiles.addWidget(self.tiles[RESP_RATE.refid], 3, 0)
        tiles.addWidget(self.tiles[ETCO2.refid], 3, 1)

        self.waves = QWidget()
        waves = QVBoxLayout(self.waves)
        waves.setContentsMargins(0, 0, 0, 0)
        waves.setSpacing(8)
        waves.addWidget(self.pleth, 2)
        waves.addWidget(self.trend, 5)
        middle = self._middle = QGridLayout()
        middle.setSpacing(8)
        middle.addWidget(self.waves, 0, 0)
        middle.addLayout(tiles, 0, 1)
        self.side_stack = QStackedWidget()
        self.side_stack.addWidget(self.side)
        middle.addWidget(self.side_stack, 0, 2)
        middle.setColumnStretch(0, 5)
        middle.setColumnStretch(1, 4)
        self._fit_side()

        layout = self._column = QVBoxLayout(self)
        # The text's size follows the window's, so the window's size must not be held at
        # the bigger text's minimum: the layout does not clamp it (scale_text shrinks it).
        layout.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(8)
        layout.addWidget(self.header)
        layout.addWidget(self.alarm_bar)
        layout.addWidget(self.record_banner)
        layout.addLayout(middle, 1)
        layout.addWidget(self.status)
        self._add_pumps(layout_of.pumps)
        if session_pages:
            self.add_session_pages(worker, exporter=exporter, signer=signer)

    def add_session_pages(self, worker: RecordWorker | None, *, exporter: Exporter | None,
                          signer: Callable[[], str | None] = lambda: None) -> None:
        """The Timeline and Session pages, first in the side panel, on ``worker``'s record."""
        from ui.session.record_worker import RecordWorker
        from ui.session.session_panel import SessionPanel
        from ui.session.timeline_panel import TimelinePanel

        room, engine = self._room, self.engine
        self.worker = worker or RecordWorker(self.workflow, self)
        self.timeline: TimelinePanel = TimelinePanel(
            engine, self.worker, self.model.now, CheckIntervals().at_pace(room.options.pace))
        self.session: SessionPanel = SessionPanel(
            self.workflow, engine, self.worker.sharing(self), room.options,
            exporter=exporter, signer=signer, desk=room.security.course if room.security else None,
            bp_checks=room.reminder.esketamine_checks if room.reminder is not None else None)
        self.side.insertTab(0, self.timeline, "Timeline")
        self.side.insertTab(1, self.session, "Session")
        self._pages += [self.timeline, self.session]
        self.side.setCurrentIndex(0)
        self.scale_text()

    def show_devices(self) -> None:
        """Lay out the room's devices again: they joined after the screen was made."""
        layout_of = self.room = RoomLayout.of(self._room)
        self.status.set_devices(layout_of.devices)
        self.header.set_flags(simulated=layout_of.simulated, notes=layout_of.notes)
        known = {panel.device_id for panel in self.pumps}
        self._add_pumps([pump for pump in layout_of.pumps if pump[0] not in known])
        self.scale_text()

    def _add_pumps(self, pumps: list[tuple[str, str]]) -> None:
        for device_id, label in pumps:
            panel = PumpPanel(self.engine, device_id, label, self.model)
            self._column.insertWidget(self._column.indexOf(self.status), panel)
            self.pumps.append(panel)

    def insert_bar(self, bar: QWidget) -> None:
        """A bar under the header (above the alarms), e.g. the close question."""
        self._column.insertWidget(1, bar)

    def show_locked(self, panel: QWidget | None) -> None:
        """Put the lock panel in the side panel's place (the tiles and alarms stay)."""
        if panel is None:
            self.side_stack.setCurrentWidget(self.side)
            self._page_changed(self.side.currentIndex())
            return
        if self.side_stack.indexOf(panel) < 0:
            self.side_stack.addWidget(panel)
        self.side_stack.setCurrentWidget(panel)
        self.waves.setVisible(True)
        self._middle.setColumnStretch(0, 5)
        self._fit_side()
        self.scale_text()

    def add_page(self, page: QWidget, title: str, *, wide: bool = False) -> None:
        """Another side-panel page; a wide one takes the waves' room, never the tiles'."""
        self.side.addTab(page, title)
        self.scale_text()
        if wide:
            self._wide_pages.add(page)

    def _page_changed(self, _index: int) -> None:
        wide = self._wide_shown()
        self.waves.setVisible(not wide)
        self._middle.setColumnStretch(0, 0 if wide else 5)
        self._fit_side()
        self.scale_text()
        # a page built on its first view, and one whose style resets fonts as it is
        # shown, take the window's text size once they are on screen
        QTimer.singleShot(0, self.scale_text)

    def _wide_shown(self) -> bool:
        return (self.side_stack.currentWidget() is self.side
                and self.side.currentWidget() in self._wide_pages)

    def _fit_side(self) -> None:
        self.side_stack.setFixedWidth(side_width(
            self.width(), wide=self._wide_shown(),
            scale=scale_for(self.width(), self.height())))

    def resizeEvent(self, event: QResizeEvent) -> None:
        """The side panel and the monitor's text grow with the window."""
        super().resizeEvent(event)
        self._fit_side()
        self.scale_text()

    def scale_text(self) -> None:
        """Every label, button and field at the window's scale."""
        scale = scale_for(self.width(), self.height())
        self.setProperty(WINDOW_SCALE, scale)
        self.alarm_bar.text_scale = scale
        scale_text(self, scale)

    def parts(self) -> list[Refreshable]:
        return [self.header, self.record_banner, self.pleth, self.trend, *self._pages,
                *self.tiles.values(),
                self.blood_pressure, *self.pumps, self.status]

    def refresh(self, now: float) -> None:
        session = self.model.session_id
        if session != self._session:
            ended, self._session = self._session is not None, session
            if ended:
                for listener in self.session_listeners:
                    listener()
        started = self.model.infusion_clock.started_at
        if started != self._marked_start:
            self._marked_start = started
            self.trend.set_marks([] if started is None else [(started, "infusion start")])
        for part in self.parts():
            part.refresh(now)
        active = self.alarms.active_alarms(now) if self.alarms is not None else []
        self.alarm_bar.show_alarms(active, now)
        on_metric = alarms_by_metric(active)
        for refid, tile in self.tiles.items():
            tile.show_alarm(on_metric.get(refid), now)
        self.blood_pressure.show_overdue(any(a.alarm_id == BP_OVERDUE for a in active))
        # the most urgent alarm on any of the tile's pressures (systolic first on a tie)
        pressures = [on_metric[m.refid] for m in (NIBP_SYS, NIBP_DIA, NIBP_MEAN)
                     if m.refid in on_metric]
        self.blood_pressure.show_alarm(
            max(pressures, key=lambda alarm: alarm.priority.rank, default=None), now)
