"""Observations into table rows: numerics, merged wave chunks, packed journal runs.

The observations come cleaned from the engine (``ketaconsole.live.cleaning``): a value
the device marked invalid or that is implausible is already ``None``, stored as no value.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ketaconsole.catalogue import CATALOGUE
from ketaconsole.live.cleaning import PUMP_METRICS
from ketaconsole.observations import Numeric, PumpStatus, WaveChunk
from ketaconsole.store.journal_codec import pack_pieces
from ketaconsole.store.wave_codec import ENCODING, encode_samples

MAX_SAMPLES_PER_CHUNK = 8192

def numeric_row(session_id: int, obs: Numeric) -> dict[str, Any]:
    return {"session_id": session_id, "device_id": obs.device_id, "metric": obs.metric,
            "value": obs.value, "unit": obs.unit,
            "received_at": obs.received_at,
            "device_time": obs.device_time.timestamp() if obs.device_time else None}


def pump_rows(session_id: int, status: PumpStatus) -> list[dict[str, Any]]:
    """One numeric row per quantity the pump reported (none for what it left out)."""
    device_time = status.device_time.timestamp() if status.device_time else None
    rows = []
    for refid, attribute in PUMP_METRICS:
        value = getattr(status, attribute)
        if value is None:
            continue
        rows.append({"session_id": session_id, "device_id": status.device_id,
                     "metric": refid, "value": value,
                     "unit": CATALOGUE[refid].unit, "received_at": status.received_at,
                     "device_time": device_time})
    return rows


def wave_rows(session_id: int, chunks: Sequence[WaveChunk]) -> list[dict[str, Any]]:
    """Consecutive chunks of the same waveform merged into as few stored chunks as fit."""
    rows: list[dict[str, Any]] = []
    open_runs: dict[tuple[str, str, float, str], list[WaveChunk]] = {}

    def close(key: tuple[str, str, float, str]) -> None:
        run = open_runs.pop(key)
        samples = [s for chunk in run for s in chunk.samples]
        rows.append({"session_id": session_id, "device_id": key[0], "metric": key[1],
                     "sample_rate_hz": key[2], "unit": key[3],
                     "first_received_at": run[0].received_at,
                     "received_at": run[-1].received_at, "sample_count": len(samples),
                     "encoding": ENCODING, "data": encode_samples(samples)})

    for chunk in chunks:
        key = (chunk.device_id, chunk.metric, chunk.sample_rate_hz, chunk.unit)
        run = open_runs.get(key)
        if run is not None and (sum(len(c.samples) for c in run) + len(chunk.samples)
                                > MAX_SAMPLES_PER_CHUNK):
            close(key)
        open_runs.setdefault(key, []).append(chunk)
    for key in list(open_runs):
        close(key)
    return rows


def journal_rows(session_id: int,
                 pieces: Sequence[tuple[str, str, float, bytes]]) -> list[dict[str, Any]]:
    """``(device, direction, time, bytes)`` pieces into one row per device and direction."""
    runs: dict[tuple[str, str], list[tuple[float, bytes]]] = {}
    for device_id, direction, at, data in pieces:
        runs.setdefault((device_id, direction), []).append((at, data))
    rows = []
    for (device_id, direction), run in runs.items():
        packed = pack_pieces(run)
        rows.append({"session_id": session_id, "device_id": device_id,
                     "direction": direction, "first_at": packed.first_at,
                     "last_at": packed.last_at, "byte_count": packed.byte_count,
                     "pieces": packed.pieces, "data": packed.data})
    return rows
