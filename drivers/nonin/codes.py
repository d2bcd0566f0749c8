"""Nonin serial vocabulary: the format-select command, frame layouts, status bits, missing codes.

Every constant here is read from Nonin's OEM specification for the Onyx II 9560
(serial data formats #2, #7 and #8; the same layouts as the OEM III module, the 3150
WristOx and the Xpod) and, for the sensor-disconnect bit, from the OEM III status-byte
description. Frame positions are 0-based here (the specification counts from 1).
"""

from __future__ import annotations

from dataclasses import dataclass

# -- the format-select command and its answer ------------------------------------------

STX = 0x02
ETX = 0x03
OP_DATA_FORMAT = 0x70
ACK = 0x06
NAK = 0x15
REPLY_BYTES = (ACK, NAK)
REPLY_WINDOW_S = 5.0
"""The oximeter answers a command only during its first five seconds of connection."""

FORMAT_CODES: dict[str, int] = {"2": 0x02, "7": 0x07, "8": 0x08}
"""Data-format setting -> the byte the format-select command carries."""

FORMAT_CHOICES = ("2", "7", "8", "ascii")


def format_select_command(data_format: str) -> bytes:
    """STX, op code 0x70, data size 2, data type 2, the format number, ETX."""
    return bytes((STX, OP_DATA_FORMAT, 0x02, 0x02, FORMAT_CODES[data_format], ETX))


# -- formats #2 and #7: 5-byte frames, 25 frames a packet, 75 frames a second -----------

FRAME_LENGTH = 5
FRAMES_PER_PACKET = 25
FRAMES_PER_SECOND = 75
PLETH_RATE_HZ = 75.0
FORMAT2_START = 0x01
"""Byte 1 of every format #2 frame; the status byte follows it."""

STATUS_ALWAYS = 0x80  # bit 7 of a status byte is always set
STATUS_SENSOR_DISCONNECTED = 0x40  # SNSD on the OEM III; reserved on the 9560
STATUS_ARTIFACT = 0x20  # ARTF, set during a pulse with artifact
STATUS_OUT_OF_TRACK = 0x10  # OOT, sustained artifact
STATUS_SENSOR_ALARM = 0x08  # SNSA, unusable signal (finger out)
STATUS_RED_PERFUSION = 0x04  # RPRF (with GPRF: yellow)
STATUS_GREEN_PERFUSION = 0x02  # GPRF
STATUS_SYNC = 0x01  # frame 1 of a packet

# Which frame of the packet carries which value in its float byte (byte 4).
SLOT_HR_MSB = 0
SLOT_HR_LSB = 1
SLOT_SPO2 = 2
SLOT_FIRMWARE = 3  # SREV
SLOT_TIMER_MSB = 5
SLOT_TIMER_LSB = 6
SLOT_STATUS2 = 7  # STAT2
SLOT_SPO2_DISPLAY = 8  # SpO2-D
SLOT_SPO2_FAST = 9
SLOT_SPO2_BEAT = 10  # beat to beat
SLOT_E_HR_MSB = 13
SLOT_E_HR_LSB = 14
SLOT_E_SPO2 = 15
SLOT_E_SPO2_DISPLAY = 16
SLOT_HR_DISPLAY_MSB = 19
SLOT_HR_DISPLAY_LSB = 20
SLOT_E_HR_DISPLAY_MSB = 21
SLOT_E_HR_DISPLAY_LSB = 22

STATUS2_LOW_BATTERY = 0x01
STATUS2_SMARTPOINT = 0x20


@dataclass(frozen=True, slots=True)
class Averaging:
    """Which of the packet's several averages the console shows."""

    name: str
    description: str
    hr_slots: tuple[int, int]
    spo2_slot: int


AVERAGINGS: dict[str, Averaging] = {
    a.name: a for a in (
        Averaging("display", "4-beat averages formatted for display (HR-D, SpO2-D), "
                  "updated every 1.5 s; the only values format #8 carries",
                  (SLOT_HR_DISPLAY_MSB, SLOT_HR_DISPLAY_LSB), SLOT_SPO2_DISPLAY),
        Averaging("standard", "4-beat averages for recording (HR, SpO2), every 1/3 s; "
                  "missing at once when the finger comes out",
                  (SLOT_HR_MSB, SLOT_HR_LSB), SLOT_SPO2),
        Averaging("extended", "8-beat extended averages (E-HR, E-SpO2), every 1/3 s",
                  (SLOT_E_HR_MSB, SLOT_E_HR_LSB), SLOT_E_SPO2),
    )
}

# -- format #8: 4 bytes once a second, no checksum --------------------------------------

FORMAT8_LENGTH = 4
F8_SENSOR_DISCONNECTED = 0x40  # byte 1, OEM III; reserved on the 9560
F8_OUT_OF_TRACK = 0x20  # byte 1
F8_LOW_PERFUSION = 0x10  # byte 1, LPRF
F8_MARGINAL_PERFUSION = 0x08  # byte 1, MPRF
F8_ARTIFACT = 0x04  # byte 1, ARTF
F8_SENSOR_ALARM = 0x08  # byte 4, SNSA
F8_LOW_BATTERY = 0x01  # byte 4

# -- values -------------------------------------------------------------------------------

MISSING_HR = 511
MISSING_SPO2 = 127

# -- technical conditions the status bits report (code, text) ----------------------------

CONDITIONS: dict[str, str] = {
    "sensor-disconnected": "Oximeter sensor disconnected or inoperable",
    "sensor-alarm": "Oximeter sensor alarm: no usable signal (finger out of the sensor?)",
    "out-of-track": "Oximeter out of track: no run of good pulses (sustained artifact)",
    "artifact": "Oximeter reports artifact on the pulse",
    "low-perfusion": "Oximeter reports low or no pulse signal (red perfusion)",
    "marginal-perfusion": "Oximeter reports a marginal pulse signal (yellow perfusion)",
    "low-battery": "Oximeter battery low: replace the batteries soon",
}
