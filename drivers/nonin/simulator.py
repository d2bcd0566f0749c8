"""Device side of the Nonin protocols: answers the format-select command and streams that
format from the shared virtual patient.

The simulated oximeter starts in the format of its ``format`` setting (as a real one
keeps its last format in non-volatile memory), answers a format-select command for
#2, #7 or #8 with ACK and switches to it, and answers any other command with NAK.
Formats #2 and #7 send 75 frames a second with the pleth from
:class:`~ketaconsole.sim.virtual_patient.PlethGenerator`; #8 sends one packet a second;
the ASCII output prints one line a second and ignores what it receives. Every
averaging slot carries the patient's current value (this oximeter does not average).
With the sensor off it sends the missing-data codes (HR 511, SpO2 127), sets the
sensor-alarm bit and stops reporting pulses.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from drivers.nonin.codes import (
    ACK,
    ETX,
    F8_LOW_PERFUSION,
    F8_MARGINAL_PERFUSION,
    F8_SENSOR_ALARM,
    FORMAT2_START,
    FORMAT_CODES,
    FRAMES_PER_PACKET,
    NAK,
    OP_DATA_FORMAT,
    PLETH_RATE_HZ,
    SLOT_E_HR_DISPLAY_LSB,
    SLOT_E_HR_DISPLAY_MSB,
    SLOT_E_HR_LSB,
    SLOT_E_HR_MSB,
    SLOT_E_SPO2,
    SLOT_E_SPO2_DISPLAY,
    SLOT_FIRMWARE,
    SLOT_HR_DISPLAY_LSB,
    SLOT_HR_DISPLAY_MSB,
    SLOT_HR_LSB,
    SLOT_HR_MSB,
    SLOT_SPO2,
    SLOT_SPO2_BEAT,
    SLOT_SPO2_DISPLAY,
    SLOT_SPO2_FAST,
    SLOT_TIMER_LSB,
    SLOT_TIMER_MSB,
    STATUS_ALWAYS,
    STATUS_GREEN_PERFUSION,
    STATUS_RED_PERFUSION,
    STATUS_SENSOR_ALARM,
    STATUS_SYNC,
    STX,
)
from drivers.nonin.values import pulse_rate_bytes, saturation_byte
from ketaconsole.sdk import DeviceSimulator, PlethGenerator, VirtualPatient, Vitals

FIRMWARE_REVISION = 0x2A
PULSE_MARK_FRAMES = 12
"""Frames (160 ms) the perfusion bits stay set for each pulse."""
MAX_COMMAND = 16


def _checksum(first4: bytes) -> int:
    return sum(first4) & 0xFF


def _vitals_bytes(vitals: Vitals) -> tuple[int | None, int | None]:
    if vitals.sensor_off:
        return None, None
    return round(vitals.hr), min(100, round(vitals.spo2))


def _perfusion_bits(pi: float) -> int:
    """Green for a good pulse, yellow (red + green) for marginal, red for poor."""
    if pi < 0.3:
        return STATUS_RED_PERFUSION
    if pi < 1.0:
        return STATUS_RED_PERFUSION | STATUS_GREEN_PERFUSION
    return STATUS_GREEN_PERFUSION


def packet_values(hr: int | None, spo2: int | None, timer: int = 0,
                  status2: int = 0) -> list[int]:
    """The 25 float bytes of a format #2/#7 packet, every average set to the same value."""
    slots = [0] * FRAMES_PER_PACKET
    msb, lsb = pulse_rate_bytes(hr)
    sat = saturation_byte(spo2)
    for high, low in ((SLOT_HR_MSB, SLOT_HR_LSB), (SLOT_E_HR_MSB, SLOT_E_HR_LSB),
                      (SLOT_HR_DISPLAY_MSB, SLOT_HR_DISPLAY_LSB),
                      (SLOT_E_HR_DISPLAY_MSB, SLOT_E_HR_DISPLAY_LSB)):
        slots[high], slots[low] = msb, lsb
    for slot in (SLOT_SPO2, SLOT_SPO2_DISPLAY, SLOT_SPO2_FAST, SLOT_SPO2_BEAT, SLOT_E_SPO2,
                 SLOT_E_SPO2_DISPLAY):
        slots[slot] = sat
    slots[SLOT_FIRMWARE] = FIRMWARE_REVISION
    slots[SLOT_TIMER_MSB], slots[SLOT_TIMER_LSB] = (timer >> 7) & 0x7F, timer & 0x7F
    slots[7] = status2
    return slots


def waveform_frame(data_format: str, status: int, pleth: int, value: int) -> bytes:
    """One format #2 or #7 frame with its checksum."""
    if data_format == "2":
        head = bytes((FORMAT2_START, status, pleth & 0xFF, value))
    else:
        head = bytes((status, (pleth >> 8) & 0xFF, pleth & 0xFF, value))
    return head + bytes((_checksum(head),))


