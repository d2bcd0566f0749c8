"""The SDK's shared helpers, as a third-party driver uses them."""

from __future__ import annotations

from ketaconsole.sdk import ErrorKind, Fault, Observation, ProtocolError, metric, plausible_or_none

SPO2 = metric("MDC_PULS_OXIM_SAT_O2")


def test_a_plausible_value_passes_and_no_value_stays_no_value_without_error() -> None:
    errors: list[Observation] = []
    assert plausible_or_none(97.0, SPO2, "ox", 1.0, errors) == 97.0
    assert plausible_or_none(None, SPO2, "ox", 1.0, errors) is None
    assert errors == []


def test_an_implausible_value_is_no_value_and_one_value_error_saying_why() -> None:
    errors: list[Observation] = []
    assert plausible_or_none(110.0, SPO2, "ox", 1.0, errors) is None
    assert errors == [ProtocolError(
        "ox", ErrorKind.VALUE, "MDC_PULS_OXIM_SAT_O2 110 % is outside the plausible 0 to 100; "
        "reported as no value", 1.0)]


def test_a_fault_reports_as_a_protocol_error_whose_kind_is_its_string() -> None:
    fault = Fault(ErrorKind.CHECKSUM, "CRC 1234 where the frame gives 4321")
    reported = fault.report("pump", 2.0)
    assert reported == ProtocolError("pump", "checksum", fault.detail, 2.0)
    assert reported.as_record()["error"] == "checksum"
