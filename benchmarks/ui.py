"""GUI figures: frame time against bare pyqtgraph, GUI-thread CPU, pty-to-tile latency, start-up.

The load: the real main window (1366 x 820, offscreen platform) on an engine fed from a
thread at real rates by two monitors (10 numerics at 1 Hz and a 125 Hz pleth wave in
32-sample chunks each) and an infusing pump (1 Hz), with the alarm system attached and
evaluated on its own thread, and 4 hours of trend already in the engine (SpO2, pulse
and heart rate, pump rate at 1 Hz; NIBP every 10 minutes). Both monitors send the same
metrics, so their pleth chunks land in the one pleth buffer the screen draws.

- ``ui.frame.p99_ms``: one frame, ``MonitorScreen.refresh`` plus the paint it causes
  (the posted events processed until none is left), paced at the frame clock's rate;
- ``ui.frame_bare.p99_ms``: the same curves with the same arrays and point counts
  (pleth every frame, trends and NIBP bars once a second, the same axis ranges) drawn
  by bare pyqtgraph ``PlotWidget`` s with ``setData`` in a window of the same size,
  each bare frame right after one of ours; ``ui.frame.vs_bare_ratio`` = ours / bare;
  ``*.p50_ms`` are the medians and ``*.cpu_p99_ms`` the GUI thread's CPU time per frame
  (what other load on the machine does not add);
- ``ui.gui_cpu.percent``: the GUI thread's CPU time (``time.thread_time``) over about
  10 s of the same load with the window's own 30 Hz frame clock, per cent of wall time;
- ``ui.latency.p99_ms``: an oximeter line (Masimo ASCII 1) written on a real pty at a
  known time, read by the real driver through ``DeviceLink`` into the engine, until the
  SpO2 tile's label shows its value (checked right after each frame-clock tick);
- ``ui.startup.s``: ``python -m ketaconsole --demo`` in a new process with a throw-away
  ``KETACONSOLE_HOME`` until the window reports its first paint
  (``KETACONSOLE_REPORT_FIRST_PAINT``), median of 3 runs; ``ui.startup.cpu_s`` is the
  CPU time the process had used by then (what a busy machine does not add);
- ``ui.startup_bare.s`` / ``ui.startup_bare.cpu_s``: the floor in the same run, a bare
  PySide6 + pyqtgraph window (``benchmarks._bare_window``: QApplication, QMainWindow,
  one PlotWidget, shown, one ``processEvents``) started the same way right before each
  of ours; ``ui.startup.vs_bare_ratio`` = ours / bare (``cpu_vs_bare_ratio`` the same
  for the CPU seconds, which other load on the machine does not change). One unmeasured
  start of each first fills a throw-away bytecode cache, as an installed copy has one.

Targets (BENCHMARKS.md): frame p99 <= 16 ms, ratio <= 1.5, GUI CPU <= 25 %, latency p99
<= 100 ms, start-up <= 2 s and within 1.5 x the bare window. ``run(quick=True)`` does the
same on a small workload.
"""

from __future__ import annotations

import heapq
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tty
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QCoreApplication, QEventLoop, QTimer
from PySide6.QtWidgets import QApplication, QVBoxLayout, QWidget

from benchmarks._full_room import (
    PLETH_CHUNK,
    PLETH_HZ,
    SimulatedMonitor,
    pump_status,
)
from drivers.masimo_ascii.simulator import format_line
from ketaconsole.bedside.room import Room, RoomOptions, build_room
from ketaconsole.catalogue import (
    HEART_RATE,
    NIBP_DIA,
    NIBP_SYS,
    PLETH,
    PULSE_RATE,
    PUMP_RATE,
    SPO2,
)
from ketaconsole.devices.device_spec import DeviceSpec
from ketaconsole.devices.registry import DriverRegistry, built_ins_only
from ketaconsole.devices.transport import DeviceLink
from ketaconsole.dose import DosePlan
from ketaconsole.live.engine import Engine
from ketaconsole.session.patient import Patient
from ui.main_window import FIRST_PAINT_ENV, MainWindow
from ui.monitor.frame_clock import FRAME_INTERVAL_MS
from ui.monitor.pleth_view import WINDOW_S
from ui.monitor.trend_view import REDRAW_EVERY_S
from ui.theme import apply_theme

