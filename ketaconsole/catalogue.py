"""The one catalogue of metrics: IEEE 11073 reference ids, codes, LOINC, UCUM units, display.

Every label, unit, precision, plausible range and freshness window the program shows,
stores or exports is read from here; nothing else hard-codes a metric.

Codes marked as confirmed are the ones verified on hl7.org or in public IHE PCD-01
samples (CLINICAL.md section 5). The others are IEEE 11073-10101 terms as the Philips
IntelliVue data-export nomenclature publishes them (code = partition * 65536 + term;
partition 2, SCADA, for every metric here), and the pump's as IHE PCD-01 infusion-pump
sample messages carry them. Every metric with an IEEE 11073 term has its code; only a
maker's own quantity (below) has none.

A few things devices print have no IEEE 11073 term at all (Masimo's pleth variability
index, for one). They are ``vendor`` metrics: the reference id names the maker
(``MASIMO_PVI``), there is never a code, and exports label them with the local coding
system ``99KC`` instead of ``MDC``, so no reader mistakes them for standard terms.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class MetricKind(Enum):
    """Whether a metric arrives as single values or as a sampled waveform."""

    NUMERIC = "numeric"
    WAVE = "wave"


@dataclass(frozen=True, slots=True)
class Metric:
    """Everything the console knows about one measured quantity."""

    refid: str
    label: str
    short: str
    unit: str
    precision: int
    plausible: tuple[float, float]
    code: int | None = None
    loinc: tuple[str, ...] = ()
    kind: MetricKind = MetricKind.NUMERIC
    fresh_for_s: float | None = 10.0
    """Seconds a value stays live; ``None`` for episodic readings such as NIBP."""
    vendor: bool = False
    """A maker's own quantity with no IEEE 11073 term; see the module's note."""
    fine_below: float | None = None
    """Below this the value is shown with one more decimal: a pump's rate and volumes
    under 10 mL/h or 10 mL at the pump's own resolution (5.25 mL/h, not 5.2)."""

    @property
    def display_unit(self) -> str:
        """The unit as people read it (``mmHg``, ``°C``); ``unit`` stays UCUM for records."""
        return _DISPLAY_UNITS.get(self.unit, self.unit)

    def is_plausible(self, value: float) -> bool:
        low, high = self.plausible
        return low <= value <= high

    def fresh_at(self, age_s: float) -> bool:
        """Whether a value this old is still live (episodic readings stand until the next)."""
        return self.fresh_for_s is None or age_s <= self.fresh_for_s

    def with_unit(self, value: float | None) -> str:
        """The value as :meth:`format` shows it, then its unit: ``5.25 mL/h``."""
        return f"{self.format(value)} {self.display_unit}".rstrip()

    def format(self, value: float | None) -> str:
        """The value as the clinic reads it, in this metric's precision; dashes for no value."""
        if value is None:
            return "-" * max(2, 2 + self.precision)
        fine = self.fine_below is not None and abs(value) < self.fine_below
        return f"{value:.{self.precision + (1 if fine else 0)}f}"


_DISPLAY_UNITS = {"mm[Hg]": "mmHg", "Cel": "\u00b0C", "1": ""}

LOCAL_CODING_SYSTEM = "99KC"
"""HL7's form for a site-defined coding system: how vendor metrics are labelled."""

