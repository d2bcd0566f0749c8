"""One rule for implausible values: a value outside the catalogue's range is no value.

A device that sends SpO2 110 % or a rate of 20,000 mL/h has sent noise or a code the
driver does not know, not a measurement. :func:`plausible_or_none` gives back the value
when the metric's plausible range holds it, and otherwise ``None`` (shown as "no
value") and one :attr:`~ketaconsole.sdk.ErrorKind.VALUE` protocol error saying why,
the same way in every driver. :class:`OximeterReading` is the rule for an oximeter's
zeros.
"""

from __future__ import annotations

from ketaconsole.catalogue import Metric
from ketaconsole.observations import AlarmSource, DeviceAlarm, Observation, ProtocolError
from ketaconsole.sdk.faults import ErrorKind


def plausible_or_none(value: float | None, what: Metric, device_id: str, now: float,
                      errors: list[Observation]) -> float | None:
    """``value`` if ``what``'s plausible range holds it; else ``None`` and an error in
    ``errors``. ``None`` stays ``None`` without an error."""
    if value is None or what.is_plausible(value):
        return value
    low, high = what.plausible
    errors.append(ProtocolError(
        device_id, ErrorKind.VALUE,
        f"{what.refid} {value:g} {what.unit} is outside the plausible {low:g} to {high:g}; "
        "reported as no value", now))
    return None


def no_reading_zeros(spo2: float | None,
                     pulse: float | None) -> tuple[float | None, float | None]:
    """An oximeter's SpO2 and pulse rate with the zeros that mean "no reading" made
    ``None``: SpO2 0 %, and a pulse of 0 without a valid SpO2 (stateless; see
    :class:`OximeterReading` for the technical alarm as well)."""
    if spo2 == 0:
        spo2 = None
    if pulse == 0 and spo2 is None:
        pulse = None
    return spo2, pulse


class OximeterReading:
    """One rule for an oximeter's zeros: SpO2 0 % and a pulse of 0 without a valid SpO2
    are "no reading" (a technical condition), never values.

    No living patient has an SpO2 of 0 %; an oximeter prints 000 when it has no signal,
    and damage on the line turns any digit into 0. A pulse rate of 0 is believable only
    beside a valid SpO2 (the oximeter still sees the pulse wave's oxygen but has lost the
    rate). :meth:`check` gives back the values to report and raises or clears one
    technical :class:`~ketaconsole.observations.DeviceAlarm` (code ``no-reading``) when
    the condition starts or ends.

    ::

        reading = OximeterReading()
        spo2, pulse = reading.check(0.0, 0.0, "ox1", now, found)   # -> (None, None)
    """

    CODE = "no-reading"
    TEXT = "Oximeter gives no reading (SpO2 0 % or pulse 0 without SpO2)"

    def __init__(self) -> None:
        self.active = False

    def check(self, spo2: float | None, pulse: float | None, device_id: str, now: float,
              found: list[Observation]) -> tuple[float | None, float | None]:
        """``(spo2, pulse)`` with the zeros that are no reading made ``None``; a change of
        the condition appends one alarm to ``found``. A line with neither value leaves
        the condition as it was."""
        if spo2 is None and pulse is None:
            return None, None
        spo2, pulse = no_reading_zeros(spo2, pulse)
        no_reading = spo2 is None and pulse is None
        if no_reading != self.active:
            self.active = no_reading
            found.append(DeviceAlarm(device_id, self.CODE, self.TEXT, AlarmSource.TECHNICAL,
                                     no_reading, now))
        return spo2, pulse
