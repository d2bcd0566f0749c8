"""Decodes Nonin data format #8: 4 bytes once a second, display-formatted SpO2 and pulse rate.

After the Nonin 9560 OEM specification (the OEM III and 3150 send the same layout):

    byte 1  1 SNSD OOT LPRF MPRF ARTF HR8 HR7   status; bit 7 always set
    byte 2  0 HR6 ... HR0                       pulse rate (HR-D), low 7 bits
    byte 3  0 SP6 ... SP0                       SpO2 (SpO2-D)
    byte 4  0 R SPA R SNSA R R LOWBAT           status 2; bit 7 always clear

Format #8 has no checksum: a packet is recognised by its one high bit (byte 1) and
three clear high bits, and the stream is trusted only after a run of packets in a row,
again after every broken packet. Noise and the other formats' streams pass the
single-packet check now and then, so until a run confirms the format nothing is a
value and nothing counts as a packet (an oximeter that ignored the format command
shows as "no reply", with what it sends instead). With no checksum, bytes lost on the
line can shift a pulse-rate byte into the SpO2 place of a packet that still looks
right; the packet after it then fails. So a packet's values are reported only once the
packet after it has passed too (a second later), and dropped if it fails. A flipped or
swapped bit inside a value stays undetectable: #8 has nothing to detect it with. So do
two losses that together remove a packet's worth of bytes around one packet: they can
stitch the head of one packet to the tail of the next, well formed and with the stream
back in step (the property tests name this limit).

Bit 6 of byte 1 is "sensor disconnected" on the OEM III and reserved on the 9560 (which
has no separate sensor). After the finger comes out the oximeter repeats its last
reading for 10 s with the sensor-alarm bit set ("unusable data"); a packet with that bit
or the sensor-disconnect bit set therefore gives SpO2 and pulse rate as no value.
"""

from __future__ import annotations

from drivers.nonin.checks import check_format8, explain_junk
from drivers.nonin.codes import (
    F8_ARTIFACT,
    F8_LOW_BATTERY,
    F8_LOW_PERFUSION,
    F8_MARGINAL_PERFUSION,
    F8_OUT_OF_TRACK,
    F8_SENSOR_ALARM,
    F8_SENSOR_DISCONNECTED,
    FORMAT8_LENGTH,
)
from drivers.nonin.decoding import FramedDecoder
from drivers.nonin.framing import FrameHunter
from drivers.nonin.status import ConditionTracker
from drivers.nonin.values import pulse_rate, saturation
from drivers.nonin.values import readings as pair
from ketaconsole.sdk import ErrorKind, Observation

RUN_TO_LOCK = 5
"""Packets in a row that confirm the format: with no checksum, one good-looking packet
(or two) is common in noise and in the other formats' streams."""
REMEMBERED_PACKETS = 64
"""Distinct packets whose readings are kept for reuse within one reading time."""


def describe(packet: bytes, kind: ErrorKind) -> str:
    return (f"packet {packet.hex(' ').upper()} is not a format #8 packet (bit 7 set on "
            "byte 1 only, pulse rate and SpO2 in range); its values are dropped")


class Format8Decoder(FramedDecoder):
    """Data format #8: SpO2-D, HR-D and the status flags once a second."""

    def __init__(self, device_id: str) -> None:
        super().__init__(device_id, FrameHunter(
            FORMAT8_LENGTH, check_format8, describe, "data format #8 packet",
            run_to_lock=RUN_TO_LOCK, relock_on_grid=False, explain_junk=explain_junk("8")))
        self._conditions = ConditionTracker(device_id)
        self._readings: dict[bytes, list[Observation]] = {}
        """The readings of packets already read at ``_readings_at`` (the same packet read
        at the same time gives the same, immutable, observations)."""
        self._readings_at: float | None = None
        self._status_bytes: tuple[int, int] | None = None
        self._held: list[Observation] = []
        """The last packet's readings, until the packet after it passes its check too."""

    def take_frame(self, frame: bytes, lost: int | None, now: float,
                   out: list[Observation]) -> None:
        status, hr_low, spo2, status2 = frame
        if now != self._readings_at or len(self._readings) >= REMEMBERED_PACKETS:
            self._readings.clear()
            self._readings_at = now
        readings = self._readings.get(frame)
        if readings is None:
            unusable = bool(status & F8_SENSOR_DISCONNECTED or status2 & F8_SENSOR_ALARM)
            readings = pair(self.device_id, None if unusable else saturation(spo2),
                            None if unusable else pulse_rate(status, hr_low), now)
            self._readings[frame] = readings
        out.extend(self._held)  # this packet passed: the one before it ended where it should
        self._held = readings
        if (status, status2) == self._status_bytes:
            return  # the same flags as the packet before: no condition starts or ends
        self._status_bytes = (status, status2)
        out.extend(self._conditions.update({
            "sensor-disconnected": bool(status & F8_SENSOR_DISCONNECTED),
            "sensor-alarm": bool(status2 & F8_SENSOR_ALARM),
            "out-of-track": bool(status & F8_OUT_OF_TRACK),
            "artifact": bool(status & F8_ARTIFACT),
            "low-perfusion": bool(status & F8_LOW_PERFUSION),
            "marginal-perfusion": bool(status & F8_MARGINAL_PERFUSION),
            "low-battery": bool(status2 & F8_LOW_BATTERY),
        }, now))

    def lost_sync(self, now: float, out: list[Observation]) -> None:
        self._held = []  # the packet before a broken one may itself be bytes out of place
