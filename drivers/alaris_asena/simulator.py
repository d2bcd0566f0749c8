"""Device side of the Alaris (Asena) protocol: a GH syringe pump running the scenario's infusion.

It answers the requests the console sends, with the reply layouts the sources log
from real pumps, and follows the shared virtual patient's infusion (rate, volume
infused, VTBI). Remote control is granted only for the security code that matches
its serial number and lapses if not renewed within its communication time-out: the
pump then raises ``AL_COMTO``, as a real pump raises its communication alarm. A frame
with wrong check digits gets no answer. ``clear_volume`` restarts the volume counter,
as a new syringe or a cleared total does on a real pump.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from drivers.alaris_asena import codes
from drivers.alaris_asena.framing import Fault, Frame, FrameReader, encode_frame, security_code
from ketaconsole.sdk import DeviceSimulator, VirtualPatient

SERIAL_NUMBER = "8002-60417"
PROTOCOL_REVISION = "Asena Rev 2.1.5"
RESPONSE_MAX_MS = 4000
SYRINGE_BRAND = "BD PLASTIPAK"
SYRINGE_SIZE_ML = 50
DRUG = "Ketamine"


class AlarisAsenaSimulator(DeviceSimulator):
    """A simulated Alaris GH pump on the other end of the serial line."""

    tick_interval_s = 0.02

    def __init__(self, patient: VirtualPatient, settings: Mapping[str, Any]) -> None:
        super().__init__(patient, settings)
        self.serial = str(self.settings.get("sim_serial", SERIAL_NUMBER))
        self._reader = FrameReader()
        self._remote_until: float | None = None
        self._cleared_ml = 0.0
        self._alarm: str | None = None
        self._log_entry = 185000
        self.remote_enabled = False
        self.keepalives: list[float] = []
        self.communication_timeouts = 0
        self.bad_frames = 0
        self.requests: list[str] = []

    # -- what the pump is doing ------------------------------------------------------

    def clear_volume(self, now: float) -> None:
        """Restart the pump's volume counter (new syringe, total cleared)."""
        self._cleared_ml = self.patient.infusion(now).volume_infused_ml

    def volume_infused(self, now: float) -> float:
        return max(0.0, self.patient.infusion(now).volume_infused_ml - self._cleared_ml)

    def _alarm_now(self, now: float) -> str | None:
        if self._alarm is not None:
            return self._alarm
        if self.patient.infusion(now).finished:
            return "AL_EOIST"
        return None

    # -- the DeviceSimulator interface -------------------------------------------------

    def tick(self, now: float) -> bytes:
        if self._remote_until is not None and now > self._remote_until:
            self._remote_until = None
            self.remote_enabled = False
            self.communication_timeouts += 1
            self._alarm = "AL_COMTO"
        return b""

    def feed(self, data: bytes, now: float) -> bytes:
        self.tick(now)
        replies = b""
        for item in self._reader.feed(data):
            if isinstance(item, Fault):
                self.bad_frames += 1
                continue
            self.requests.append(item.command)
            reply = self._answer(item, now)
            if reply is not None:
                replies += encode_frame(reply)
        return replies

    def _answer(self, frame: Frame, now: float) -> tuple[str, ...] | None:
        command = frame.command
        if command == codes.SERIAL_NUMBER:
            return (command, self.serial)
        if command == codes.PROTOCOL_REVISION:
            return (command, PROTOCOL_REVISION)
        if command == codes.RESPONSE_MAX:
            return (command, str(RESPONSE_MAX_MS), "ms")
        if command == codes.REMOTE_CONTROL:
            return self._remote_control(frame, now)
        if command == codes.INFUSION_STATUS:
            return self._infusion(now)
        if command == codes.VTBI:
            vtbi = self.patient.infusion(now).vtbi_ml
            return (command, "ACTIV", f"{vtbi:.3f}", "ml", "STOP")
        if command == codes.ALARM:
            alarm = self._alarm_now(now)
            if alarm is None:
                return (command, codes.NO_ALARM, " ", " ")
            return (command, alarm, " ", " ")
        if command == codes.SYRINGE:
            return (command, SYRINGE_BRAND, f"{SYRINGE_SIZE_ML:3d}", "CONF")
        return None

    def _remote_control(self, frame: Frame, now: float) -> tuple[str, ...]:
        wanted = frame.field(1)
        if wanted == codes.ENABLED and frame.field(2) == security_code(self.serial):
            self.remote_enabled = True
            self._remote_until = now + RESPONSE_MAX_MS / 1000
            self.keepalives.append(now)
            if self._alarm == "AL_COMTO":
                self._alarm = None
            return (codes.REMOTE_CONTROL, codes.ENABLED, "****", "PERMIT", "0", "ms")
        self.remote_enabled = False
        self._remote_until = None
        return (codes.REMOTE_CONTROL, codes.DISABLED, "****", "PERMIT", "0", "ms")

    def _infusion(self, now: float) -> tuple[str, ...]:
        state = self.patient.infusion(now)
        alarm = self._alarm_now(now)
        rate = state.rate_ml_h if state.running else 0.0
        mode = "SET" if state.running else codes.MODE_HOLD
        pressure = 18.0 + rate * 0.05 if state.running else 2.0
        remaining_ml = state.volume_remaining_ml
        if state.running and rate > 0:
            seconds = int(remaining_ml / rate * 3600)
            remaining = ("24+" if seconds >= 24 * 3600 else
                         f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}")
        else:
            remaining = "24+"
        self._log_entry += 1
        return (codes.INFUSION_STATUS, self.serial, "A" if alarm else "-", mode,
                f"{rate:.2f}", "ml/h", DRUG, f"{self.volume_infused(now):.3f}", "ml",
                f"{pressure:.2f}", "mmHg", remaining, "EVENT", str(self._log_entry))
