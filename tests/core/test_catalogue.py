"""The metric catalogue: verified codes stay as verified, every entry is well formed."""

from __future__ import annotations

import re

import pytest

from ketaconsole import catalogue
from ketaconsole.catalogue import CATALOGUE, MetricKind, UnknownMetricError, metric

# CLINICAL.md section 5: codes verified on hl7.org or in public IHE PCD-01 samples.
VERIFIED = {
    "MDC_ECG_HEART_RATE": (147842, ("8867-4",), "/min"),
    "MDC_PULS_OXIM_PULS_RATE": (149530, ("8867-4",), "/min"),
    "MDC_PULS_OXIM_SAT_O2": (150456, ("59408-5", "2708-6"), "%"),
    "MDC_PRESS_BLD_NONINV_SYS": (150021, ("8480-6",), "mm[Hg]"),
    "MDC_PRESS_BLD_NONINV_DIA": (150022, ("8462-4",), "mm[Hg]"),
    "MDC_PRESS_BLD_NONINV_MEAN": (150023, ("8478-0",), "mm[Hg]"),
    "MDC_RESP_RATE": (151562, ("9279-1",), "/min"),
}
UCUM_UNITS = {"%", "/min", "mm[Hg]", "Cel", "mL/h", "mL", "1", "kg", "g/dL", "kPa"}


def loinc_check_digit_is_right(code: str) -> bool:
    """LOINC's mod-10 check digit (the Luhn scheme over the digits before the hyphen)."""
    body, _, check = code.partition("-")
    total = 0
    for position, char in enumerate(reversed(body)):
        digit = int(char) * (2 if position % 2 == 0 else 1)
        total += digit // 10 + digit % 10
    return (10 - total % 10) % 10 == int(check)


def test_the_luhn_check_itself_rejects_a_typo() -> None:
    assert loinc_check_digit_is_right("8867-4")
    assert not loinc_check_digit_is_right("8876-4")


@pytest.mark.parametrize("refid", sorted(VERIFIED))
def test_verified_codes_loinc_and_units_are_as_published(refid: str) -> None:
    code, loinc, unit = VERIFIED[refid]
    known = metric(refid)
    assert (known.code, known.loinc, known.unit) == (code, loinc, unit)


# Partition 2 (SCADA) terms as the Philips IntelliVue nomenclature publishes them
# (code = 2 * 65536 + term); Mindray's HL7 interface lists MDC_CONC_HB_ART as 159764 too.
SCADA_TERMS = {"MDC_CONC_HB_CO_GEN": 0x7180, "MDC_CONC_HB_MET_GEN": 0x717C,
               "MDC_CONC_HB_ART": 0x7014, "MDC_AWAY_CO2_ET": 0x50B0,
               "MDC_TEMP_BODY": 0x4B5C, "MDC_PULS_OXIM_PERF_REL": 0x4BB0,
               "MDC_PULS_OXIM_PLETH": 0x4BB4}
PUMP_CODES = {"MDC_FLOW_FLUID_PUMP": 157784, "MDC_VOL_FLUID_DELIV_TOTAL": 157993,
              "MDC_VOL_FLUID_TBI": 157884, "MDC_VOL_FLUID_TBI_REMAIN": 157872}
"""As IHE PCD-01 infusion-pump sample messages carry them in OBX-3."""


@pytest.mark.parametrize("refid", sorted(SCADA_TERMS))
def test_co_oximetry_codes_are_their_scada_partition_terms(refid: str) -> None:
    assert metric(refid).code == 2 * 65536 + SCADA_TERMS[refid]


def test_etco2_is_the_partial_pressure_term_not_the_concentration() -> None:
    etco2 = metric("MDC_AWAY_CO2_ET")
    assert etco2.unit == "mm[Hg]" and etco2.code == 2 * 65536 + 20656 != 2 * 65536 + 20636
    assert etco2.loinc == ()