SEED = 20261127
TREND_HOURS = 4.0
WINDOW_SIZE = (1366, 820)
FRAME_S = FRAME_INTERVAL_MS / 1000


@dataclass(frozen=True)
class Workload:
    frames: int
    cpu_s: float
    latency_lines: int
    startup_runs: int


FULL = Workload(frames=900, cpu_s=10.0, latency_lines=60, startup_runs=3)
QUICK = Workload(frames=60, cpu_s=1.0, latency_lines=4, startup_runs=1)


def _p99_ms(seconds: list[float]) -> float:
    return float(np.percentile(np.asarray(seconds), 99) * 1000)


# -- the load --------------------------------------------------------------------------


class StreamingRoom:
    """Two monitors and a pump sending into an engine at their real rates, from a thread."""

    def __init__(self, engine: Engine, *, seed: int = SEED) -> None:
        self.engine = engine
        self.monitors = [SimulatedMonitor("monitor-a", seed), SimulatedMonitor("monitor-b",
                                                                                 seed + 1)]
        self.pump_started_at = time.time() - 600
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bench-room", daemon=True)

    def leave_out(self, metric: str) -> None:
        """Stop sending ``metric`` (another device sends it now)."""
        for monitor in self.monitors:
            monitor.skip = monitor.skip | {metric}

    def start(self) -> StreamingRoom:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)

    def _run(self) -> None:
        chunk_every = PLETH_CHUNK / PLETH_HZ
        start = time.time()
        due: list[tuple[float, int, str, int]] = []
        for n, _ in enumerate(self.monitors):
            heapq.heappush(due, (start + 0.05 * n, n, "wave", n))
            heapq.heappush(due, (start + 0.3 + 0.2 * n, 10 + n, "numerics", n))
        heapq.heappush(due, (start + 0.7, 99, "pump", 0))
        ingest = self.engine.ingest
        while not self._stop.is_set():
            at, order, kind, n = due[0]
            wait = at - time.time()
            if wait > 0 and self._stop.wait(wait):
                return
            heapq.heappop(due)
            now = time.time()
            if kind == "wave":
                ingest([self.monitors[n].pleth_chunk(now)])
                heapq.heappush(due, (at + chunk_every, order, kind, n))
            elif kind == "numerics":
                ingest(self.monitors[n].numerics(now))
                heapq.heappush(due, (at + 1.0, order, kind, n))
            else:
                ingest([pump_status("pump", now, self.pump_started_at)])
                heapq.heappush(due, (at + 1.0, order, kind, n))


