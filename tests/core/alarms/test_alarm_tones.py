"""The alarm tone files: regenerated, then analysed sample by sample (pulses and pitch)."""

from __future__ import annotations

import itertools
import wave
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from ketaconsole.alarms import SIGNALS, Priority
from ketaconsole.alarms.tones import TONE_FOLDER, write_tones


def _read(path: Path) -> tuple[npt.NDArray[np.float64], int]:
    with wave.open(str(path), "rb") as tone:
        assert tone.getnchannels() == 1
        assert tone.getsampwidth() == 2
        rate = tone.getframerate()
        frames = tone.readframes(tone.getnframes())
    return np.frombuffer(frames, dtype="<i2").astype(np.float64), rate


def _pulses(samples: npt.NDArray[np.float64], rate: int) -> list[tuple[int, int]]:
    """(start, end) sample index of each sounding stretch, split by >= 20 ms of silence."""
    loud = np.abs(samples) > 0.05 * np.abs(samples).max()
    found: list[tuple[int, int]] = []
    quiet_needed = int(0.02 * rate)
    for index in (int(i) for i in np.flatnonzero(loud)):
        if found and index - found[-1][1] <= quiet_needed:
            found[-1] = (found[-1][0], index)
        else:
            found.append((index, index))
    return found


def _spectrum_peaks(pulse: npt.NDArray[np.float64], rate: int) -> tuple[float, list[float]]:
    padded = np.zeros(1 << 16)
    padded[: len(pulse)] = pulse * np.hanning(len(pulse))
    magnitude = np.abs(np.fft.rfft(padded))
    freqs = np.fft.rfftfreq(len(padded), 1 / rate)
    fundamental = float(freqs[int(np.argmax(magnitude))])
    harmonics = []
    for n in range(2, 6):
        near = np.abs(freqs - n * fundamental) < 15
        harmonics.append(float(magnitude[near].max() / magnitude.max()))
    return fundamental, harmonics


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("tones")
    write_tones(folder)
    return folder


@pytest.mark.parametrize(("priority", "bursts"), [
    (Priority.HIGH, [5, 5]), (Priority.MEDIUM, [3]), (Priority.LOW, [1])])
def test_tone_has_the_priority_pulse_count_in_its_bursts(
        regenerated: Path, priority: Priority, bursts: list[int]) -> None:
    name = SIGNALS[priority].tone
    assert name is not None
    samples, rate = _read(regenerated / name)
    pulses = _pulses(samples, rate)
    assert len(pulses) == sum(bursts) == SIGNALS[priority].pulses
    gaps = [(b[0] - a[1]) / rate for a, b in itertools.pairwise(pulses)]
    if len(bursts) == 2:
        # the longest silence splits the pattern into two bursts of five
        split = int(np.argmax(gaps)) + 1
        assert split == 5
        assert max(gaps) > 3 * min(gaps)


@pytest.mark.parametrize("priority", [Priority.HIGH, Priority.MEDIUM, Priority.LOW])
def test_pulse_fundamental_is_150_to_1000_hz_with_harmonics(
        regenerated: Path, priority: Priority) -> None:
    name = SIGNALS[priority].tone
    assert name is not None
    samples, rate = _read(regenerated / name)
    start, end = _pulses(samples, rate)[0]
    fundamental, harmonics = _spectrum_peaks(samples[start:end], rate)
    assert 150 <= fundamental <= 1000
    assert all(level > 0.1 for level in harmonics), harmonics


def test_high_priority_sounds_higher_than_low(regenerated: Path) -> None:
    pitches = {}
    for priority in (Priority.HIGH, Priority.LOW):
        name = SIGNALS[priority].tone
        assert name is not None
        samples, rate = _read(regenerated / name)
        start, end = _pulses(samples, rate)[0]
        pitches[priority] = _spectrum_peaks(samples[start:end], rate)[0]
    assert pitches[Priority.HIGH] > pitches[Priority.LOW]


def test_committed_tone_files_are_what_the_generator_writes(regenerated: Path) -> None:
    for priority in (Priority.HIGH, Priority.MEDIUM, Priority.LOW):
        name = SIGNALS[priority].tone
        assert name is not None
        assert (TONE_FOLDER / name).read_bytes() == (regenerated / name).read_bytes(), (
            f"{name} is out of date; run python -m ketaconsole.alarms.tones")


@pytest.mark.parametrize("priority", [Priority.HIGH, Priority.MEDIUM, Priority.LOW])
def test_one_pattern_ends_before_the_next_repeat_begins(regenerated: Path,
                                                        priority: Priority) -> None:
    name = SIGNALS[priority].tone
    repeat = SIGNALS[priority].repeat_s
    assert name is not None and repeat is not None
    samples, rate = _read(regenerated / name)
    assert len(samples) / rate < repeat
