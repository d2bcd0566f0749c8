"""The technician's live connection test: a device's raw bytes, decoded values and link state.

A :class:`~ketaconsole.devices.transport.DeviceLink` runs the chosen driver on the chosen port
into a private engine that no session sees. Bytes and observations arrive on the link's
own thread and wait in queues; a timer on the GUI thread takes them ten times a second
and redraws once, so a chatty device cannot flood the screen.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QTextCursor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ketaconsole.catalogue import CATALOGUE
from ketaconsole.devices.transport import DeviceLink, Direction
from ketaconsole.live.engine import Engine
from ketaconsole.observations import (
    DeviceAlarm,
    DeviceCommand,
    Identity,
    LinkState,
    LinkStatus,
    Numeric,
    Observation,
    ProtocolError,
    PumpStatus,
    WaveChunk,
)
from ketaconsole.sdk import Driver, LineSettings
from ui import theme
from ui.widgets.background import BackgroundCalls
from ui.widgets.type_scale import restyle

RAW_LINES_KEPT = 400
"""Raw-byte lines shown; older ones scroll away."""
BYTES_PER_LINE = 16
MAX_CHUNKS_QUEUED = 2000
"""Chunks waiting for the next redraw; beyond this the oldest are dropped (and counted)."""
REDRAW_EVERY_MS = 100
TEST_DEVICE_ID = "connection-test"

LINK_WORDS = {LinkStatus.CONNECTING: "connecting", LinkStatus.CONNECTED: "connected",
              LinkStatus.NO_DATA: "no data", LinkStatus.DISCONNECTED: "disconnected"}


@dataclass(slots=True)
class _Row:
    items: list[QTableWidgetItem]
    count: int


def hex_and_text(data: bytes) -> list[str]:
    """``data`` as lines of hex pairs and printable text (``.`` for anything else)."""
    lines = []
    for start in range(0, len(data), BYTES_PER_LINE):
        piece = data[start:start + BYTES_PER_LINE]
        hex_part = " ".join(f"{b:02X}" for b in piece)
        text = "".join(chr(b) if 32 <= b < 127 else "." for b in piece)
        lines.append(f"{hex_part:<{BYTES_PER_LINE * 3 - 1}}  {text}")
    return lines


def describe(obs: Observation) -> tuple[str, str, str, str] | None:
    """(kind, metric, value, unit) as the test view lists an observation; None for link state."""
    if isinstance(obs, Numeric):
        known = CATALOGUE.get(obs.metric)
        name = f"{known.label} ({obs.metric})" if known else obs.metric
        value = "invalid" if obs.value is None else (
            known.format(obs.value) if known else f"{obs.value:g}")
        return "numeric", name, value, obs.unit
    if isinstance(obs, WaveChunk):
        return ("wave", obs.metric, f"{len(obs.samples)} samples at {obs.sample_rate_hz:g} Hz",
                obs.unit)
    if isinstance(obs, PumpStatus):
        state = obs.state.value if obs.state else "state not reported"
        rate = "rate not reported" if obs.rate_ml_h is None else f"{obs.rate_ml_h:g} mL/h"
        volume = ("" if obs.volume_infused_ml is None
                  else f", {obs.volume_infused_ml:g} mL infused")
        return "pump", "status", f"{state}, {rate}{volume}", "mL/h"
    if isinstance(obs, Identity):
        parts = [p for p in (obs.model, obs.serial and f"serial {obs.serial}",
                             obs.firmware and f"firmware {obs.firmware}") if p]
        return "identity", "device", ", ".join(parts) or "(no details)", ""
    if isinstance(obs, DeviceAlarm):
        state = "active" if obs.active else "cleared"
        return "device alarm", obs.code, f"{obs.text} ({state})", ""
    if isinstance(obs, ProtocolError):
        return "protocol error", obs.error, obs.detail, ""
    if isinstance(obs, DeviceCommand):
        return "command", "sent", obs.command, ""
    return None


class ConnectionCheck(QWidget):
    """Start / Stop a test link and watch what crosses the line and what it decodes to."""

    stopped = Signal()
    """The test link's thread has ended and the port is closed."""

    def __init__(self) -> None:
        super().__init__()
        self.engine: Engine | None = None
        self.link: DeviceLink | None = None
        self.link_status: LinkStatus | None = None
        self._lock = threading.Lock()
        self._chunks: deque[tuple[Direction, float, bytes]] = deque(maxlen=MAX_CHUNKS_QUEUED)
        self._observations: deque[Observation] = deque(maxlen=MAX_CHUNKS_QUEUED)
        self._rows: dict[tuple[str, str], _Row] = {}
        self._link_detail = ""
        self.bytes_received = 0
        self.bytes_sent = 0
        self.errors = 0
        self._stopper = BackgroundCalls(self)
        self._stopper.done.connect(self._link_ended)
        self._stopper.failed.connect(self._link_ended)
        self._timer = QTimer(self)
        self._timer.setInterval(REDRAW_EVERY_MS)
        self._timer.timeout.connect(self.redraw)
        self._build()

    def _build(self) -> None:
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        self.state = QLabel("Not running")
        self.state.setFont(theme.font(16, bold=True))
        self.state.setWordWrap(True)
        top.addWidget(self.state, 1)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setEnabled(False)
        self.stop_button.clicked.connect(self.stop)
        top.addWidget(self.stop_button)
        column.addLayout(top)
        self.counts = QLabel("")
        self.counts.setObjectName("muted")
        column.addWidget(self.counts)
        apart = QLabel("This test runs apart from the session: nothing here is recorded or "
                       "shown on the monitor. A port the room is already reading cannot be "
                       "tested at the same time.")
        apart.setObjectName("muted")
        apart.setWordWrap(True)
        column.addWidget(apart)
        split = QSplitter(Qt.Orientation.Vertical)
        raw_box = QWidget()
        raw_column = QVBoxLayout(raw_box)
        raw_column.setContentsMargins(0, 0, 0, 0)
        raw_column.addWidget(QLabel("Raw bytes (newest at the bottom)"))
        self.raw = QPlainTextEdit()
        self.raw.setReadOnly(True)
        self.raw.setMaximumBlockCount(RAW_LINES_KEPT)
        self.raw.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        mono: QFont = theme.font(13, mono=True)
        self.raw.setFont(mono)
        raw_column.addWidget(self.raw)
        split.addWidget(raw_box)
        decoded_box = QWidget()
        decoded_column = QVBoxLayout(decoded_box)
        decoded_column.setContentsMargins(0, 0, 0, 0)
        decoded_column.addWidget(QLabel("Decoded (latest of each)"))
        self.decoded = QTableWidget(0, 5)
        self.decoded.setHorizontalHeaderLabels(("Kind", "Metric", "Value", "Unit", "Count"))
        self.decoded.verticalHeader().hide()
        self.decoded.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.decoded.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        decoded_column.addWidget(self.decoded)
        split.addWidget(decoded_box)
        split.setSizes([300, 300])
        column.addWidget(split, 1)

    # -- running -------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self.link is not None

    def start(self, driver: Driver, url: str, settings: Mapping[str, Any],
              line: LineSettings) -> None:
        """Open ``url`` with ``driver`` on the link's own thread (the port opens there)."""
        if self.link is not None:
            return
        self.raw.clear()
        self.decoded.setRowCount(0)
        self._rows.clear()
        self.bytes_received = self.bytes_sent = self.errors = 0
        self.link_status = None
        engine = Engine()
        engine.subscribe(self._observed)
        self.engine = engine
        self.link = DeviceLink(driver, TEST_DEVICE_ID, url, settings, engine.ingest,
                               line=line, journal=self._journalled)
        self.state.setText(f"Opening {url} with {driver.info.slug}\u2026")
        restyle(self.state, f"color: {theme.LINK_COLOURS['connecting']};")
        self.stop_button.setEnabled(True)
        self.link.start()
        self._timer.start()

    def stop(self) -> None:
        """Close the port on a worker thread; :attr:`stopped` says when it is closed."""
        link = self.link
        if link is None:
            return
        self.stop_button.setEnabled(False)
        self.state.setText("Stopping\u2026")
        self._stopper.run(link.stop, tag="stop")

    def _link_ended(self, *_: object) -> None:
        self.redraw()
        self._timer.stop()
        self.link = None
        self.state.setText(f"Stopped ({self._last_words()})")
        restyle(self.state, f"color: {theme.MUTED};")
        self.stopped.emit()

    def _last_words(self) -> str:
        if self.link_status is None:
            return "never opened"
        words = LINK_WORDS[self.link_status]
        return f"last state: {words}" + (f", {self._link_detail}" if self._link_detail else "")

    # -- link thread side ------------------------------------------------------------

    def _journalled(self, _device: str, direction: Direction, at: float, data: bytes) -> None:
        with self._lock:
            self._chunks.append((direction, at, data))

    def _observed(self, obs: Observation) -> None:
        with self._lock:
            self._observations.append(obs)

    # -- GUI thread side -------------------------------------------------------------

    def redraw(self) -> None:
        with self._lock:
            chunks = list(self._chunks)
            observations = list(self._observations)
            self._chunks.clear()
            self._observations.clear()
        if chunks:
            self._show_chunks(chunks)
        for obs in observations:
            if isinstance(obs, LinkState):
                self.link_status = obs.status
                self._link_detail = obs.detail
                self._show_state()
                continue
            if isinstance(obs, ProtocolError):
                self.errors += 1
            shown = describe(obs)
            if shown is not None:
                self._show_row(*shown)
        self.counts.setText(f"{self.bytes_received} bytes received, {self.bytes_sent} sent, "
                            f"{self.errors} protocol errors")

    def _show_chunks(self, chunks: list[tuple[Direction, float, bytes]]) -> None:
        lines: list[str] = []
        for direction, at, data in chunks:
            if direction is Direction.RECEIVED:
                self.bytes_received += len(data)
            else:
                self.bytes_sent += len(data)
            stamp = datetime.fromtimestamp(at).strftime("%H:%M:%S.%f")[:-3]
            arrow = "RX" if direction is Direction.RECEIVED else "TX"
            for i, text in enumerate(hex_and_text(data)):
                prefix = f"{stamp} {arrow}" if i == 0 else " " * (len(stamp) + 3)
                lines.append(f"{prefix}  {text}")
        lines = lines[-RAW_LINES_KEPT:]
        bar = self.raw.verticalScrollBar()
        at_bottom = bar.value() >= bar.maximum() - 2
        self.raw.appendPlainText("\n".join(lines))
        if at_bottom:
            self.raw.moveCursor(QTextCursor.MoveOperation.End)
            bar.setValue(bar.maximum())

    def _show_row(self, kind: str, name: str, value: str, unit: str) -> None:
        key = (kind, name)
        shown = self._rows.get(key)
        if shown is None:
            row = self.decoded.rowCount()
            self.decoded.insertRow(row)
            items = [QTableWidgetItem(text) for text in (kind, name, "", unit, "0")]
            for column, item in enumerate(items):
                self.decoded.setItem(row, column, item)
            shown = self._rows[key] = _Row(items, 0)
        shown.count += 1
        shown.items[2].setText(value)
        shown.items[4].setText(str(shown.count))
        if kind == "protocol error":
            shown.items[2].setForeground(QColor(theme.ALARM_MEDIUM))

    def _show_state(self) -> None:
        status = self.link_status
        if status is None or self.link is None:
            return
        words = LINK_WORDS[status]
        detail = f" \u2014 {self._link_detail}" if self._link_detail else ""
        self.state.setText(f"Link {words}{detail}")
        restyle(self.state, f"color: {theme.LINK_COLOURS[status.value]};")

    def rows(self) -> list[tuple[str, str, str, str]]:
        """The decoded table as (kind, metric, value, unit), for a reader or a test."""
        return [(r.items[0].text(), r.items[1].text(), r.items[2].text(), r.items[3].text())
                for r in sorted(self._rows.values(), key=lambda r: r.items[0].row())]

    def shutdown(self, timeout: float = 5.0) -> None:
        """Stop and wait (closing the screen): the port must not stay open behind it."""
        link = self.link
        if link is not None:
            link.stop(timeout)
        self._stopper.wait_idle(timeout)
        self._timer.stop()
        self.link = None