@pytest.mark.parametrize("refid", sorted(PUMP_CODES))
def test_pump_codes_are_the_pcd01_ones(refid: str) -> None:
    assert metric(refid).code == PUMP_CODES[refid]


@pytest.mark.parametrize("refid", sorted(CATALOGUE))
def test_every_metric_with_an_ieee_term_has_its_code(refid: str) -> None:
    known = CATALOGUE[refid]
    assert (known.code is None) == known.vendor


@pytest.mark.parametrize("refid", sorted(CATALOGUE))
def test_every_metric_is_well_formed(refid: str) -> None:
    known = CATALOGUE[refid]
    assert known.refid == refid
    if known.vendor:  # a maker's own quantity: named after the maker, never coded as MDC
        assert re.fullmatch(r"[A-Z]+_[A-Z0-9_]+", refid) and not refid.startswith("MDC_")
        assert known.code is None
    else:
        assert re.fullmatch(r"MDC_[A-Z0-9_]+", refid)
    assert known.label.strip() and known.short.strip()
    assert known.unit in UCUM_UNITS, f"{known.unit} is not a UCUM unit we use"
    assert 0 <= known.precision <= 3
    low, high = known.plausible
    assert low < high
    assert known.fresh_for_s is None or known.fresh_for_s > 0
    assert all(loinc_check_digit_is_right(code) for code in known.loinc), known.loinc
    if known.kind is MetricKind.WAVE:
        assert known.fresh_for_s is not None, "a wave that stops must stop being drawn"


def test_numeric_codes_are_unique() -> None:
    codes = [m.code for m in CATALOGUE.values() if m.code is not None]
    assert len(codes) == len(set(codes))


def test_record_level_loinc_codes_have_valid_check_digits() -> None:
    for code in (catalogue.LOINC_BODY_WEIGHT, catalogue.LOINC_VITAL_SIGNS_PANEL,
                 catalogue.LOINC_BLOOD_PRESSURE_PANEL):
        assert loinc_check_digit_is_right(code), code


def test_blood_pressure_readings_are_episodic() -> None:
    for refid in ("MDC_PRESS_BLD_NONINV_SYS", "MDC_PRESS_BLD_NONINV_DIA",
                  "MDC_PRESS_BLD_NONINV_MEAN"):
        assert metric(refid).fresh_for_s is None


def test_an_unknown_refid_is_a_clear_lookup_error() -> None:
    with pytest.raises(UnknownMetricError, match="MDC_NOPE is not in the metric catalogue"):
        metric("MDC_NOPE")
    with pytest.raises(KeyError):
        metric("MDC_NOPE")


def test_plausibility_includes_both_ends_and_nothing_outside() -> None:
    spo2 = metric("MDC_PULS_OXIM_SAT_O2")
    assert spo2.is_plausible(0) and spo2.is_plausible(100)
    assert not spo2.is_plausible(100.01) and not spo2.is_plausible(-0.01)


def test_values_are_shown_in_the_metrics_precision_and_no_value_as_dashes() -> None:
    assert metric("MDC_PULS_OXIM_SAT_O2").format(97.6) == "98"
    assert metric("MDC_TEMP_BODY").format(36.84) == "36.8"
    assert metric("MDC_PULS_OXIM_PERF_REL").format(3.6) == "3.60"
    assert metric("MDC_PULS_OXIM_SAT_O2").format(None) == "--"
    assert metric("MDC_PULS_OXIM_PERF_REL").format(None) == "----"


def test_a_pump_rate_and_volume_under_ten_show_the_pumps_second_decimal() -> None:
    from ketaconsole.catalogue import PUMP_RATE, VTBI

    assert PUMP_RATE.with_unit(5.25) == "5.25 mL/h", "not 5.2: a 1 % error at 100 mg/mL"
    assert PUMP_RATE.with_unit(52.5) == "52.5 mL/h"
    assert VTBI.format(3.5) == "3.50" and VTBI.format(35.0) == "35.0"
    assert PUMP_RATE.format(None) == "---"
