"""Device side of B. Braun BCC: a SpaceStation with two or three Perfusor Space pumps.

Slot 1-1 runs the scenario's ketamine infusion (rate, volume infused and VTBI from the
shared virtual patient, 1 mg/mL); slot 1-2 is idle, ready to start; slot 1-3 (when
there are three) is in standby. The station greets, reports its version and answers
``MEM:GET`` with one frame of station records, then one frame per pump (ETB), the
last frame ending ETX, with the record names and layout of a real station's capture.
It is served over TCP, as a SpaceStation is reached on port 4001.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from drivers.bbraun_bcc import codes, messages
from drivers.bbraun_bcc.framing import BccFrame, Fault, FrameReader, encode_frame
from drivers.bbraun_bcc.messages import Record, SlotAddress
from ketaconsole.sdk import DeviceSimulator, VirtualPatient

BED_ID = "Bed07"
STATION_VERSION = "V3.30"
PUMP_MODEL = "688F030006"
SYRINGE_ML = 50.0
STATION = SlotAddress(0, 0)


@dataclass(slots=True)
class _Pump:
    address: SlotAddress
    serial: str
    role: str  # "infusion", "ready" or "standby"
    cleared_ml: float = 0.0
    announced: bool = False


class BBraunBccSimulator(DeviceSimulator):
    """A simulated SpaceStation answering the console's polls."""

    tick_interval_s = 0.02
    served_over = "tcp"

    def __init__(self, patient: VirtualPatient, settings: Mapping[str, Any]) -> None:
        super().__init__(patient, settings)
        self.stuffing = bool(self.settings.get("stuffing", False))
        slots = int(self.settings.get("sim_slots", 3))
        roles = ("infusion", "ready", "standby")[:max(2, min(3, slots))]
        self.pumps = [_Pump(SlotAddress(1, n + 1), f"{40864 + n}", role)
                      for n, role in enumerate(roles)]
        self._reader = FrameReader(stuffing=self.stuffing)
        self._started: float | None = None
        self.requests: list[bytes] = []
        self.bad_frames = 0

    # -- what the pumps are doing ----------------------------------------------------

    def pump(self, label: str) -> _Pump:
        return next(p for p in self.pumps if p.address.label == label)

    def clear_volume(self, label: str, now: float) -> None:
        """Restart one pump's volume counter (new syringe, total cleared)."""
        self.pump(label).cleared_ml = self.patient.infusion(now).volume_infused_ml

    def volume_infused(self, pump: _Pump, now: float) -> float:
        if pump.role != "infusion":
            return 0.0
        return max(0.0, self.patient.infusion(now).volume_infused_ml - pump.cleared_ml)

    # -- the DeviceSimulator interface -------------------------------------------------

    def tick(self, now: float) -> bytes:
        if self._started is None:
            self._started = now
        return b""

    def feed(self, data: bytes, now: float) -> bytes:
        self.tick(now)
        replies = b""
        for item in self._reader.feed(data):
            if isinstance(item, Fault):
                self.bad_frames += 1
            else:
                replies += self._answer(item, now)
        return replies

    def _seconds(self, now: float) -> int:
        return int(now - (self._started if self._started is not None else now))

    def _frame(self, records: list[Record], *, last: bool = True) -> bytes:
        return encode_frame(BED_ID, messages.encode_records(records), last=last,
                            stuffing=self.stuffing)

    def _answer(self, frame: BccFrame, now: float) -> bytes:
        request = frame.message
        self.requests.append(request)
        t = self._seconds(now)
        if request == messages.ALIVE:
            return self._frame([Record(t, STATION, codes.ACKNOWLEDGE, "0")])
        if request == messages.VERSION:
            return self._frame([Record(t, STATION, STATION_VERSION, None)])
        if request == messages.GET_ALL:
            station = [Record(t, STATION, "FMNOR", "1"), Record(t, STATION, "FMSTAT", "00051")]
            frames = [self._frame(station, last=False)]
            for index, pump in enumerate(self.pumps):
                frames.append(self._frame(self._pump_records(pump, t, now),
                                          last=index == len(self.pumps) - 1))
            return b"".join(frames)
        if request.startswith(b"MEM:GETSLOT#"):
            for pump in self.pumps:
                if messages.get_slot(pump.address.pillar, pump.address.slot) == request:
                    return self._frame(self._pump_records(pump, t, now))
            return self._frame([Record(t, STATION, codes.ERROR, "811")])
        return self._frame([Record(t, STATION, codes.ERROR, "68")])

    def _pump_records(self, pump: _Pump, t: int, now: float) -> list[Record]:
        infusion = self.patient.infusion(now)
        running = pump.role == "infusion" and infusion.running
        active = pump.role == "infusion"
        infused = self.volume_infused(pump, now)
        values: list[tuple[str, str | None]] = [
            (codes.NEW_PUMP if not pump.announced else codes.MODEL, PUMP_MODEL),
            (codes.RATE, f"{infusion.rate_ml_h:.2f}" if running else "0"),
            (codes.SOLUTION, "Ketamine" if active else "_NV"),
            (codes.SOLUTION_SHORT, "Ketamine" if active else "_NV"),
            ("INSOLID", "_NV"),
            (codes.SYRINGE_LEFT, f"{max(0.0, SYRINGE_ML - 1.0 - infused):.2f}" if active
             else "0"),
            ("INRMT", "65535"),
            (codes.CONCENTRATION, f"{infusion.concentration_mg_ml:.2f}" if active else "0"),
            (codes.CONCENTRATION_UNIT, "31"),
            (codes.VOLUME_INFUSED, f"{infused:.2f}"),
            (codes.VTBI, f"{infusion.vtbi_ml:.1f}" if active else "_NV"),
            (codes.PRESSURE_PERCENT, "12" if running else "0"),
            (codes.SYRINGE_SIZE, f"{SYRINGE_ML:g}" if active else "0"),
            (codes.SERIAL_NUMBER, pump.serial),
        ]
        modes = {codes.MODE_READY: not running and pump.role != "standby",
                 codes.MODE_RUNNING: running, codes.MODE_STANDBY: pump.role == "standby",
                 "INM8": True}
        values += [(f"INM{n}", "1" if modes.get(f"INM{n}") else "0") for n in range(1, 13)]
        values += [(f"INA{n}", "0") for n in range(1, 16)]
        pump.announced = True
        return [Record(t, pump.address, key, value) for key, value in values]
