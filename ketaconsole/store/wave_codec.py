"""Waveform samples to compact bytes and back: float32, little-endian, zlib; gaps as NaN."""

from __future__ import annotations

import math
import zlib
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

ENCODING = "f32le-zlib"
_LEVEL = 6


class UnknownEncodingError(ValueError):
    """A stored chunk in an encoding this version cannot read."""


def encode_samples(samples: Sequence[float | None]) -> bytes:
    values = np.array([math.nan if s is None else s for s in samples], dtype="<f4")
    return zlib.compress(values.tobytes(), _LEVEL)


def decode_samples(data: bytes, encoding: str = ENCODING) -> tuple[float | None, ...]:
    """The samples as stored; a gap the device marked reads back as ``None``."""
    if encoding != ENCODING:
        raise UnknownEncodingError(f"wave chunk encoding {encoding!r} is not known")
    values = np.frombuffer(zlib.decompress(data), dtype="<f4")
    return tuple(None if math.isnan(v) else float(v) for v in values.tolist())


def decode_array(data: bytes, encoding: str = ENCODING) -> npt.NDArray[np.float32]:
    """The samples as one float32 array, gaps as NaN (for bulk readers such as exports)."""
    if encoding != ENCODING:
        raise UnknownEncodingError(f"wave chunk encoding {encoding!r} is not known")
    return np.frombuffer(zlib.decompress(data), dtype="<f4").astype(np.float32)
