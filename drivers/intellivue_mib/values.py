"""Turns polled IntelliVue objects into the console's observations, in the catalogue's units.

The monitor's alarm lists are read by ``alerts.AlertTracker``. A numeric (NuObsValue) is
physiological id, measurement state, unit code and FLOAT-Type;
NIBP comes as a compound of systolic, diastolic and mean. A wave (SaObsValue) is
physiological id, state and a sample array, read with the object's sample-array
specification (bits per sample), sample period and scale range. A value is "no value"
when its FLOAT is special (NaN, NRes, infinities) or its state says invalid,
questionable, unavailable, calibrating, test or demo data. Units are converted here,
once. NIBP readings are reported once per measurement (by their own time stamp), not on
every poll.
"""

from __future__ import annotations

import struct
from array import array
from dataclasses import dataclass
from datetime import datetime, timedelta

from drivers.intellivue_mib import codes
from drivers.intellivue_mib.alerts import AlertTracker
from drivers.intellivue_mib.messages import ObservedObject, PollResult
from drivers.intellivue_mib.wire import (
    Attribute,
    MessageError,
    Reader,
    decode_absolute_time,
    decode_float,
    read_variable_label,
)
from ketaconsole.sdk import (
    ErrorKind,
    Identity,
    Numeric,
    Observation,
    ProtocolError,
    WaveChunk,
    metric,
    plausible_or_none,
)

_NU_OBS = struct.Struct(">HHHI")  # NuObsValue: physio id, state, unit, FLOAT
_SA_OBS = struct.Struct(">HHH")  # SaObsValue: physio id, state, array length
_SA_SPEC = struct.Struct(">HBBH")  # SaSpec: array size, sample bits, significant bits, flags
_SCALE = struct.Struct(">IIHH")  # ScaleRangeSpec16: absolute low, high; scaled low, high
_U16_PAIR = struct.Struct(">HH")
_U32 = struct.Struct(">I")
_WAVE_SPECS = frozenset(
    {codes.NOM_ATTR_SA_SPECN, codes.NOM_ATTR_TIME_PD_SAMP, codes.NOM_ATTR_SCALE_SPECN_I16})


def _fields(layout: struct.Struct, value: bytes) -> tuple[int, ...]:
    if len(value) < layout.size:
        raise MessageError(f"an attribute of {len(value)} bytes where {layout.size} are needed")
    return layout.unpack_from(value)
_BIG_ENDIAN_HOST = array("H", b"\x00\x01")[0] == 1


@dataclass(slots=True)
class WaveSpec:
    """How one wave object's samples are packed and scaled (kept across polls)."""

    sample_bits: int = 16
    significant_bits: int = 16
    period: int = codes.PLETH_SAMPLE_PERIOD
    scale: tuple[float, float, int, int] | None = None


def no_value_reason(state: int) -> str | None:
    """Why a measurement state makes a reading no value, or ``None`` if it is a value."""
    for bit, reason in codes.NO_VALUE_STATES.items():
        if state & bit:
            return reason
    return None


