"""Technical alarm conditions: the equipment, not the patient, needs attention.

Judged per device from what its link and driver report, reading the room's live state
from the engine (when each device last sent data, each pump's ledger and which of a
station's channels infuses) rather than keeping copies: disconnected (link state), no
valid data for N seconds while connected (data a device reports under a sub-id,
``station/1-1``, is data from the station's link too), too many checksum / framing
errors a minute, the device's own alarms (sensor off, no sensor, ... and its own patient
alarms), the device clock far from the console's, a pump that disagrees with the dose
plan (high priority when its drug rate is beyond the clinic's multiple of the plan's or
it has delivered beyond the clinic's share of the planned dose), a pump whose programme
disagrees with the plan (:mod:`ketaconsole.alarms.pump_programme`) and a pump infusing
in a session with no confirmed plan (high priority once that has lasted a minute). The
store reports an unwritable database through
:meth:`TechnicalMonitor.report_store_fault`, the tone player one that cannot sound
through :meth:`TechnicalMonitor.report_audio_fault`. Technical alarms never latch.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ketaconsole.alarms.conditions import Condition, Judgement
from ketaconsole.alarms.limits import TechnicalSettings
from ketaconsole.alarms.priority import Category, Priority
from ketaconsole.alarms.pump_programme import check_programme
from ketaconsole.catalogue import PUMP_RATE
from ketaconsole.dose import DosePlan, InfusionClock, reconcile
from ketaconsole.live.engine import Engine
from ketaconsole.observations import (
    AlarmSource,
    DeviceAlarm,
    Identity,
    LinkState,
    LinkStatus,
    Numeric,
    Observation,
    ProtocolError,
    PumpStatus,
    WaveChunk,
    reported_over,
)

STORE_FAULT = "store-fault"
AUDIO_FAULT = "audio-fault"
BP_OVERDUE = "bp-overdue"
SPO2_UNMONITORED = "spo2-unmonitored"
_CONSOLE_FAULTS = {STORE_FAULT: ("Record not being saved",
                                 "The session record cannot be written: {}"),
                   AUDIO_FAULT: ("Alarm sound not working",
                                 "Alarm tones cannot be played: {}; watch the screen and "
                                 "check the speaker."),
                   BP_OVERDUE: ("Blood pressure check overdue", "{}"),
                   SPO2_UNMONITORED: ("SpO2 not monitored", "{}")}
_PATIENT_CARE = {BP_OVERDUE}
"""Console conditions about the patient's care (a check overdue), not the equipment."""
ERROR_WINDOW_S = 60.0
PUMP_STATUS_FRESH_S = 15.0

Judged = tuple[Judgement, Condition | None]


@dataclass(slots=True)
class _Device:
    link: LinkStatus | None = None
    lost: bool = False
    ever_connected: bool = False
    lost_detail: str = ""
    quiet_reported: bool = False
    errors: deque[float] = field(default_factory=deque)
    alarms: dict[str, DeviceAlarm] = field(default_factory=dict)
    skew_s: float | None = None
    mismatch_since: float | None = None
    unplanned_since: float | None = None


@dataclass(slots=True)
class DoseWatch:
    """The plan the pump is checked against, and which pump (``None``: every pump)."""

    plan: DosePlan
    infusion: InfusionClock
    pump_id: str | None = None
    channel: Callable[[], str | None] | None = None
    """Which of the pump's channels the infusion follows (for a station, its slot); by
    default the engine's choice of the channel that infuses."""


def _device_priority(text: str | None) -> Priority | None:
    """The device's own priority word as ours (``None`` when absent or unknown)."""
    try:
        return None if text is None else Priority(text)
    except ValueError:
        return None


def _device_of(alarm_id: str) -> str | None:
    kind, _, rest = alarm_id.partition(":")
    if not rest:
        return None
    return rest.split(":", 1)[0] if kind == "device" else rest


def _named(device_id: str, sentence: str) -> str:
    """``sentence`` about the device ``device_id``, naming it once: "The pump disagrees..."
    for the room's pump, "pump-2: The pump disagrees..." where the room has another."""
    if sentence.lower().startswith(f"the {device_id.lower()} "):
        return sentence
    return f"{device_id}: {sentence}"


