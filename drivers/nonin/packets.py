"""Decodes Nonin data formats #2 and #7: 25-frame packets of status, pleth and value bytes.

Frame (5 bytes), after the Nonin 9560 OEM specification (copy in mattjlewis/NoninPulseOx;
OpenICE's pulse-ox Packet.java in mdpnp/mdpnp reads the same packet, but joins the two
HR bytes with an 8-bit shift where the specification's bit table gives HR8-HR7 above
HR6-HR0, a 7-bit shift, which is what this decoder does):

    #2:  01      STATUS     PLETH      FLOAT  CHK     (8-bit pleth)
    #7:  STATUS  PLETH MSB  PLETH LSB  FLOAT  CHK     (16-bit pleth)

CHK is the sum of bytes 1-4 modulo 256, which cannot see two of those bytes swapped (the
sum stays the same); a flipped bit or a lost byte it does catch. STATUS always has bit 7
set and has the SYNC bit (bit 0) on frame 1 of each 25-frame packet only. Each frame
carries one pleth sample (75 a second). The FLOAT byte of frame n carries one value of
the packet: frames 1-3 HR MSB, HR LSB, SpO2 (4-beat averages); 4 firmware revision; 8
STAT2 (bit 0 low battery); 9 SpO2-D; 14-16 E-HR MSB, E-HR LSB, E-SpO2 (8-beat); 20-21
HR-D MSB/LSB (display). A packet's values are read only from frames whose place in the
packet is known, and only once both its ends are confirmed: it starts at a SYNC frame,
and its 25th frame is followed straight away by the next packet's SYNC frame. Whole
frames can go missing without a checksum error (a stretch of line cut out at a frame
boundary); the frame count then runs past the packet's true end, and only the missing
SYNC bit where the next packet should begin shows it. A packet is therefore held back
until that SYNC frame arrives, and dropped if anything else comes. After a lost frame
whose place cannot be worked out, values wait for the next SYNC frame; pleth samples
keep flowing, with a gap (``None``) where frames were lost. While the sensor-alarm bit
(SNSA: "unusable data", set when the finger is out) or the sensor-disconnect bit is set,
the display values still repeat the last reading for up to 10 s; a packet with either
bit set therefore gives SpO2 and pulse rate as no value.
"""

from __future__ import annotations

import struct

from drivers.nonin.checks import check_format2, check_format7, checksum, explain_junk
from drivers.nonin.codes import (
    FRAME_LENGTH,
    FRAMES_PER_PACKET,
    PLETH_RATE_HZ,
    SLOT_FIRMWARE,
    SLOT_STATUS2,
    STATUS2_LOW_BATTERY,
    STATUS_ALWAYS,
    STATUS_OUT_OF_TRACK,
    STATUS_SENSOR_ALARM,
    STATUS_SENSOR_DISCONNECTED,
    STATUS_SYNC,
    Averaging,
)
from drivers.nonin.decoding import FramedDecoder
from drivers.nonin.framing import FrameHunter
from drivers.nonin.status import PULSE_CONDITIONS, ConditionTracker, PulseQuality
from drivers.nonin.values import pulse_rate, readings, saturation
from ketaconsole.sdk import ErrorKind, Identity, Observation, WaveChunk

PLETH = "MDC_PULS_OXIM_PLETH"


def describe(frame: bytes, kind: ErrorKind) -> str:
    shown = frame.hex(" ").upper()
    if kind == "checksum":
        return (f"frame {shown} has checksum {frame[4]:02X}, expected "
                f"{checksum(frame):02X}; its values are dropped")
    return f"frame {shown} does not start like a frame of this data format"


