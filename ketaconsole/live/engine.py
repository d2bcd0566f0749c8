"""The engine: takes observations from every device and keeps the live state of the room.

``Engine.ingest`` is called from the devices' reader threads; it never blocks on I/O.
It keeps the latest value of each metric from each device (read as the value of the
metric's primary device, see ``ketaconsole.live.metric_sources``), a trend per metric and
device, a ring buffer per waveform, each device's
link state and identity, and a ledger per pump. Listeners (the recorder, the alarm
system, the Qt bridge) are told of every observation on the ingesting thread and must
hand work off rather than do it there. Readers (the UI frame timer) pull snapshots.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ketaconsole.live.cleaning import PUMP_METRICS, cleaned
from ketaconsole.live.freshness import LatestValue, is_live
from ketaconsole.live.metric_sources import Chosen, MetricSources
from ketaconsole.live.pump_ledger import PumpLedger, pump_channel
from ketaconsole.live.ring_buffer import RingBuffer
from ketaconsole.live.trend_history import TrendHistory
from ketaconsole.observations import (
    Identity,
    LinkState,
    LinkStatus,
    Numeric,
    Observation,
    ProtocolError,
    PumpState,
    PumpStatus,
    WaveChunk,
    reported_over,
)

log = logging.getLogger(__name__)

Listener = Callable[[Observation], None]

WAVE_OWNER_STALE_S = 2.0
"""Seconds a waveform's device may fall silent before another device's wave takes over."""


@dataclass(slots=True)
class WaveStream:
    """A waveform's recent samples and how fast they come."""

    device_id: str
    sample_rate_hz: float
    buffer: RingBuffer
    last_received_at: float