_NUMERICS: tuple[Metric, ...] = (
    Metric("MDC_PULS_OXIM_SAT_O2", "Oxygen saturation", "SpO\u2082", "%", 0, (0, 100),
           code=150456, loinc=("59408-5", "2708-6")),
    Metric("MDC_PULS_OXIM_PULS_RATE", "Pulse rate", "PR", "/min", 0, (0, 350),
           code=149530, loinc=("8867-4",)),
    Metric("MDC_ECG_HEART_RATE", "Heart rate", "HR", "/min", 0, (0, 350),
           code=147842, loinc=("8867-4",)),
    Metric("MDC_PRESS_BLD_NONINV_SYS", "Blood pressure, systolic", "NIBP sys", "mm[Hg]", 0,
           (0, 350), code=150021, loinc=("8480-6",), fresh_for_s=None),
    Metric("MDC_PRESS_BLD_NONINV_DIA", "Blood pressure, diastolic", "NIBP dia", "mm[Hg]", 0,
           (0, 300), code=150022, loinc=("8462-4",), fresh_for_s=None),
    Metric("MDC_PRESS_BLD_NONINV_MEAN", "Blood pressure, mean", "NIBP mean", "mm[Hg]", 0,
           (0, 300), code=150023, loinc=("8478-0",), fresh_for_s=None),
    Metric("MDC_RESP_RATE", "Respiration rate", "RR", "/min", 0, (0, 150),
           code=151562, loinc=("9279-1",)),
    # EtCO2 as a partial pressure: NOM_AWAY_CO2_ET 0x50B0 (20656); 20636 is the
    # concentration in %, MDC_CONC_AWAY_CO2_ET, which this mmHg value is not. No LOINC
    # confirmed (CLINICAL.md section 5).
    Metric("MDC_AWAY_CO2_ET", "End-tidal CO\u2082", "EtCO\u2082", "mm[Hg]", 0, (0, 150),
           code=151728),
    # NOM_TEMP_BODY 0x4B5C (19292); 150364 is also the code HL7 IG examples give.
    Metric("MDC_TEMP_BODY", "Body temperature", "Temp", "Cel", 1, (25, 45),
           code=150364, loinc=("8310-5",), fresh_for_s=60.0),
    # NOM_PULS_OXIM_PERF_REL 0x4BB0 (19376), beside SpO2's 19384 (150456, confirmed).
    Metric("MDC_PULS_OXIM_PERF_REL", "Perfusion index", "PI", "%", 2, (0, 20),
           code=150448),
    # Masimo rainbow parameters. The codes are IEEE 11073-10101 partition 2 (SCADA) terms
    # as the Philips IntelliVue data-export nomenclature publishes them (NOM_CONC_HB_CO_GEN
    # 0x7180, NOM_CONC_HB_MET_GEN 0x717C, NOM_CONC_HB_ART 0x7014; code = 2 * 65536 + term)
    # and as Mindray's HL7 interface lists MDC_CONC_HB_ART 159764. SpHb, the total
    # haemoglobin a pulse CO-oximeter measures, takes the arterial haemoglobin term.
    Metric("MDC_CONC_HB_CO_GEN", "Carboxyhaemoglobin (SpCO)", "SpCO", "%", 1, (0, 99),
           code=160128),
    Metric("MDC_CONC_HB_MET_GEN", "Methaemoglobin (SpMet)", "SpMet", "%", 1, (0, 99.9),
           code=160124),
    Metric("MDC_CONC_HB_ART", "Total haemoglobin (SpHb)", "SpHb", "g/dL", 1, (0, 25),
           code=159764),
    # Masimo's own indices: no IEEE 11073 term exists for them.
    Metric("MASIMO_PVI", "Pleth variability index (Masimo)", "PVI", "%", 0, (0, 100),
           vendor=True),
    Metric("MASIMO_DESAT", "Desaturation index (Masimo)", "DESAT", "1", 0, (0, 99),
           vendor=True),
    Metric("MASIMO_PIDELTA", "Perfusion index change (Masimo)", "PI\u0394", "%", 0,
           (-99, 99), vendor=True),
    # The pump's terms as IHE PCD-01 infusion-pump messages carry them in OBX-3.
    Metric("MDC_FLOW_FLUID_PUMP", "Infusion rate", "Rate", "mL/h", 1, (0, 1200),
           code=157784, fresh_for_s=15.0, fine_below=10.0),
    Metric("MDC_VOL_FLUID_DELIV_TOTAL", "Volume infused", "Infused", "mL", 2, (0, 10000),
           code=157993, fresh_for_s=15.0),
    Metric("MDC_VOL_FLUID_TBI", "Volume to be infused", "VTBI", "mL", 1, (0, 10000),
           code=157884, fresh_for_s=15.0, fine_below=10.0),
    Metric("MDC_VOL_FLUID_TBI_REMAIN", "Volume remaining", "Remaining", "mL", 1, (0, 10000),
           code=157872, fresh_for_s=15.0, fine_below=10.0),
)

_WAVES: tuple[Metric, ...] = (
    # NOM_PULS_OXIM_PLETH 0x4BB4 (19380).
    Metric("MDC_PULS_OXIM_PLETH", "Plethysmogram", "Pleth", "1", 3, (-1e6, 1e6),
           code=150452, kind=MetricKind.WAVE, fresh_for_s=2.0),
)

CATALOGUE: dict[str, Metric] = {m.refid: m for m in (*_NUMERICS, *_WAVES)}

SPO2 = CATALOGUE["MDC_PULS_OXIM_SAT_O2"]
PULSE_RATE = CATALOGUE["MDC_PULS_OXIM_PULS_RATE"]
HEART_RATE = CATALOGUE["MDC_ECG_HEART_RATE"]
NIBP_SYS = CATALOGUE["MDC_PRESS_BLD_NONINV_SYS"]
NIBP_DIA = CATALOGUE["MDC_PRESS_BLD_NONINV_DIA"]
NIBP_MEAN = CATALOGUE["MDC_PRESS_BLD_NONINV_MEAN"]
RESP_RATE = CATALOGUE["MDC_RESP_RATE"]
ETCO2 = CATALOGUE["MDC_AWAY_CO2_ET"]
TEMPERATURE = CATALOGUE["MDC_TEMP_BODY"]
PERFUSION_INDEX = CATALOGUE["MDC_PULS_OXIM_PERF_REL"]
PLETH = CATALOGUE["MDC_PULS_OXIM_PLETH"]
PUMP_RATE = CATALOGUE["MDC_FLOW_FLUID_PUMP"]
VOLUME_INFUSED = CATALOGUE["MDC_VOL_FLUID_DELIV_TOTAL"]
VTBI = CATALOGUE["MDC_VOL_FLUID_TBI"]
VOLUME_REMAINING = CATALOGUE["MDC_VOL_FLUID_TBI_REMAIN"]

# Not device metrics, but codes the record needs (CLINICAL.md section 5).
LOINC_BODY_WEIGHT = "29463-7"
LOINC_VITAL_SIGNS_PANEL = "85353-1"
LOINC_BLOOD_PRESSURE_PANEL = "85354-9"


class UnknownMetricError(KeyError):
    """A reference id that is not in the catalogue."""


def metric(refid: str) -> Metric:
    """Look a metric up by its IEEE 11073 reference id."""
    try:
        return CATALOGUE[refid]
    except KeyError:
        raise UnknownMetricError(f"{refid} is not in the metric catalogue") from None
