"""Pump side of the NE-1000: answers basic- and safe-mode commands as the manual describes.

Until the console takes control, the simulated pump follows the shared virtual
patient's infusion plan (started and stopped by an imagined nurse at the keypad): it
infuses at the plan's rate and its infused counter grows by exactly the plan's volume
increments. ``RUN``, ``STP``, ``RAT``, ``VOL``, ``DIR`` or ``PUR`` from the console
hand it over to the console's commands; ``CLD INF`` clears the infused counter.

Like a real pump it powers up with a reset alarm, which the reply to the first
command reports (and so acknowledges); while an alarm stands, commands are answered
with the alarm and not carried out. In safe mode it sends alarm packets on its own
and, once a ``SAF`` time-out is set, stops with a time-out alarm when the console goes
quiet for longer than that. Time runs at the scenario's speed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from drivers.ne1000.codes import RATE_TO_ML_H, VOLUME_TO_ML
from drivers.ne1000.commands import MAX_DIAMETER_MM, MIN_DIAMETER_MM, parse_command
from drivers.ne1000.framing import CommandReader, Fault, basic_reply, safe_packet
from drivers.ne1000.replies import format_alarm, format_reply
from drivers.ne1000.values import format_float
from ketaconsole.sdk import DeviceSimulator, VirtualPatient

MODEL = "1000"
FIRMWARE = "3.928"
DIAMETER_MM = 26.59
"""A 60 mL plastic syringe, large enough for the default 35 mL session."""
PURGE_RATE_ML_H = 1500.0

_HAND_OVER = frozenset({"RUN", "STP", "RAT", "VOL", "DIR", "PUR"})
_RUNNING = frozenset("IWX")


class Ne1000Simulator(DeviceSimulator):
    """A New Era NE-1000 on a serial line, with its own dispensed-volume counters."""

    tick_interval_s = 0.02

    def __init__(self, patient: VirtualPatient, settings: Mapping[str, Any], *,
                 safe_timeout_s: int = 0) -> None:
        super().__init__(patient, settings)
        self.address = int(self.settings.get("address", 0))
        self.safe = str(self.settings.get("mode", "safe")) == "safe"
        self.safe_timeout_s = safe_timeout_s
        self._reader = CommandReader()
        plan = patient.scenario
        self.diameter_mm = DIAMETER_MM
        self.rate_value, self.rate_units = format_float(plan.rate_ml_h), "MH"
        self.volume_value, self.volume_units = format_float(plan.infusion_volume_ml), "ML"
        self.direction = "INF"
        self.infused_ml = 0.0
        self.withdrawn_ml = 0.0
        self.status = "S"
        self.alarm: str | None = "R"
        self.following_plan = True
        self.commands: list[str] = []
        """Every command text received, in order (for tests)."""
        self._run_dispensed_ml = 0.0
        self._last_scenario_t: float | None = None
        self._last_plan_volume: float | None = None
        self._last_valid_at: float | None = None
        self._outbox = b""

    # -- the line --------------------------------------------------------------------------

    def feed(self, data: bytes, now: float) -> bytes:
        self._advance(now)
        out = b""
        for event in self._reader.feed(data):
            if isinstance(event, Fault):
                out += self._frame(format_reply(self.address, self._status_letter(), "?COM"))
                continue
            if self.safe and not event.safe:
                continue  # a basic command is no packet at all in safe mode
            parsed = parse_command(event.text)
            if parsed is None:
                continue
            address, command = parsed
            if address is not None and address != self.address:
                continue
            self._last_valid_at = now
            self.commands.append(event.text)
            out += self._frame(self._answer(command.name, command.args, now))
        return out

    def tick(self, now: float) -> bytes:
        self._advance(now)
        if (self.safe and self.safe_timeout_s > 0 and self._last_valid_at is not None
                and now - self._last_valid_at > self.safe_timeout_s):
            self._last_valid_at = None  # the timer restarts with the next valid packet
            self.raise_alarm("T")
        out, self._outbox = self._outbox, b""
        return out

    def raise_alarm(self, letter: str) -> None:
        """A pump alarm (``S`` stall, ``T`` time-out, ...): the pump stops at once."""
        self.alarm = letter
        self.status = "S"
        self.following_plan = False
        if self.safe:
            self._outbox += safe_packet(format_alarm(self.address, letter))

    def _frame(self, text: str) -> bytes:
        return safe_packet(text) if self.safe else basic_reply(text)

    def _status_letter(self) -> str:
        return "A" if self.alarm else self.status

    # -- pumping -----------------------------------------------------------------------------

    def _advance(self, now: float) -> None:
        t = self.patient.scenario_time(now)
        previous, self._last_scenario_t = self._last_scenario_t, t
        if previous is None or t <= previous:
            if self._last_plan_volume is None:
                self._last_plan_volume = self.patient.infusion(now).volume_infused_ml
            return
        if self.following_plan:
            self._follow_plan(now)
        elif self.status in _RUNNING and not self.alarm:
            self._pump((t - previous) / 3600.0)

    def _follow_plan(self, now: float) -> None:
        plan = self.patient.infusion(now)
        grown = plan.volume_infused_ml - (self._last_plan_volume or 0.0)
        self._last_plan_volume = plan.volume_infused_ml
        if self.alarm:
            return
        self.status = "I" if plan.running else "S"
        if grown > 0:
            self.infused_ml += grown

    def _pump(self, hours: float) -> None:
        rate = (PURGE_RATE_ML_H if self.status == "X"
                else float(self.rate_value) * RATE_TO_ML_H[self.rate_units])
        volume = rate * hours
        target = float(self.volume_value) * VOLUME_TO_ML[self.volume_units]
        if self.status != "X" and target > 0:
            volume = min(volume, target - self._run_dispensed_ml)
            if volume <= 0:
                self.status = "S"
                return
        self._run_dispensed_ml += volume
        if self.direction == "INF":
            self.infused_ml += volume
        else:
            self.withdrawn_ml += volume
        if self.status != "X" and target > 0 and self._run_dispensed_ml >= target - 1e-9:
            self.status = "S"

    # -- commands ----------------------------------------------------------------------------

    def _answer(self, name: str, args: str, now: float) -> str:
        if self.alarm:
            alarm, self.alarm = self.alarm, None  # the reply acknowledges the alarm
            if alarm != "R":
                self.following_plan = False
            return format_alarm(self.address, alarm)
        if name in _HAND_OVER and not (args == "" and name in ("RAT", "VOL", "DIR")):
            self.following_plan = False
        handler = getattr(self, f"_do_{name.lower()}", None) if name else self._do_status
        data = handler(args) if handler is not None else "?"
        return format_reply(self.address, self.status, data)

    def _do_status(self, args: str) -> str:
        return ""

    def _do_ver(self, args: str) -> str:
        return "?OOR" if args else f"NE{MODEL}V{FIRMWARE}"

    def _do_dia(self, args: str) -> str:
        if not args:
            return format_float(self.diameter_mm)
        if self.status in _RUNNING:
            return "?NA"
        value = _number(args)
        if value is None or not MIN_DIAMETER_MM <= value <= MAX_DIAMETER_MM:
            return "?OOR"
        self.diameter_mm = value
        return ""

    def _do_rat(self, args: str) -> str:
        if not args:
            return f"{self.rate_value}{self.rate_units}"
        number, units = args, self.rate_units
        if args[-2:] in RATE_TO_ML_H:
            number, units = args[:-2], args[-2:]
        value = _number(number)
        if value is None or value <= 0:
            return "?OOR"
        if units != self.rate_units and self.status in _RUNNING:
            return "?NA"  # rate units cannot change while pumping
        self.rate_value, self.rate_units = format_float(value), units
        return ""

    def _do_vol(self, args: str) -> str:
        if not args:
            return f"{self.volume_value}{self.volume_units}"
        if args in VOLUME_TO_ML:
            if self.status in _RUNNING:
                return "?NA"
            self.volume_units = args
            return ""
        value = _number(args)
        if value is None:
            return "?OOR"
        self.volume_value = format_float(value)
        return ""

    def _do_dir(self, args: str) -> str:
        if not args:
            return self.direction
        if args == "REV":
            args = "WDR" if self.direction == "INF" else "INF"
        if args not in ("INF", "WDR", "STK"):
            return "?OOR"
        if args != "STK":
            self.direction = args
            if self.status in ("I", "W"):
                self.status = "I" if args == "INF" else "W"
        return ""

    def _do_dis(self, args: str) -> str:
        if args:
            return "?OOR"
        units = self.volume_units
        if units == "UL" and max(self.infused_ml, self.withdrawn_ml) * 1000 >= 9999.5:
            units = "ML"
        factor = 1.0 / VOLUME_TO_ML[units]
        return (f"I{format_float(self.infused_ml * factor)}"
                f"W{format_float(self.withdrawn_ml * factor)}{units}")

    def _do_cld(self, args: str) -> str:
        if args == "INF":
            self.infused_ml = 0.0
        elif args == "WDR":
            self.withdrawn_ml = 0.0
        else:
            return "?OOR"
        return ""

    def _do_run(self, args: str) -> str:
        if self.status == "S":
            self._run_dispensed_ml = 0.0
        self.status = "I" if self.direction == "INF" else "W"
        return ""

    def _do_stp(self, args: str) -> str:
        self.status = "P" if self.status in _RUNNING else "S"
        return ""

    def _do_pur(self, args: str) -> str:
        self.status = "X"
        return ""

    def _do_saf(self, args: str) -> str:
        if not args:
            return str(self.safe_timeout_s)
        if not args.isdigit() or int(args) > 255:
            return "?OOR"
        self.safe_timeout_s = int(args)
        self.safe = self.safe_timeout_s > 0
        return ""


def _number(text: str) -> float | None:
    """A number the pump's float form can hold, or ``None`` (answered with ``?OOR``)."""
    try:
        value = float(text)
    except ValueError:
        return None
    return value if 0 <= value < 9999.5 else None
