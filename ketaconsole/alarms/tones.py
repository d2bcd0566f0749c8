"""Generates the alarm tone files (IEC 60601-1-8 burst patterns) that the UI plays.

High priority: 10 pulses in 2 bursts of 5; medium: 3 pulses; low: 1 pulse (CLINICAL.md
section 4). Each pulse is a fundamental between 150 and 1000 Hz with four harmonics,
shaped by a rise and fall of about 15 % of its length. A file holds one burst pattern;
the player repeats it at the priority's interval (``SIGNALS[...].repeat_s``).
Run ``python -m ketaconsole.alarms.tones FOLDER`` to write the files.
"""

from __future__ import annotations

import sys
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from ketaconsole.alarms.priority import SIGNALS, Priority

SAMPLE_RATE_HZ = 22050
HARMONICS = (1.0, 0.6, 0.45, 0.35, 0.25)
"""Relative amplitude of the fundamental and of harmonics 2 to 5."""
TONE_FOLDER = Path(__file__).resolve().parents[2] / "resources" / "alarm_tones"


@dataclass(frozen=True, slots=True)
class TonePattern:
    """One priority's burst: pulses of a pitch and length, grouped in bursts."""

    fundamental_hz: float
    pulse_s: float
    gap_s: float
    """Silence between pulses within a burst."""
    bursts: tuple[int, ...]
    """Pulses per burst."""
    burst_gap_s: float = 0.0

    @property
    def pulses(self) -> int:
        return sum(self.bursts)


PATTERNS: dict[Priority, TonePattern] = {
    Priority.HIGH: TonePattern(587.0, 0.12, 0.08, (5, 5), burst_gap_s=0.5),
    Priority.MEDIUM: TonePattern(523.0, 0.18, 0.15, (3,)),
    Priority.LOW: TonePattern(440.0, 0.18, 0.15, (1,)),
}


def _pulse(pattern: TonePattern) -> npt.NDArray[np.float64]:
    count = round(pattern.pulse_s * SAMPLE_RATE_HZ)
    t = np.arange(count) / SAMPLE_RATE_HZ
    wave_ = sum(amplitude * np.sin(2 * np.pi * pattern.fundamental_hz * (n + 1) * t)
                for n, amplitude in enumerate(HARMONICS))
    ramp = max(1, round(0.15 * count))
    envelope = np.ones(count)
    envelope[:ramp] = np.linspace(0.0, 1.0, ramp)
    envelope[-ramp:] = np.linspace(1.0, 0.0, ramp)
    signal = np.asarray(wave_, dtype=np.float64) * envelope
    return signal / float(sum(HARMONICS))


def render(priority: Priority) -> npt.NDArray[np.int16]:
    """One burst pattern of ``priority`` as 16-bit samples at :data:`SAMPLE_RATE_HZ`."""
    pattern = PATTERNS[priority]
    pulse = _pulse(pattern)
    gap = np.zeros(round(pattern.gap_s * SAMPLE_RATE_HZ))
    burst_gap = np.zeros(round(pattern.burst_gap_s * SAMPLE_RATE_HZ))
    parts: list[npt.NDArray[np.float64]] = []
    for index, pulses in enumerate(pattern.bursts):
        if index:
            parts.append(burst_gap)
        for n in range(pulses):
            if n:
                parts.append(gap)
            parts.append(pulse)
    parts.append(gap)  # a short tail so players do not clip the last pulse
    samples = np.concatenate(parts) * 0.8 * 32767
    return np.round(samples).astype(np.int16)


def write_tones(folder: str | Path = TONE_FOLDER) -> list[Path]:
    """Write ``high.wav``, ``medium.wav`` and ``low.wav`` into ``folder``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for priority in PATTERNS:
        name = SIGNALS[priority].tone
        assert name is not None
        path = folder / name
        with wave.open(str(path), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(SAMPLE_RATE_HZ)
            out.writeframes(render(priority).astype("<i2").tobytes())
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    for path in write_tones(args[0] if args else TONE_FOLDER):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