def load_trend(engine: Engine, hours: float, now: float, seed: int = SEED) -> None:
    """Put ``hours`` of history into the engine's trends, ending a second before ``now``."""
    rng = random.Random(seed)
    seconds = int(hours * 3600)
    first = now - seconds
    append = engine.trends.append
    for s in range(seconds):
        at = first + s
        append(SPO2.refid, "monitor", at, round(97 + rng.gauss(0, 1)))
        append(PULSE_RATE.refid, "monitor", at, round(74 + rng.gauss(0, 3)))
        append(HEART_RATE.refid, "monitor", at, round(74 + rng.gauss(0, 3)))
        append(PUMP_RATE.refid, "pump", at, 52.5 if s < seconds // 2 else 0.0)
        if s % 600 == 0:
            append(NIBP_SYS.refid, "monitor", at, round(122 + rng.gauss(0, 5)))
            append(NIBP_DIA.refid, "monitor", at, round(78 + rng.gauss(0, 4)))


@dataclass
class LoadedWindow:
    engine: Engine
    window: MainWindow
    room: StreamingRoom
    bedside: Room

    def close(self) -> None:
        self.room.stop()
        self.window.close_now()
        self.bedside.stop()
        self.window.deleteLater()


BENCH_DEVICES = (("monitor-a", "masimo-ascii", "Patient monitor A"),
                 ("monitor-b", "masimo-ascii", "Patient monitor B"),
                 ("pump", "ne1000", "Infusion pump"),
                 ("oximeter", "masimo-ascii", "Pulse oximeter"))
"""The room's devices; their links open loopback ports, the data comes from the stream."""


def loaded_window(trend_hours: float) -> LoadedWindow:
    """The main window on an engine with a 4-hour trend, two monitors and a pump streaming."""
    engine = Engine()
    load_trend(engine, trend_hours, time.time())
    specs = [DeviceSpec(device_id, slug, "loop://", label=label,
                        primary_for=frozenset({SPO2.refid} if device_id == "oximeter" else ()))
             for device_id, slug, label in BENCH_DEVICES]  # the tile shows the oximeter
    registry = DriverRegistry.discover(allowed=built_ins_only)
    bedside = build_room(specs, registry=registry, database_url=None,
                         options=RoomOptions(place="benchmark", simulated=True), engine=engine)
    bedside.model.open(0, Patient("Benchmark Patient", 42, 70.0))
    bedside.model.set_plan(DosePlan(70.0, 0.5, 40.0, 1.0))
    room = StreamingRoom(engine).start()
    window = MainWindow(bedside)
    window.resize(*WINDOW_SIZE)
    window.show()
    settle(1.0)
    return LoadedWindow(engine, window, room, bedside)


def settle(seconds: float) -> None:
    """Run the event loop for ``seconds``."""
    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()


def paint_pending() -> None:
    """Deliver every posted event (scene updates, then the paints they ask for)."""
    app = QCoreApplication.instance()
    assert app is not None
    for _ in range(3):
        app.sendPostedEvents()
        app.processEvents()


# -- bare pyqtgraph --------------------------------------------------------------------


class BareScreen(QWidget):
    """The monitor screen's curves drawn by plain PlotWidgets and setData, nothing else."""

    def __init__(self) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        self.pleth_plot = pg.PlotWidget()
        self.pleth_plot.setXRange(-WINDOW_S, 0, padding=0)
        self.pleth = self.pleth_plot.plot()
        layout.addWidget(self.pleth_plot, 2)
        self.trend_plots = []
        for low, high in ((80, 101), (30, 180), (40, 220), (0, 120)):
            plot = pg.PlotWidget()
            plot.setYRange(low, high, padding=0)
            layout.addWidget(plot, 1)
            self.trend_plots.append(plot)
        spo2, rate, bp, pump = self.trend_plots
        self.trend_curves = {SPO2.refid: spo2.plot(), PULSE_RATE.refid: rate.plot(),
                             HEART_RATE.refid: rate.plot(), PUMP_RATE.refid: pump.plot()}
        self.bars = pg.ErrorBarItem(x=np.empty(0), y=np.empty(0), top=np.empty(0),
                                    bottom=np.empty(0), beam=0)
        bp.addItem(self.bars)
        self.resize(*WINDOW_SIZE)
        self._drawn_at = 0.0

    def arrays(self, engine: Engine, now: float) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """The arrays this frame draws, taken from the engine as the screen takes them."""
        data: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        stream = engine.wave(PLETH.refid)
        if stream is not None:
            samples = stream.buffer.latest(int(stream.sample_rate_hz * WINDOW_S))
            x = (np.arange(samples.shape[0]) - samples.shape[0]) / stream.sample_rate_hz
            data[PLETH.refid] = (x, samples)
        if now - self._drawn_at >= REDRAW_EVERY_S:
            for refid in (*self.trend_curves, NIBP_SYS.refid, NIBP_DIA.refid):
                devices = engine.trends.devices(refid)
                data[refid] = (engine.trends.series(refid, devices[0]) if devices
                               else (np.empty(0), np.empty(0)))
        return data

    def draw(self, data: dict[str, tuple[np.ndarray, np.ndarray]], now: float) -> None:
        if PLETH.refid in data:
            self.pleth.setData(*data[PLETH.refid])
        if NIBP_SYS.refid not in data:
            return
        self._drawn_at = now
        start = now
        for refid, curve in self.trend_curves.items():
            times, values = data[refid]
            curve.setData(times, values)
            if times.size:
                start = min(start, float(times[0]))
        (sys_t, sys_v), (_, dia_v) = data[NIBP_SYS.refid], data[NIBP_DIA.refid]
        count = min(sys_v.size, dia_v.size)
        middle = (sys_v[:count] + dia_v[:count]) / 2
        self.bars.setData(x=sys_t[:count], y=middle, top=sys_v[:count] - middle,
                          bottom=middle - dia_v[:count])
        for plot in self.trend_plots:
            plot.setXRange(start, now, padding=0.01)


# -- the figures -----------------------------------------------------------------------


@dataclass
class FrameTimes:
    """Seconds per frame: wall time, and the GUI thread's CPU time within it."""

    wall: list[float]
    cpu: list[float]

    def add(self, wall: float, cpu: float) -> None:
        self.wall.append(wall)
        self.cpu.append(cpu)


def frame_times(loaded: LoadedWindow, frames: int) -> tuple[FrameTimes, FrameTimes]:
    """Our frames and bare pyqtgraph's, each bare frame right after one of ours."""
    bare = BareScreen()
    bare.show()
    paint_pending()
    loaded.window.frames.stop()
    ours, theirs = FrameTimes([], []), FrameTimes([], [])
    app = QCoreApplication.instance()
    assert app is not None
    refresh = loaded.window.monitor.refresh
    clock = loaded.engine.clock
    next_at = time.perf_counter()
    try:
        for _ in range(frames):
            while (ahead := next_at - time.perf_counter()) > 0:
                app.processEvents()
                time.sleep(min(ahead, 0.002))
            next_at += FRAME_S
            cpu, began = time.thread_time(), time.perf_counter()
            refresh(clock())
            paint_pending()
            ours.add(time.perf_counter() - began, time.thread_time() - cpu)
            now = clock()
            data = bare.arrays(loaded.engine, now)
            cpu, began = time.thread_time(), time.perf_counter()
            bare.draw(data, now)
            paint_pending()
            theirs.add(time.perf_counter() - began, time.thread_time() - cpu)
    finally:
        bare.close()
        bare.deleteLater()
        loaded.window.frames.start()
    return ours, theirs


def gui_cpu_percent(seconds: float) -> float:
    """The GUI thread's CPU time over ``seconds`` of the event loop, per cent of wall time."""
    cpu, wall = time.thread_time(), time.perf_counter()
    settle(seconds)
    return (time.thread_time() - cpu) / (time.perf_counter() - wall) * 100


class TileWatcher:
    """Notes when a tile's label shows a value, checked right after each frame-clock tick."""

    def __init__(self, loaded: LoadedWindow) -> None:
        self.label = loaded.window.monitor.tiles[SPO2.refid].value
        self.expected: str | None = None
        self.written_at = 0.0
        self.latencies: list[float] = []
        loaded.window.frames.timer.timeout.connect(self.check)

    def expect(self, text: str, written_at: float) -> None:
        self.expected, self.written_at = text, written_at

    def check(self) -> None:
        if self.expected is not None and self.label.text() == self.expected:
            self.latencies.append(time.perf_counter() - self.written_at)
            self.expected = None


def pty_latencies(loaded: LoadedWindow, lines: int) -> list[float]:
    """Seconds from an oximeter line written on a pty to its SpO2 on the tile."""
    driver = DriverRegistry.discover(allowed=built_ins_only).get("masimo-ascii")
    loaded.room.leave_out(SPO2.refid)
    master, slave = os.openpty()
    tty.setraw(master)
    tty.setraw(slave)
    link = DeviceLink(driver, "oximeter", os.ttyname(slave),
                      driver.info.resolve_settings({}), loaded.engine.ingest)
    watcher = TileWatcher(loaded)
    rng = random.Random(SEED)
    link.start()
    try:
        for n in range(-2, lines):  # two lines first, while the link settles
            spo2 = 90 + n % 10 if n >= 0 else 88
            line = format_line(datetime.now(), spo2, 70 + n % 5, 3.2)
            if n >= 0:
                watcher.expect(str(spo2), time.perf_counter())
            os.write(master, line)
            settle(rng.uniform(0.35, 0.65))
    finally:
        link.stop()
        loaded.window.frames.timer.timeout.disconnect(watcher.check)
        os.close(master)
        os.close(slave)
    if len(watcher.latencies) < lines:
        raise RuntimeError(f"only {len(watcher.latencies)} of {lines} oximeter lines "
                           "reached the SpO2 tile")
    return watcher.latencies


@dataclass(frozen=True)
class StartUp:
    """Medians over the runs: wall and CPU seconds to the first paint, ours and bare."""

    seconds: float
    cpu_s: float
    bare_seconds: float
    bare_cpu_s: float


CONSOLE_COMMAND = ("-m", "ketaconsole", "--demo", "--quit-after", "2")
BARE_COMMAND = ("-m", "benchmarks._bare_window")


def startup_seconds(runs: int) -> StartUp:
    """Spawning ``python -m ketaconsole --demo`` to its first paint, against the bare window.

    Each run starts the bare window and then the console, so both see the same load.
    One unmeasured start of each first fills a throw-away bytecode cache with every
    module it loads (ours, Qt's, the libraries'), as an installed copy has them, so
    neither figure counts compiling source. Each console start gets a new home folder,
    as on a console's first start.
    """
    ours: list[tuple[float, float]] = []
    bare: list[tuple[float, float]] = []
    with tempfile.TemporaryDirectory(prefix="kc-startup-") as tmp:
        base = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPYCACHEPREFIX=tmp)
        base.pop("PYTHONDONTWRITEBYTECODE", None)
        base.pop("KETACONSOLE_DB", None)

        def console_env(n: int) -> dict[str, str]:
            home = Path(tmp) / f"home-{n}"
            home.mkdir()
            return dict(base, KETACONSOLE_HOME=str(home), **{FIRST_PAINT_ENV: "1"})

        _time_to_first_paint(BARE_COMMAND, base)
        _time_to_first_paint(CONSOLE_COMMAND, console_env(runs))
        for n in range(runs):
            bare.append(_time_to_first_paint(BARE_COMMAND, base))
            ours.append(_time_to_first_paint(CONSOLE_COMMAND, console_env(n)))
    return StartUp(statistics.median(t for t, _ in ours), statistics.median(c for _, c in ours),
                   statistics.median(t for t, _ in bare), statistics.median(c for _, c in bare))


