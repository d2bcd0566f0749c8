"""One rule for implausible values: a value outside the catalogue's range is no value.

A device that sends SpO2 110 % or a rate of 20,000 mL/h has sent noise or a code the
driver does not know, not a measurement. :func:`plausible_or_none` gives back the value
when the metric's plausible range holds it, and otherwise ``None`` (shown as "no
value") and one :attr:`~ketaconsole.sdk.ErrorKind.VALUE` protocol error saying why,
the same way in every driver.
"""

from __future__ import annotations

from ketaconsole.catalogue import Metric
from ketaconsole.observations import Observation, ProtocolError
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