def format8_packet(hr: int | None, spo2: int | None, *, status: int = 0,
                   status2: int = 0) -> bytes:
    msb, lsb = pulse_rate_bytes(hr)
    return bytes((STATUS_ALWAYS | status | msb, lsb, saturation_byte(spo2), status2))


def ascii_line(hr: int | None, spo2: int | None) -> bytes:
    spo2_text = "---" if spo2 is None else f"{spo2:03d}"
    hr_text = "---" if hr is None else f"{hr:03d}"
    return f"SPO2={spo2_text} HR={hr_text}".encode("ascii") + b"\r\n"


class NoninSimulator(DeviceSimulator):
    """A Nonin oximeter streaming data format #2, #7, #8 or its ASCII output."""

    tick_interval_s = 0.02

    def __init__(self, patient: VirtualPatient, settings: Mapping[str, Any]) -> None:
        super().__init__(patient, settings)
        self._received = bytearray()
        self._select(str(self.settings.get("format", "7")))
        self.commands: list[bytes] = []

    def _select(self, data_format: str) -> None:
        self.data_format = data_format
        self._pleth = PlethGenerator(self.patient, PLETH_RATE_HZ)
        self._index = 0
        self._slots: list[int] = []
        self._timer = 0
        self._pulse_left = 0
        self._previous_sample = 0.0
        self._next_second: float | None = None

    # -- commands --------------------------------------------------------------------------

    def feed(self, data: bytes, now: float) -> bytes:
        if self.data_format == "ascii":
            return b""
        self._received += data
        replies = bytearray()
        while True:
            start = self._received.find(bytes((STX,)))
            if start < 0:
                self._received.clear()
                break
            del self._received[:start]
            if len(self._received) < 3:
                break
            total = self._received[2] + 4
            if total > MAX_COMMAND:
                del self._received[:1]
                continue
            if len(self._received) < total:
                break
            command = bytes(self._received[:total])
            del self._received[:total]
            self.commands.append(command)
            replies.append(self._answer(command))
        return bytes(replies)

    def _answer(self, command: bytes) -> int:
        codes = {code: name for name, code in FORMAT_CODES.items()}
        if (command[-1] == ETX and command[1] == OP_DATA_FORMAT and command[2] == 2
                and command[3] == 2 and command[4] in codes):
            self._select(codes[command[4]])
            return ACK
        return NAK

    # -- streaming -------------------------------------------------------------------------

    def tick(self, now: float) -> bytes:
        if self.data_format in ("2", "7"):
            return self._waveform_frames(now)
        if self._next_second is None:
            self._next_second = math.floor(now) + 1.0
        if now < self._next_second:
            return b""
        self._next_second = max(self._next_second + 1.0, math.floor(now))
        vitals = self.patient.vitals(now)
        hr, spo2 = _vitals_bytes(vitals)
        if self.data_format == "8":
            status = 0
            if not vitals.sensor_off and vitals.pi < 0.3:
                status = F8_LOW_PERFUSION
            elif not vitals.sensor_off and vitals.pi < 1.0:
                status = F8_MARGINAL_PERFUSION
            return format8_packet(hr, spo2, status=status,
                                  status2=F8_SENSOR_ALARM if vitals.sensor_off else 0)
        return ascii_line(hr, spo2)

    def _waveform_frames(self, now: float) -> bytes:
        samples = self._pleth.samples_until(now)
        if not samples:
            return b""
        vitals = self.patient.vitals(now)
        out = bytearray()
        for sample in samples:
            if self._index == 0:
                hr, spo2 = _vitals_bytes(vitals)
                self._slots = packet_values(hr, spo2, self._timer)
                self._timer = (self._timer + 1) & 0x3FFF
            status = STATUS_ALWAYS | (STATUS_SYNC if self._index == 0 else 0)
            if vitals.sensor_off:
                status |= STATUS_SENSOR_ALARM
                self._pulse_left = 0
                sample = 0.0
            elif sample >= 0.5 > self._previous_sample:
                self._pulse_left = PULSE_MARK_FRAMES
            if self._pulse_left:
                status |= _perfusion_bits(vitals.pi)
                self._pulse_left -= 1
            self._previous_sample = sample
            if self.data_format == "2":
                pleth = max(0, min(255, round(30 + 190 * sample)))
            else:
                pleth = max(0, min(65535, round(2000 + 28000 * sample)))
            out += waveform_frame(self.data_format, status, pleth, self._slots[self._index])
            self._index = (self._index + 1) % FRAMES_PER_PACKET
        return bytes(out)
