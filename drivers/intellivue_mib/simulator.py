"""Monitor side of IntelliVue MIB/RS232 data export, following the shared virtual patient.

It accepts an association, sends its MDS Create Event Report, and answers extended polls
with results for the poll period: numerics once a second (HR, SpO2, pulse, perfusion,
NIBP, RR, EtCO2, temperature), the pleth wave every 256 ms at 125 Hz. NIBP is a cycle
the monitor runs itself: one measurement when the association starts, then every 10
minutes of scenario time while the infusion runs and every 15 minutes otherwise; the
last reading is reported with its own time stamp. It drops an association that hears
nothing for 10 s (sending an abort), and answers a release request. A wave result
carries at most the last second of pleth, however long nobody polled.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from drivers.intellivue_mib import codes
from drivers.intellivue_mib.alerts import AlarmEntry, alarm_list
from drivers.intellivue_mib.framing import Fault, FrameReader, encode_frame
from drivers.intellivue_mib.messages import (
    Aborted,
    AssociationRequested,
    EventReportResult,
    ObservedObject,
    PollRequest,
    ReleaseRequested,
    association_result,
    extended_poll_result,
    mds_create_event_report,
    parse,
)
from drivers.intellivue_mib.wire import (
    Attribute,
    MessageError,
    encode_absolute_time,
    encode_float,
    u16,
    u32,
    variable_label,
)
from ketaconsole.sdk import DeviceSimulator, PlethGenerator, VirtualPatient

CONNECTION_TIMEOUT_S = 10.0
NUMERIC_EVERY_S = 1.0
WAVE_EVERY_S = 0.256
PLETH_RATE_HZ = 125.0
WAVE_BACKLOG_SAMPLES = 4 * round(PLETH_RATE_HZ * WAVE_EVERY_S)
"""The wave samples a result carries at most: a monitor buffers a few poll periods, so
a console that polls again after minutes of silence gets the latest second, not a
backlog that would overflow a frame."""
PLETH_FULL_SCALE = 1.5
PLETH_SCALED_MAX = 4095
NIBP_EVERY_DURING_INFUSION_S = 10 * 60.0
NIBP_EVERY_OTHERWISE_S = 15 * 60.0
MODEL = (b"Philips", b"MP50 (simulated)")
SYSTEM_ID = bytes.fromhex("0009fb0a1b2c")

HANDLES = {"hr": 1, "spo2": 2, "pulse": 3, "pi": 4, "nibp": 5, "rr": 6, "etco2": 7,
           "temp": 8, "pleth": 20, "alerts": 30}
SPO2_LOW_LIMIT = 90


@dataclass(slots=True)
class ActivePoll:
    """An extended poll the monitor is answering: until when, how often, in which order."""

    invoke_id: int
    poll_number: int
    object_code: int
    until: float
    every: float
    next_due: float
    sequence: int = 1


@dataclass(frozen=True, slots=True)
class NibpReading:
    """One finished NIBP measurement."""

    systolic: float
    diastolic: float
    mean: float
    taken_at: datetime


def _numeric(physio: int, value: float | None, unit: int, decimals: int,
             state: int = 0) -> bytes:
    """One NuObsValue: physiological id, state, unit, FLOAT."""
    return u16(physio) + u16(state) + u16(unit) + u32(encode_float(value, decimals))


class IntelliVueSimulator(DeviceSimulator):
    """An IntelliVue MP50 answering data-export polls on its MIB/RS232 port."""

    tick_interval_s = 0.02

    def __init__(self, patient: VirtualPatient, settings: Mapping[str, Any]) -> None:
        super().__init__(patient, settings)
        self.co2_in_kpa = str(self.settings.get("co2_unit", "mmHg")) == "kPa"
        self.frames = FrameReader()
        self.associated = False
        self.associations = 0
        self.releases = 0
        self.aborts_sent = 0
        self._boot: float | None = None
        self._last_heard = 0.0
        self._invoke_id = 0
        self._polls: dict[int, ActivePoll] = {}
        self._pleth = PlethGenerator(patient, PLETH_RATE_HZ)
        self.nibp: NibpReading | None = None
        self._next_nibp_s = 0.0

    # -- what the console sends ----------------------------------------------------------

    def feed(self, data: bytes, now: float) -> bytes:
        self._boot = now if self._boot is None else self._boot
        reply = b""
        for item in self.frames.feed(data):
            if isinstance(item, Fault):
                continue  # a monitor ignores a broken frame
            try:
                message = parse(item)
            except MessageError:
                continue
            self._last_heard = now
            if isinstance(message, AssociationRequested):
                reply += self._associate(now)
            elif isinstance(message, ReleaseRequested):
                self._drop()
                self.releases += 1
                reply += encode_frame(codes.RELEASE_RESULT)
            elif isinstance(message, Aborted):
                self._drop()
            elif isinstance(message, PollRequest) and self.associated:
                reply += self._start_poll(message, now)
            elif isinstance(message, EventReportResult):
                pass  # the console confirmed the MDS create event
        return reply

    def _associate(self, now: float) -> bytes:
        if self.associated:
            return encode_frame(codes.REFUSE)
        self.associated = True
        self.associations += 1
        self._polls.clear()
        self._measure_nibp(now)
        self._invoke_id += 1
        attributes = [
            Attribute(codes.NOM_ATTR_ID_MODEL, variable_label(MODEL[0]) + variable_label(MODEL[1])),
            Attribute(codes.NOM_ATTR_SYS_ID, variable_label(SYSTEM_ID)),
            Attribute(codes.NOM_ATTR_TIME_ABS, encode_absolute_time(datetime.fromtimestamp(now))),
            Attribute(codes.NOM_ATTR_TIME_REL, u32(self._relative_time(now))),
        ]
        return (encode_frame(association_result())
                + encode_frame(mds_create_event_report(
                    self._invoke_id, self._relative_time(now), attributes)))

    def _drop(self) -> None:
        self.associated = False
        self._polls.clear()

    def _start_poll(self, request: PollRequest, now: float) -> bytes:
        if request.object_code in (codes.NOM_MOC_VMO_METRIC_NU, codes.NOM_MOC_VMO_AL_MON):
            every = NUMERIC_EVERY_S
        elif request.object_code == codes.NOM_MOC_VMO_METRIC_SA_RT:
            every = WAVE_EVERY_S
        else:
            return b""
        period = (request.period or 0) / codes.RELATIVE_TIME_PER_S
        poll = ActivePoll(request.invoke_id, request.poll_number, request.object_code,
                          now + period, every, now + every)
        self._polls[request.object_code] = poll
        return self._result(poll, now, sequence=0)

    # -- what the monitor sends on its own ----------------------------------------------

    def tick(self, now: float) -> bytes:
        self._boot = now if self._boot is None else self._boot
        if not self.associated:
            return b""
        if now - self._last_heard > CONNECTION_TIMEOUT_S:
            self._drop()
            self.aborts_sent += 1
            return encode_frame(codes.ABORT)
        if self.patient.scenario_time(now) >= self._next_nibp_s:
            self._measure_nibp(now)
        sent = b""
        for code, poll in list(self._polls.items()):
            if now > poll.until:
                del self._polls[code]
            elif now >= poll.next_due:
                poll.next_due = max(poll.next_due + poll.every, now)
                sent += self._result(poll, now, sequence=poll.sequence)
                poll.sequence = (poll.sequence + 1) & 0xFFFF
        return sent

    def _relative_time(self, now: float) -> int:
        return int((now - (self._boot or now)) * codes.RELATIVE_TIME_PER_S) & 0xFFFFFFFF

    def _result(self, poll: ActivePoll, now: float, *, sequence: int) -> bytes:
        if poll.object_code == codes.NOM_MOC_VMO_METRIC_NU:
            objects = self._numerics(now)
        elif poll.object_code == codes.NOM_MOC_VMO_AL_MON:
            objects = self._alerts(now)
        else:
            objects = self._waves(now)
        return encode_frame(extended_poll_result(
            poll.invoke_id, poll.poll_number, sequence, self._relative_time(now),
            datetime.fromtimestamp(now), poll.object_code, objects))

    def _measure_nibp(self, now: float) -> None:
        vitals = self.patient.vitals(now)
        self.nibp = NibpReading(round(vitals.sbp), round(vitals.dbp), round(vitals.mean),
                                datetime.fromtimestamp(now))
        every = (NIBP_EVERY_DURING_INFUSION_S if self.patient.infusion(now).running
                 else NIBP_EVERY_OTHERWISE_S)
        self._next_nibp_s = self.patient.scenario_time(now) + every

    def _numerics(self, now: float) -> list[ObservedObject]:
        v = self.patient.vitals(now)
        off = codes.INVALID if v.sensor_off else 0
        spo2 = None if v.sensor_off else round(v.spo2)
        pulse = None if v.sensor_off else round(v.hr)
        perfusion = None if v.sensor_off else v.pi
        if self.co2_in_kpa:
            co2 = _numeric(codes.NOM_AWAY_CO2_ET, v.etco2 / codes.MMHG_PER_KPA,
                           codes.NOM_DIM_KILO_PASCAL, 1)
        else:
            co2 = _numeric(codes.NOM_AWAY_CO2_ET, round(v.etco2), codes.NOM_DIM_MMHG, 0)

        def single(name: str, value: bytes) -> ObservedObject:
            return ObservedObject(HANDLES[name], [Attribute(codes.NOM_ATTR_NU_VAL_OBS, value)])

        objects = [
            single("hr", _numeric(codes.NOM_ECG_CARD_BEAT_RATE, round(v.hr),
                                  codes.NOM_DIM_BEAT_PER_MIN, 0)),
            single("spo2", _numeric(codes.NOM_PULS_OXIM_SAT_O2,
                                    spo2, codes.NOM_DIM_PERCENT,
                                    0, off)),
            single("pulse", _numeric(codes.NOM_PLETH_PULS_RATE, pulse,
                                     codes.NOM_DIM_BEAT_PER_MIN, 0, off)),
            single("pi", _numeric(codes.NOM_PULS_OXIM_PERF_REL, perfusion,
                                  codes.NOM_DIM_DIMLESS, 2, off)),
            single("rr", _numeric(codes.NOM_RESP_RATE, round(v.rr), codes.NOM_DIM_RESP_PER_MIN,
                                  0)),
            single("etco2", co2),
            single("temp", _numeric(codes.NOM_TEMP, v.temp, codes.NOM_DIM_DEGC, 1)),
        ]
        if self.nibp is not None:
            parts = b"".join(_numeric(physio, value, codes.NOM_DIM_MMHG, 0) for physio, value in (
                (codes.NOM_PRESS_BLD_NONINV_SYS, self.nibp.systolic),
                (codes.NOM_PRESS_BLD_NONINV_DIA, self.nibp.diastolic),
                (codes.NOM_PRESS_BLD_NONINV_MEAN, self.nibp.mean)))
            objects.append(ObservedObject(HANDLES["nibp"], [
                Attribute(codes.NOM_ATTR_NU_CMPD_VAL_OBS, u16(3) + u16(len(parts)) + parts),
                Attribute(codes.NOM_ATTR_TIME_STAMP_ABS,
                          encode_absolute_time(self.nibp.taken_at)),
            ]))
        return objects

    def _alerts(self, now: float) -> list[ObservedObject]:
        """The Alert Monitor: SpO2 below its limit, or the SpO2 sensor off (an INOP)."""
        v = self.patient.vitals(now)
        patient: list[AlarmEntry] = []
        technical: list[AlarmEntry] = []
        if v.sensor_off:
            technical.append(AlarmEntry(codes.NOM_PULS_OXIM_SAT_O2,
                                        codes.NOM_EVT_SENSOR_DISCONN, codes.MED_PRI_T_AL, 0,
                                        "SpO\u2082 SENSOR OFF"))
        elif round(v.spo2) < SPO2_LOW_LIMIT:
            patient.append(AlarmEntry(codes.NOM_PULS_OXIM_SAT_O2, codes.NOM_EVT_LO,
                                      codes.MED_PRI_P_AL, 0,
                                      f"**SpO\u2082 {round(v.spo2)} < {SPO2_LOW_LIMIT}"))
        return [ObservedObject(HANDLES["alerts"], [
            Attribute(codes.NOM_ATTR_AL_MON_P_AL_LIST, alarm_list(patient)),
            Attribute(codes.NOM_ATTR_AL_MON_T_AL_LIST, alarm_list(technical)),
        ])]

    def _waves(self, now: float) -> list[ObservedObject]:
        samples = self._pleth.samples_until(now, most=WAVE_BACKLOG_SAMPLES)
        off = self.patient.vitals(now).sensor_off
        scaled = [0 if off else max(0, min(PLETH_SCALED_MAX,
                                           round(s / PLETH_FULL_SCALE * PLETH_SCALED_MAX)))
                  for s in samples]
        array = b"".join(u16(s) for s in scaled)
        sample_period = round(codes.RELATIVE_TIME_PER_S / PLETH_RATE_HZ)
        scale = (u32(encode_float(0.0, 0)) + u32(encode_float(PLETH_FULL_SCALE, 1))
                 + u16(0) + u16(PLETH_SCALED_MAX))
        return [ObservedObject(HANDLES["pleth"], [
            Attribute(codes.NOM_ATTR_SA_SPECN, u16(len(scaled)) + bytes((16, 12)) + u16(0)),
            Attribute(codes.NOM_ATTR_TIME_PD_SAMP, u32(sample_period)),
            Attribute(codes.NOM_ATTR_SCALE_SPECN_I16, scale),
            Attribute(codes.NOM_ATTR_SA_VAL_OBS,
                      u16(codes.NOM_PLETH) + u16(codes.INVALID if off else 0)
                      + u16(len(array)) + array),
        ])]