class TechnicalMonitor:
    """Judges technical alarm conditions from the observations of every device."""

    def __init__(self, settings: TechnicalSettings, live: Engine) -> None:
        self.settings = settings
        self.live = live
        """The room's live state: when each device last sent data, each pump's ledger."""
        self._devices: dict[str, _Device] = {}
        self._faults: dict[str, tuple[str, float]] = {}
        self._forgotten: set[str] = set()
        self.dose: DoseWatch | None = None
        self.plan_expected = False
        """A session is open (a pump infusing before its plan is confirmed is an alarm that
        says so); with none open, a pump infusing is an alarm as well: no patient is
        checked in, so nothing records what it gives."""

    def _device(self, device_id: str) -> _Device:
        return self._devices.setdefault(device_id, _Device())

    def forget_device(self, device_id: str) -> None:
        """A device taken out of the room on purpose: its technical alarms end."""
        self._devices.pop(device_id, None)
        self._forgotten.add(device_id)

    def report_store_fault(self, message: str, now: float) -> None:
        self._faults.setdefault(STORE_FAULT, (message, now))

    def clear_store_fault(self) -> None:
        self._faults.pop(STORE_FAULT, None)

    def report_audio_fault(self, message: str, now: float) -> None:
        self._faults.setdefault(AUDIO_FAULT, (message, now))

    def clear_audio_fault(self) -> None:
        self._faults.pop(AUDIO_FAULT, None)

    def report_bp_overdue(self, message: str, now: float) -> None:
        self._faults.setdefault(BP_OVERDUE, (message, now))

    def clear_bp_overdue(self) -> None:
        self._faults.pop(BP_OVERDUE, None)

    def report_spo2_unmonitored(self, message: str, now: float) -> None:
        self._faults.setdefault(SPO2_UNMONITORED, (message, now))

    def clear_spo2_unmonitored(self) -> None:
        self._faults.pop(SPO2_UNMONITORED, None)

    # -- observations -----------------------------------------------------------------

    def observe(self, obs: Observation) -> None:
        self._forgotten.discard(obs.device_id)
        device = self._device(obs.device_id)
        if isinstance(obs, LinkState):
            self._observe_link(device, obs)
            return
        if isinstance(obs, ProtocolError):
            device.errors.append(obs.received_at)
            return
        if isinstance(obs, DeviceAlarm):
            if obs.active:
                device.alarms[obs.code] = obs
            else:
                device.alarms.pop(obs.code, None)
        if isinstance(obs, Numeric | WaveChunk | PumpStatus | Identity):
            for link in reported_over(obs.device_id):
                if link in self._devices:
                    self._devices[link].quiet_reported = False
        moment = getattr(obs, "device_time", None)
        if moment is not None:
            device.skew_s = moment.timestamp() - obs.received_at

    def _observe_link(self, device: _Device, state: LinkState) -> None:
        device.link = state.status
        if state.status is LinkStatus.DISCONNECTED:
            device.lost = True
            device.lost_detail = state.detail
            device.alarms.clear()  # a new connection reports the device's alarms afresh
        elif state.status is LinkStatus.CONNECTED:
            device.lost = False
            device.ever_connected = True
            device.quiet_reported = False
        elif state.status is LinkStatus.NO_DATA:
            device.quiet_reported = True

    def start_pump_ledgers(self) -> None:
        """A new session: the pumps are checked on what they report from now on."""
        for device in self._devices.values():
            device.mismatch_since = None

    # -- judging ----------------------------------------------------------------------

    def _condition(self, alarm_id: str, kind: str, label: str, message: str,
                   values: dict[str, Any], category: Category = Category.TECHNICAL,
                   priority: Priority | None = None) -> Judged:
        return Judgement.PRESENT, Condition(alarm_id, label, category,
                                            priority or self.settings.priority(kind),
                                            message, values)

    def evaluate(self, now: float) -> dict[str, Judged]:
        """Every technical condition this monitor can judge at ``now``."""
        judged: dict[str, Judged] = {}
        clear: Judged = (Judgement.CLEAR, None)
        for device_id, device in self._devices.items():
            judged[f"disconnected:{device_id}"] = self._judge_lost(device_id, device)
            judged[f"no-data:{device_id}"] = self._judge_quiet(device_id, device, now)
            judged[f"error-rate:{device_id}"] = self._judge_errors(device_id, device, now)
            judged[f"clock-skew:{device_id}"] = self._judge_skew(device_id, device)
            judged[f"pump-mismatch:{device_id}"] = self._judge_pump(device_id, device, now)
            judged[f"pump-programme:{device_id}"] = self._judge_programme(device_id, now)
            judged[f"pump-unplanned:{device_id}"] = self._judge_unplanned(device_id, device,
                                                                          now)
            for code, alarm in device.alarms.items():
                judged[f"device:{device_id}:{code}"] = self._judge_device_alarm(
                    device_id, alarm)
        for kind, (label, text) in _CONSOLE_FAULTS.items():
            if kind not in self._faults:
                judged[kind] = clear
                continue
            message, since = self._faults[kind]
            judged[kind] = self._condition(
                kind, kind, label, text.format(message), {"message": message, "since": since},
                Category.PHYSIOLOGICAL if kind in _PATIENT_CARE else Category.TECHNICAL)
        return judged

    def judge_missing(self, alarm_id: str) -> Judgement:
        """For an alarm :meth:`evaluate` did not list: clear once its device has reported.

        (A device alarm the device has cleared, or one dropped on disconnection, is not
        listed; neither is anything of a device taken out of the room.)
        """
        device_id = _device_of(alarm_id)
        if alarm_id in _CONSOLE_FAULTS or device_id in self._forgotten:
            return Judgement.CLEAR
        if device_id is None or device_id not in self._devices:
            return Judgement.UNKNOWN
        return Judgement.CLEAR

    def _judge_lost(self, device_id: str, device: _Device) -> Judged:
        if device.link is None:
            heard = self.live.last_data_at(device_id) is not None
            return (Judgement.CLEAR if heard else Judgement.UNKNOWN), None
        if not device.lost:
            never = device.link is LinkStatus.CONNECTING and not device.ever_connected
            return (Judgement.UNKNOWN if never else Judgement.CLEAR), None
        return self._condition(
            f"disconnected:{device_id}", "disconnected", f"{device_id} disconnected",
            f"{device_id} is disconnected ({device.lost_detail}); check the cable and "
            "the device.", {"device_id": device_id, "detail": device.lost_detail})

    def _judge_quiet(self, device_id: str, device: _Device, now: float) -> Judged:
        if device.lost:
            return Judgement.CLEAR, None  # the disconnection alarm says it already
        limit = self.settings.no_data_s
        last_data_at = self.live.last_data_at(device_id)
        overdue = (last_data_at is not None and device.link in (
            None, LinkStatus.CONNECTED, LinkStatus.NO_DATA)
            and now - last_data_at > limit)
        if not (device.quiet_reported or overdue):
            return Judgement.CLEAR, None
        age = None if last_data_at is None else now - last_data_at
        shown = "ever" if age is None else f"{age:.0f} s"
        return self._condition(
            f"no-data:{device_id}", "no-data", f"No data from {device_id}",
            f"{device_id} has sent no valid data for {shown}; its values are not live.",
            {"device_id": device_id, "last_data_at": last_data_at,
             "no_data_s": limit})

    def _judge_errors(self, device_id: str, device: _Device, now: float) -> Judged:
        while device.errors and device.errors[0] < now - ERROR_WINDOW_S:
            device.errors.popleft()
        count = len(device.errors)
        if count <= self.settings.max_errors_per_min:
            return Judgement.CLEAR, None
        return self._condition(
            f"error-rate:{device_id}", "error-rate", f"Line errors from {device_id}",
            f"{device_id}: {count} checksum or framing errors in the last minute; check "
            "the cable and the line settings.",
            {"device_id": device_id, "errors_per_min": count,
             "max_errors_per_min": self.settings.max_errors_per_min})

    def _judge_skew(self, device_id: str, device: _Device) -> Judged:
        if device.skew_s is None or abs(device.skew_s) <= self.settings.clock_skew_s:
            return Judgement.CLEAR, None
        return self._condition(
            f"clock-skew:{device_id}", "clock-skew", f"{device_id} clock wrong",
            f"{device_id}'s clock is {abs(device.skew_s):.0f} s "
            f"{'ahead of' if device.skew_s > 0 else 'behind'} the console's; set the "
            "device's clock.", {"device_id": device_id, "skew_s": device.skew_s,
                                "clock_skew_s": self.settings.clock_skew_s})

    def _judge_device_alarm(self, device_id: str, alarm: DeviceAlarm) -> Judged:
        """A device's own alarm, at the device's own priority when it says one (a
        monitor's medium-priority SpO2 alarm is not shown as low), else at ours."""
        physiological = alarm.source is AlarmSource.PHYSIOLOGICAL
        kind = "device-alarm" if physiological else "sensor"
        values: dict[str, Any] = {"device_id": device_id, "code": alarm.code,
                                  "source": alarm.source.value,
                                  "received_at": alarm.received_at}
        own = _device_priority(alarm.priority)
        if own is not None:
            values["device_priority"] = own.value
        return Judgement.PRESENT, Condition(
            f"device:{device_id}:{alarm.code}", f"{device_id}: {alarm.text}",
            Category.PHYSIOLOGICAL if physiological else Category.TECHNICAL,
            own or self.settings.priority(kind), f"{device_id} reports: {alarm.text}", values)

    def _watched(self, watch: DoseWatch, device_id: str) -> bool:
        """Whether ``device_id`` is the pump channel checked against the plan: the plan's
        pump itself, or for a station (``pump/1-1``, ``pump/1-2``, ...) the slot the
        infusion follows, as the session model reads it."""
        if watch.pump_id is None or device_id == watch.pump_id:
            return True
        channel = (watch.channel() if watch.channel is not None
                   else self.live.pump_channel(watch.pump_id))
        return channel == device_id

    def _live_status(self, device_id: str, now: float) -> PumpStatus | None:
        """The pump's newest report while it is live, else ``None``."""
        status = self.live.pump_status(device_id)
        if status is None or now - status.received_at > PUMP_STATUS_FRESH_S:
            return None
        return status

    def _judge_pump(self, device_id: str, device: _Device, now: float) -> Judged:
        watch = self.dose
        if watch is None or not self._watched(watch, device_id):
            device.mismatch_since = None
            return Judgement.CLEAR, None
        ledger = self.live.pump(device_id)
        if ledger is None or self.live.pump_status(device_id) is None:
            # nothing from the pump this session yet (a resumed room): an alarm restored
            # from the record stays until the pump's own telemetry shows it clear
            return Judgement.UNKNOWN, None
        status = self._live_status(device_id, now)
        if status is None:
            device.mismatch_since = None
            return Judgement.UNKNOWN, None  # no live telemetry: the no-data alarm speaks
        rate = ledger.rate_ml_h
        dose = reconcile(watch.plan, ledger.delivered_ml, rate, infusion=watch.infusion,
                         now=now, pump_infusing=ledger.infusing,
                         tolerance=self.settings.pump_tolerance,
                         pump_concentration_mg_ml=status.concentration_mg_ml)
        mismatch = dose.rate_mismatch or (ledger.counted and dose.delivered_mismatch)
        if not mismatch:
            device.mismatch_since = None
            return Judgement.CLEAR, None
        if device.mismatch_since is None:
            device.mismatch_since = now
        if now - device.mismatch_since < self.settings.pump_mismatch_sustain_s:
            return Judgement.UNKNOWN, None  # not long enough to raise it, nor to end one
        too_fast = dose.rate_factor is not None and \
            dose.rate_factor > self.settings.pump_escalate_rate
        too_much = ledger.counted and \
            dose.fraction_of_plan > self.settings.pump_escalate_delivered
        return self._condition(
            f"pump-mismatch:{device_id}", "pump-mismatch", "Pump disagrees with dose plan",
            _named(device_id, dose.describe(watch.plan, rate)) + " Check the pump against "
            "the order.", {"device_id": device_id, "pump_rate_ml_h": rate,
                           "planned_rate_ml_h": watch.plan.rate_ml_h, **dose.as_record()},
            priority=Priority.HIGH if too_fast or too_much else None)

    def _judge_programme(self, device_id: str, now: float) -> Judged:
        watch = self.dose
        if watch is None or not self._watched(watch, device_id):
            return Judgement.CLEAR, None
        status = self._live_status(device_id, now)
        if status is None:
            known = self.live.pump_status(device_id) is not None
            return (Judgement.UNKNOWN if known else Judgement.CLEAR), None
        check = check_programme(watch.plan, status, self.settings.pump_tolerance)
        if check.agrees:
            return Judgement.CLEAR, None
        return self._condition(
            f"pump-programme:{device_id}", "pump-programme",
            "Pump programme disagrees with dose plan",
            _named(device_id, f"{check.describe()}.") + " Check the syringe and the pump's "
            "programme against the order before the infusion goes on.",
            {"device_id": device_id, "drug": status.drug,
             "pump_concentration_mg_ml": status.concentration_mg_ml,
             "planned_concentration_mg_ml": watch.plan.concentration_mg_ml,
             "vtbi_ml": status.vtbi_ml, "planned_volume_ml": watch.plan.volume_ml},
            priority=Priority.HIGH if check.serious else None)

    def _judge_unplanned(self, device_id: str, device: _Device, now: float) -> Judged:
        ledger = self.live.pump(device_id)
        if self.dose is not None or ledger is None:
            device.unplanned_since = None
            return Judgement.CLEAR, None
        status = self._live_status(device_id, now)
        if status is None:
            return Judgement.UNKNOWN, None  # no live telemetry: the no-data alarm speaks
        rate = ledger.rate_ml_h
        if not ledger.infusing:
            device.unplanned_since = None
            return Judgement.CLEAR, None
        if device.unplanned_since is None:
            device.unplanned_since = now
        lasted = now - device.unplanned_since
        shown = "" if rate is None else f" at {PUMP_RATE.with_unit(rate)}"
        why = ("no dose plan is confirmed for this session; stop the pump, or confirm the "
               "plan." if self.plan_expected else "no patient is checked in, so nothing "
               "records this infusion; stop the pump, or check the patient in and confirm "
               "the plan.")
        return self._condition(
            f"pump-unplanned:{device_id}", "pump-unplanned", "Pump infusing without a plan",
            f"{device_id} is infusing{shown} but {why}",
            {"device_id": device_id, "pump_rate_ml_h": rate, "since": device.unplanned_since},
            priority=Priority.HIGH if lasted >= self.settings.pump_unplanned_escalate_s
            else None)