class WaveformFormatDecoder(FramedDecoder):
    """Data format #2 or #7: SpO2 and pulse rate every 1/3 s, pleth at 75 Hz, status flags."""

    def __init__(self, device_id: str, data_format: str, averaging: Averaging) -> None:
        check = check_format2 if data_format == "2" else check_format7
        super().__init__(device_id, FrameHunter(
            FRAME_LENGTH, check, describe, f"data format #{data_format} frame",
            explain_junk=explain_junk(data_format)))
        self.data_format = data_format
        self.averaging = averaging
        self._next_index: int | None = None
        self._slots: dict[int, int] = {}
        self._held: tuple[dict[int, int], bool] | None = None
        """A packet whose 25 frames are in, with its unusable flag, until the next frame
        confirms its end (a SYNC frame) or shows it was not one (anything else)."""
        self._pleth: list[float | None] = []
        self._seen_frame = False
        self._conditions = ConditionTracker(device_id)
        self._pulse = PulseQuality()
        self._firmware: int | None = None
        self._status_bits: int | None = None
        self._unusable = False

    def take_frame(self, frame: bytes, lost: int | None, now: float,
                   out: list[Observation]) -> None:
        if self.data_format == "2":
            status, pleth = frame[1], frame[2]
        else:
            status, pleth = frame[0], (frame[1] << 8) | frame[2]
        index = self._place(status, lost, now, out)
        if status & (STATUS_SENSOR_ALARM | STATUS_SENSOR_DISCONNECTED):
            self._unusable = True
        self._pleth.append(float(pleth))
        self._seen_frame = True
        self._status(status, now, out)
        if index is None:
            self._next_index = None
            return
        self._slots[index] = frame[3]
        if index == FRAMES_PER_PACKET - 1:
            self._hold_packet()
            self._next_index = 0
        else:
            self._next_index = index + 1

    def take_run(self, frames: bytes, now: float, out: list[Observation]) -> None:
        """Frames back to back: the middle frames of a packet whose status bits are those
        of the frame before take the short way (their place is the one after the last,
        and they close no packet and change no condition); the rest :meth:`take_frame`."""
        wide = self.data_format != "2"
        last = FRAMES_PER_PACKET - 1
        no_signal = STATUS_SENSOR_ALARM | STATUS_SENSOR_DISCONNECTED
        not_status = STATUS_ALWAYS | STATUS_SYNC
        offset = 0
        for first, second, third, value, _ in struct.iter_unpack("5B", frames):
            status = first if wide else second
            index = self._next_index
            if (index is None or index == 0 or index == last or status & STATUS_SYNC
                    or status & ~not_status != self._status_bits):
                self.take_frame(frames[offset:offset + FRAME_LENGTH], 0, now, out)
            else:
                if status & no_signal:
                    self._unusable = True
                self._pleth.append(float((second << 8) | third if wide else third))
                self._seen_frame = True
                self._slots[index] = value
                self._next_index = index + 1
            offset += FRAME_LENGTH

    def end_of_input(self, now: float, out: list[Observation]) -> None:
        self._flush_pleth(now, out)

    # -- where a frame sits in its packet ------------------------------------------------

    def _place(self, status: int, lost: int | None, now: float,
               out: list[Observation]) -> int | None:
        index = self._next_index
        if lost is None:
            if self._seen_frame:
                self._pleth.append(None)
            self._drop_packet()
            index = None
        elif lost:
            self._pleth.extend([None] * lost)
            if index is not None:
                index += lost
                if index >= FRAMES_PER_PACKET:
                    self._hold_packet()
                    index %= FRAMES_PER_PACKET
        if status & STATUS_SYNC:
            if index not in (None, 0):
                out.append(self.error(
                    ErrorKind.SYNC, f"frame sync bit on frame {index + 1} of a packet instead of "
                            "frame 1; values wait for the next sync", now))
                self._drop_packet()
                return None  # the count and the bit disagree: trust neither
            if index == 0:
                self._close_packet(now, out)  # this SYNC frame confirms the packet's end
            return 0
        if index == 0:
            out.append(self.error(
                ErrorKind.SYNC, "frame 1 of a packet lacks its sync bit: frames were lost without "
                        "a checksum error, so the packet before is dropped and values wait "
                        "for the next packet", now))
            self._drop_packet()
            return None
        self._held = None  # lost frames ran past a packet's end, and no SYNC confirms it
        return index

    def _hold_packet(self) -> None:
        self._held = (self._slots, self._unusable) if self._slots else None
        self._slots, self._unusable = {}, False

    def _drop_packet(self) -> None:
        self._held = None
        self._slots, self._unusable = {}, False

    # -- what a packet and a status byte say ---------------------------------------------

    def _close_packet(self, now: float, out: list[Observation]) -> None:
        """Report the held packet, whose end the SYNC frame just read confirms."""
        self._flush_pleth(now, out)
        if self._held is None:
            return
        (slots, unusable), self._held = self._held, None
        hr_msb, hr_lsb = self.averaging.hr_slots
        has_spo2 = self.averaging.spo2_slot in slots
        has_pulse = hr_msb in slots and hr_lsb in slots
        spo2 = None if unusable or not has_spo2 else saturation(slots[self.averaging.spo2_slot])
        rate = None if unusable or not has_pulse else pulse_rate(slots[hr_msb], slots[hr_lsb])
        out.extend(readings(self.device_id, spo2, rate, now, has_spo2=has_spo2,
                            has_pulse=has_pulse))
        firmware = slots.get(SLOT_FIRMWARE)
        if firmware is not None and firmware != self._firmware:
            self._firmware = firmware
            out.append(Identity(self.device_id, now, model="Nonin pulse oximeter",
                                firmware=str(firmware),
                                details={"data_format": f"#{self.data_format}"}))
        status2 = slots.get(SLOT_STATUS2)
        if status2 is not None:
            out.extend(self._conditions.update(
                {"low-battery": bool(status2 & STATUS2_LOW_BATTERY)}, now))

    def _status(self, status: int, now: float, out: list[Observation]) -> None:
        bits = status & ~(STATUS_ALWAYS | STATUS_SYNC)
        if bits == self._status_bits:
            return  # the same bits as the frame before: no condition and no pulse changes
        self._status_bits = bits
        no_signal = bool(status & (STATUS_SENSOR_ALARM | STATUS_SENSOR_DISCONNECTED))
        out.extend(self._conditions.update({
            "sensor-disconnected": bool(status & STATUS_SENSOR_DISCONNECTED),
            "sensor-alarm": bool(status & STATUS_SENSOR_ALARM),
            "out-of-track": bool(status & STATUS_OUT_OF_TRACK),
        }, now))
        if no_signal:  # no pulses, so no pulse quality to report
            self._pulse.reset()
            out.extend(self._conditions.update(dict.fromkeys(PULSE_CONDITIONS, False), now))
            return
        verdict = self._pulse.frame(status)
        if verdict is not None:
            out.extend(self._conditions.update(verdict, now))

    def _flush_pleth(self, now: float, out: list[Observation]) -> None:
        if self._pleth:
            out.append(WaveChunk(self.device_id, PLETH, tuple(self._pleth), PLETH_RATE_HZ,
                                 "1", now))
            self._pleth = []
