"""Packing a run of raw-byte pieces from one device into one journal row, and unpacking it.

A row keeps every piece exactly as it crossed the line: the bytes (concatenated, zlib
compressed) and, per piece, its time and length, so replay feeds the drivers the same
chunks at the same times.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

_PIECE = np.dtype([("at", "<f8"), ("length", "<u4")])


@dataclass(frozen=True, slots=True)
class PackedPieces:
    first_at: float
    last_at: float
    byte_count: int
    pieces: bytes
    data: bytes


def pack_pieces(pieces: Sequence[tuple[float, bytes]]) -> PackedPieces:
    """``[(time, bytes), ...]`` (in order) into one journal row's columns."""
    if not pieces:
        raise ValueError("a journal row needs at least one piece")
    index = np.zeros(len(pieces), dtype=_PIECE)
    index["at"] = [at for at, _ in pieces]
    index["length"] = [len(data) for _, data in pieces]
    joined = b"".join(data for _, data in pieces)
    return PackedPieces(pieces[0][0], pieces[-1][0], len(joined),
                        zlib.compress(index.tobytes()), zlib.compress(joined))


class DamagedJournal(ValueError):
    """A stored journal row that no longer unpacks (altered or cut short)."""


def unpack_pieces(pieces: bytes, data: bytes) -> list[tuple[float, bytes]]:
    try:
        index = np.frombuffer(zlib.decompress(pieces), dtype=_PIECE)
        joined = zlib.decompress(data)
    except (zlib.error, ValueError):
        raise DamagedJournal("journal row is damaged: it no longer decompresses") from None
    out: list[tuple[float, bytes]] = []
    offset = 0
    for at, length in zip(index["at"].tolist(), index["length"].tolist(), strict=True):
        out.append((float(at), joined[offset:offset + length]))
        offset += length
    if offset != len(joined):
        raise DamagedJournal("journal row is damaged: piece lengths do not add up to its bytes")
    return out
