"""Device side of Masimo ASCII 1: prints one line a second from the virtual patient."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ketaconsole.sdk import DeviceSimulator, VirtualPatient

SERIAL_NUMBER = "0000071453"


@dataclass(frozen=True, slots=True)
class Rainbow:
    """The rainbow-sensor values a Rad-7 or Radical-7 adds to the line."""

    spco: float | None = None
    spmet: float | None = None
    sphb: float | None = None
    pvi: float | None = None


def _field(value: float | None, form: str, dashes: str) -> str:
    return dashes if value is None else format(value, form)


def format_line(when: datetime, spo2: float | None, bpm: float | None, pi: float | None,
                *, model: str = "rad8", exc: int = 0, alarm: int = 0,
                serial: str = SERIAL_NUMBER, rainbow: Rainbow = Rainbow()) -> bytes:
    """One ASCII 1 line as the given model prints it (dashes where a value is missing)."""
    stamp = when.strftime("%m/%d/%y %H:%M:%S")
    spo2_text = "---" if spo2 is None else f"{round(spo2):03d}"
    bpm_text = "---" if bpm is None else f"{round(bpm):03d}"
    pi_text = "--.--" if pi is None else f"{pi:05.2f}"
    spco = _field(rainbow.spco, "04.1f", "--.-")
    spmet = _field(rainbow.spmet, "04.1f", "--.-")
    pvi = "---" if rainbow.pvi is None else f"{round(rainbow.pvi):03d}"
    if model == "rad7":
        sphb = _field(rainbow.sphb, "04.1f", "--.-")
        line = (f"{stamp} SN={serial} SPO2={spo2_text}% BPM={bpm_text} PI={pi_text} "
                f"SPCO={spco}% SPMET={spmet}% SPHB={sphb} SPOC=-- RESVD=--- DESAT=-- "
                f"PIDELTA=+-- PVI={pvi} ALARM={alarm:06X} EXC={exc:06X} EXC1=00000000")
    elif model == "radical7":
        line = (f"{stamp} SN={serial} SPO2={spo2_text}% BPM={bpm_text} PI={pi_text}% "
                f"SPCO={spco}% SPMET={spmet}% DESAT=-- PIDELTA=+-- PVI={pvi} "
                f"ALARM={alarm:04X} EXC={exc:06X}")
    else:
        line = (f"{stamp} SN={serial} SPO2={spo2_text}% BPM={bpm_text} PI={pi_text}% "
                f"DESAT=-- PIDELTA=+-- ALARM={alarm:04X} EXC={exc:06X}")
    return line.encode("ascii") + b"\r\n"


class MasimoAsciiSimulator(DeviceSimulator):
    """A Rad-8 (or Rad-7 / Radical-7) sending its ASCII 1 line once a second."""

    tick_interval_s = 0.05

    def __init__(self, patient: VirtualPatient, settings: Mapping[str, Any]) -> None:
        super().__init__(patient, settings)
        self.model = str(self.settings.get("model", "rad8"))
        self._next_line: float | None = None

    def tick(self, now: float) -> bytes:
        if self._next_line is None:
            self._next_line = math.floor(now) + 1.0
        if now < self._next_line:
            return b""
        self._next_line = max(self._next_line + 1.0, math.floor(now))
        vitals = self.patient.vitals(now)
        when = datetime.fromtimestamp(now)
        if vitals.sensor_off:
            return format_line(when, None, None, None, model=self.model, exc=0x020)
        alarm = 0x02 | 0x10 if vitals.spo2 < 90 else 0
        return format_line(when, vitals.spo2, vitals.hr, vitals.pi, model=self.model,
                           exc=0x800, alarm=alarm, rainbow=_rainbow(vitals.pi))


def _rainbow(pi: float) -> Rainbow:
    """A healthy non-smoker's rainbow values; PVI falls as perfusion rises."""
    return Rainbow(spco=1.2, spmet=0.7, sphb=13.6, pvi=max(5.0, min(40.0, 24.0 - 2.5 * pi)))