class PollDecoder:
    """Decodes poll results and the MDS create event for one device."""

    def __init__(self, device_id: str) -> None:
        self.device_id = device_id
        self._waves: dict[int, WaveSpec] = {}
        self._nibp_stamps: dict[int, datetime] = {}
        self._clock: tuple[int, datetime] | None = None
        self.alerts = AlertTracker(device_id)

    # -- the MDS create event ------------------------------------------------------------

    def identity(self, attributes: list[Attribute], now: float) -> list[Observation]:
        """The monitor's identity from its MDS attributes; also sets the time baseline."""
        manufacturer = model = serial = ""
        abs_time: datetime | None = None
        rel_time: int | None = None
        try:
            for attribute in attributes:
                reader = Reader(attribute.value)
                if attribute.attribute_id == codes.NOM_ATTR_ID_MODEL:
                    manufacturer = read_variable_label(reader)
                    model = read_variable_label(reader)
                elif attribute.attribute_id == codes.NOM_ATTR_SYS_ID:
                    serial = reader.take(reader.u16()).hex(":")
                elif attribute.attribute_id == codes.NOM_ATTR_TIME_ABS:
                    abs_time = decode_absolute_time(reader.take(8))
                elif attribute.attribute_id == codes.NOM_ATTR_TIME_REL:
                    rel_time = reader.u32()
        except MessageError as exc:
            return [ProtocolError(self.device_id, ErrorKind.FORMAT, f"MDS attributes: {exc}", now)]
        if abs_time is not None and rel_time is not None:
            self._clock = (rel_time, abs_time)
        name = " ".join(part for part in (manufacturer, model) if part) or "IntelliVue"
        return [Identity(self.device_id, now, model=name, serial=serial or None,
                         details={"interface": "MIB/RS232 data export"})]

    def device_time(self, rel_time: int, abs_time: datetime | None) -> datetime | None:
        """The reply's absolute time, or one worked out from its relative time."""
        if abs_time is not None:
            return abs_time
        if self._clock is None:
            return None
        base_rel, base_abs = self._clock
        ticks = (rel_time - base_rel) & 0xFFFFFFFF
        return base_abs + timedelta(seconds=ticks / codes.RELATIVE_TIME_PER_S)

    # -- poll results --------------------------------------------------------------------

    def decode(self, result: PollResult, now: float) -> list[Observation]:
        when = self.device_time(result.rel_time, result.abs_time)
        found: list[Observation] = []
        for obj in result.objects:
            try:
                found.extend(self._object(obj, when, now))
            except MessageError as exc:
                found.append(ProtocolError(
                    self.device_id, "format", f"object {obj.handle}: {exc}", now))
        return found

    def _object(self, obj: ObservedObject, when: datetime | None,
                now: float) -> list[Observation]:
        attributes = dict(obj.attributes)
        if not attributes:
            return []
        raw_stamp = attributes.get(codes.NOM_ATTR_TIME_STAMP_ABS)
        stamped = None if raw_stamp is None else decode_absolute_time(raw_stamp)
        moment = stamped or when
        found: list[Observation] = []
        value = attributes.get(codes.NOM_ATTR_NU_VAL_OBS)
        if value is not None:
            found.extend(self._numeric(_fields(_NU_OBS, value), moment, stamped, now))
        value = attributes.get(codes.NOM_ATTR_NU_CMPD_VAL_OBS)
        if value is not None:
            count, length = _fields(_U16_PAIR, value)
            if length != len(value) - 4 or length != count * _NU_OBS.size:
                raise MessageError(f"a compound of {count} values cannot be {length} bytes")
            for index in range(count):
                fields = _NU_OBS.unpack_from(value, 4 + index * _NU_OBS.size)
                found.extend(self._numeric(fields, moment, stamped, now))
        if _WAVE_SPECS.intersection(attributes):
            self._wave_spec(obj.handle, attributes)
        value = attributes.get(codes.NOM_ATTR_SA_VAL_OBS)
        if value is not None:
            found.extend(self._wave(value, self._waves.get(obj.handle, WaveSpec()), moment, now))
        found.extend(self.alerts.update(attributes, moment, now))
        return found

    def _wave_spec(self, handle: int, attributes: dict[int, bytes]) -> None:
        spec = self._waves.setdefault(handle, WaveSpec())
        value = attributes.get(codes.NOM_ATTR_SA_SPECN)
        if value is not None:
            _size, spec.sample_bits, spec.significant_bits, _flags = _fields(_SA_SPEC, value)
        value = attributes.get(codes.NOM_ATTR_TIME_PD_SAMP)
        if value is not None:
            spec.period = _fields(_U32, value)[0] or codes.PLETH_SAMPLE_PERIOD
        value = attributes.get(codes.NOM_ATTR_SCALE_SPECN_I16)
        if value is not None:
            raw_low, raw_high, low_scaled, high_scaled = _fields(_SCALE, value)
            low, high = decode_float(raw_low), decode_float(raw_high)
            spec.scale = (None if low is None or high is None or low_scaled == high_scaled
                          else (low, high, low_scaled, high_scaled))

    def _numeric(self, fields: tuple[int, ...], when: datetime | None,
                 stamped: datetime | None, now: float) -> list[Observation]:
        physio, state, unit, raw = fields
        refid = codes.NUMERIC_METRICS.get(physio)
        if refid is None:
            return []
        if physio in codes.NIBP_IDS and stamped is not None:
            if self._nibp_stamps.get(physio) == stamped:
                return []  # the same NIBP reading as before: not a new measurement
            self._nibp_stamps[physio] = stamped
        known = metric(refid)
        value = decode_float(raw)
        errors: list[Observation] = []
        if no_value_reason(state) is not None:
            value = None
        elif value is not None:
            converted = codes.convert(value, unit, known.unit)
            if converted is None:
                errors.append(ProtocolError(
                    self.device_id, ErrorKind.UNIT,
                    f"{refid} came in unit code {unit:04X}, which does not convert to "
                    f"{known.unit}", now))
            value = plausible_or_none(converted, known, self.device_id, now, errors)
        return [*errors, Numeric(self.device_id, refid, value, known.unit, now, when)]

    def _wave(self, value: bytes, spec: WaveSpec, when: datetime | None,
              now: float) -> list[Observation]:
        physio, state, length = _fields(_SA_OBS, value)
        if length != len(value) - _SA_OBS.size:
            raise MessageError(f"sample array says {length} bytes, holds {len(value) - 6}")
        data = value[_SA_OBS.size:]
        refid = codes.WAVE_METRICS.get(physio)
        if refid is None:
            return []
        width = 1 if spec.sample_bits <= 8 else 2
        if len(data) % width:
            raise MessageError(f"{len(data)} sample bytes do not split into {width}-byte samples")
        count = len(data) // width
        rate = codes.RELATIVE_TIME_PER_S / spec.period
        known = metric(refid)
        if no_value_reason(state) is not None:
            return [WaveChunk(self.device_id, refid, (None,) * count, rate, known.unit, now, when)]
        mask = (1 << min(spec.significant_bits or 16, 8 * width)) - 1
        raw = array("B" if width == 1 else "H", data)
        if width == 2 and not _BIG_ENDIAN_HOST:
            raw.byteswap()
        samples: list[float | None]
        if spec.scale is None:
            samples = [float(r & mask) for r in raw]
        else:
            low, high, low_scaled, high_scaled = spec.scale
            step = (high - low) / (high_scaled - low_scaled)
            samples = [low + ((r & mask) - low_scaled) * step for r in raw]
        return [WaveChunk(self.device_id, refid, tuple(samples), rate, known.unit, now, when)]