def _time_to_first_paint(command: tuple[str, ...], env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds from spawning to the first paint, process CPU seconds by then)."""
    spawned = time.monotonic()
    child = subprocess.Popen([sys.executable, *command], env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True)
    painted = _first_paint(child)
    child.wait(60)
    if painted is None:
        raise RuntimeError(f"{' '.join(command)} exited with {child.returncode} and never "
                           "reported its first paint")
    return painted[0] - spawned, painted[1]


def _first_paint(child: subprocess.Popen[str]) -> tuple[float, float] | None:
    """(monotonic time, process CPU seconds) of the child's first paint."""
    assert child.stderr is not None
    painted: tuple[float, float] | None = None
    for line in child.stderr:  # read to the end so the child never blocks on a full pipe
        if painted is None and line.startswith("first-paint "):
            fields = line.split()
            painted = (float(fields[1]), float(fields[2]))
    return painted


def _measure(workload: Workload, only: Callable[[str], bool]) -> dict[str, float]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    apply_theme(app)
    figures: dict[str, float] = {}
    loaded = loaded_window(TREND_HOURS)
    try:
        if only("ui.frame"):
            ours, bare = frame_times(loaded, workload.frames)
            for name, times in (("ui.frame", ours), ("ui.frame_bare", bare)):
                figures[f"{name}.p99_ms"] = _p99_ms(times.wall)
                figures[f"{name}.p50_ms"] = statistics.median(times.wall) * 1000
                figures[f"{name}.cpu_p99_ms"] = _p99_ms(times.cpu)
            figures["ui.frame.vs_bare_ratio"] = (figures["ui.frame.p99_ms"]
                                                 / figures["ui.frame_bare.p99_ms"])
        if only("ui.gui_cpu"):
            figures["ui.gui_cpu.percent"] = gui_cpu_percent(workload.cpu_s)
        if only("ui.latency"):
            latencies = pty_latencies(loaded, workload.latency_lines)
            figures["ui.latency.p99_ms"] = _p99_ms(latencies)
            figures["ui.latency.p50_ms"] = statistics.median(latencies) * 1000
    finally:
        loaded.close()
        paint_pending()
    if only("ui.startup"):
        startup = startup_seconds(workload.startup_runs)
        figures["ui.startup.s"] = startup.seconds
        figures["ui.startup.cpu_s"] = startup.cpu_s
        figures["ui.startup_bare.s"] = startup.bare_seconds
        figures["ui.startup_bare.cpu_s"] = startup.bare_cpu_s
        figures["ui.startup.vs_bare_ratio"] = startup.seconds / startup.bare_seconds
        figures["ui.startup.cpu_vs_bare_ratio"] = startup.cpu_s / startup.bare_cpu_s
    return figures


def run(only: str | None = None, *, quick: bool = False) -> dict[str, float]:
    def wanted(prefix: str) -> bool:
        return only is None or "." not in only or prefix.startswith(only) \
            or only.startswith(prefix)

    return _measure(QUICK if quick else FULL, wanted)


if __name__ == "__main__":
    print(run(quick="--quick" in sys.argv))