class Engine:
    """Live state of the room, fed by drivers, read by the UI, the recorder and the alarms."""

    def __init__(self, *, wave_seconds: float = 30.0,
                 clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self._wave_seconds = wave_seconds
        self._lock = threading.Lock()
        self._latest: dict[str, dict[str, LatestValue]] = {}
        self.sources = MetricSources()
        """The room's devices and which is primary for which metric."""
        self._waves: dict[str, WaveStream] = {}
        self._links: dict[str, LinkState] = {}
        self._identities: dict[str, Identity] = {}
        self._pumps: dict[str, PumpLedger] = {}
        self._pump_status: dict[str, PumpStatus] = {}
        self._errors: dict[str, int] = {}
        self._last_data: dict[str, float] = {}
        self.trends = TrendHistory()
        self._listeners: list[Listener] = []

    # -- writing -----------------------------------------------------------------

    def subscribe(self, listener: Listener) -> None:
        """Call ``listener`` with every observation, on the ingesting thread."""
        with self._lock:
            self._listeners = [*self._listeners, listener]

    def unsubscribe(self, listener: Listener) -> None:
        with self._lock:
            # Equality, not identity: each `obj.method` access makes a new bound method.
            self._listeners = [x for x in self._listeners if x != listener]

    def ingest(self, observations: Iterable[Observation]) -> None:
        """Take observations from a device (thread-safe).

        Each is cleaned once (``ketaconsole.live.cleaning``: an unbelievable value is no
        value and counts as a device error) and kept; the listeners are told of the
        cleaned observation, so they never check a value again.
        """
        for sent in observations:
            observation, doubtful = cleaned(sent)
            with self._lock:
                if doubtful:
                    self._count_error(observation.device_id)
                self._apply(observation)
                listeners = self._listeners
            for listener in listeners:
                try:
                    listener(observation)
                except Exception:  # a listener's fault must not stop the devices
                    log.exception("observation listener failed")

    def _count_error(self, device_id: str) -> None:
        self._errors[device_id] = self._errors.get(device_id, 0) + 1

    def _apply(self, obs: Observation) -> None:
        if isinstance(obs, Numeric | WaveChunk | PumpStatus | Identity):
            for link in reported_over(obs.device_id):
                self._last_data[link] = max(self._last_data.get(link, obs.received_at),
                                            obs.received_at)
        if isinstance(obs, Numeric):
            newest = self._latest.setdefault(obs.metric, {})
            standing = newest.get(obs.device_id)
            if standing is None or standing.received_at <= obs.received_at:
                # (one that comes out of order is recorded, but the newer value stands)
                newest[obs.device_id] = LatestValue(obs.value, obs.received_at,
                                                    obs.device_id, obs.device_time)
                self.trends.append(obs.metric, obs.device_id, obs.received_at, obs.value)
        elif isinstance(obs, WaveChunk):
            self._apply_wave(obs)
        elif isinstance(obs, PumpStatus):
            self._apply_pump(obs)
        elif isinstance(obs, LinkState):
            self._links[obs.device_id] = obs
        elif isinstance(obs, Identity):
            self._identities[obs.device_id] = obs
        elif isinstance(obs, ProtocolError):
            self._count_error(obs.device_id)

    def _apply_wave(self, chunk: WaveChunk) -> None:
        stream = self._waves.get(chunk.metric)
        if stream is not None and stream.device_id != chunk.device_id and \
                chunk.received_at - stream.last_received_at <= WAVE_OWNER_STALE_S:
            return  # one device draws a wave; another takes over only when it falls silent
        if stream is None or stream.sample_rate_hz != chunk.sample_rate_hz or \
                stream.device_id != chunk.device_id:
            capacity = max(1, int(chunk.sample_rate_hz * self._wave_seconds))
            stream = WaveStream(chunk.device_id, chunk.sample_rate_hz, RingBuffer(capacity),
                                chunk.received_at)
            self._waves[chunk.metric] = stream
        stream.buffer.extend([float("nan") if s is None else s for s in chunk.samples])
        stream.device_id = chunk.device_id
        stream.last_received_at = chunk.received_at

    def start_pump_ledgers(self) -> None:
        """A new session: each pump's ledger counts from its next report, as the session's
        record does (the last patient's volume is not this one's)."""
        with self._lock:
            self._pumps.clear()

    def _apply_pump(self, status: PumpStatus) -> None:
        ledger = self._pumps.setdefault(status.device_id, PumpLedger(status.device_id))
        if status.state is not None:
            ledger.state = status.state
        if status.rate_ml_h is not None:
            ledger.record_rate(status.received_at, status.rate_ml_h)
        if status.volume_infused_ml is not None:
            ledger.record_counter(status.volume_infused_ml)
        self._pump_status[status.device_id] = status
        for refid, attribute in PUMP_METRICS:
            value = getattr(status, attribute)
            self._latest.setdefault(refid, {})[status.device_id] = LatestValue(
                value, status.received_at, status.device_id, status.device_time)
            if refid == "MDC_FLOW_FLUID_PUMP" and (
                    status.state is PumpState.INFUSING or ledger.delivered_ml > 0):
                # an idle slot of a station has no infusion to trend
                self.trends.append(refid, status.device_id, status.received_at, value)

    # -- reading -----------------------------------------------------------------

    def _chosen(self, refid: str, now: float | None
                ) -> tuple[Chosen | None, dict[str, LatestValue]]:
        now = self.clock() if now is None else now
        with self._lock:
            values = dict(self._latest.get(refid, {}))
        return self.sources.choose(refid, values, lambda v: is_live(refid, v, now)), values

    def source(self, refid: str, now: float | None = None) -> Chosen | None:
        """The device ``refid`` is taken from at ``now``: its primary while that is live,
        else a live stand-in (``None`` when no device has sent it)."""
        return self._chosen(refid, now)[0]

    def latest(self, refid: str, now: float | None = None) -> LatestValue | None:
        """The newest value of ``refid`` from the device it is taken from at ``now``."""
        chosen, values = self._chosen(refid, now)
        return None if chosen is None else values[chosen.device_id]

    def latest_from(self, refid: str, device_id: str) -> LatestValue | None:
        """The newest value of ``refid`` that ``device_id`` sent."""
        with self._lock:
            return self._latest.get(refid, {}).get(device_id)

    def senders(self, refid: str) -> list[str]:
        """The devices that have sent ``refid``, primary first."""
        with self._lock:
            devices = list(self._latest.get(refid, {}))
        return self.sources.ordered(refid, devices)

    def live_value(self, refid: str, now: float | None = None) -> float | None:
        """The newest value if it is still fresh by the catalogue's window, else ``None``."""
        now = self.clock() if now is None else now
        latest = self.latest(refid, now)
        return latest.value if latest is not None and is_live(refid, latest, now) else None

    def wave(self, refid: str) -> WaveStream | None:
        with self._lock:
            return self._waves.get(refid)

    def link(self, device_id: str) -> LinkState | None:
        with self._lock:
            return self._links.get(device_id)

    def links(self) -> dict[str, LinkState]:
        with self._lock:
            return dict(self._links)

    def link_status(self, device_id: str) -> LinkStatus | None:
        state = self.link(device_id)
        return state.status if state else None

    def identity(self, device_id: str) -> Identity | None:
        with self._lock:
            return self._identities.get(device_id)

    def pump(self, device_id: str) -> PumpLedger | None:
        with self._lock:
            return self._pumps.get(device_id)

    def pump_status(self, device_id: str) -> PumpStatus | None:
        with self._lock:
            return self._pump_status.get(device_id)

    def pump_channel(self, pump_id: str) -> str | None:
        """The channel of a pump to show: itself, or for a station the slot that infuses.

        A station reports its slots as ``<pump>/<slot>``; the infusing slot wins, then
        the one that has delivered the most.
        """
        with self._lock:
            return pump_channel(pump_id, self._pumps)

    def pump_ids(self) -> list[str]:
        with self._lock:
            return list(self._pumps)

    def last_data_at(self, device_id: str) -> float | None:
        """When the device last sent something (a value, wave, status or identity); for a
        station, when any of its channels did (they report over its one link)."""
        with self._lock:
            return self._last_data.get(device_id)

    def error_count(self, device_id: str) -> int:
        with self._lock:
            return self._errors.get(device_id, 0)
