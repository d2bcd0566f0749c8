"""Masimo ASCII 1 vocabulary: field names, metrics, and the EXC and ALARM bit meanings."""

from __future__ import annotations

from ketaconsole.sdk import AlarmSource

# Field name on the line -> catalogue refid.
NUMERIC_FIELDS: dict[str, str] = {
    "SPO2": "MDC_PULS_OXIM_SAT_O2",
    "BPM": "MDC_PULS_OXIM_PULS_RATE",
    "PI": "MDC_PULS_OXIM_PERF_REL",
    "SPCO": "MDC_CONC_HB_CO_GEN",
    "SPMET": "MDC_CONC_HB_MET_GEN",
    "SPHB": "MDC_CONC_HB_ART",
    "PVI": "MASIMO_PVI",
    "DESAT": "MASIMO_DESAT",
    "PIDELTA": "MASIMO_PIDELTA",
}

# EXC, a hexadecimal exception mask (Rad-8 manual, trend data format).
# 0x800 ("Masimo SET": the algorithm runs in full SET mode) is a mode, not a fault.
EXCEPTIONS: dict[int, tuple[str, str]] = {
    0x001: ("no-sensor", "No sensor connected"),
    0x002: ("defective-sensor", "Defective sensor"),
    0x004: ("low-perfusion", "Low perfusion"),
    0x008: ("pulse-search", "Pulse search"),
    0x010: ("interference", "Interference detected"),
    0x020: ("sensor-off", "Sensor off patient"),
    0x040: ("ambient-light", "Too much ambient light"),
    0x080: ("unrecognized-sensor", "Unrecognized sensor"),
    0x400: ("low-signal-iq", "Low signal IQ"),
}
MODE_BITS = 0x800 | 0x100 | 0x200  # SET mode and the two reserved bits

# Exceptions under which the oximeter has no usable sensor, so no reading is real.
NO_READING_BITS = 0x001 | 0x002 | 0x020 | 0x080

# ALARM mask: reverse-engineered (remkolems/masimo-datacapture), not in the manual.
ALARMS: dict[int, tuple[str, str, AlarmSource]] = {
    0x01: ("spo2-high", "SpO2 above the oximeter's limit", AlarmSource.PHYSIOLOGICAL),
    0x02: ("spo2-low", "SpO2 below the oximeter's limit", AlarmSource.PHYSIOLOGICAL),
    0x04: ("pulse-high", "Pulse rate above the oximeter's limit", AlarmSource.PHYSIOLOGICAL),
    0x08: ("pulse-low", "Pulse rate below the oximeter's limit", AlarmSource.PHYSIOLOGICAL),
}
ALARM_SOUNDING = 0x10
ALARM_SILENCED = 0x20

# The order fields are printed in, over every model (unknown names may sit between).
FIELD_ORDER: tuple[str, ...] = ("SN", "SPO2", "BPM", "PI", "SPCO", "SPMET", "SPHB", "SPOC",
                                "RESVD", "DESAT", "PIDELTA", "PVI", "ALARM", "EXC", "EXC1")

# The fields each model prints on every line: a line without all of them was cut and
# stitched to the tail of another (a cut on a field boundary leaves every field well
# formed), so nothing on it is used.
MODEL_FIELDS: dict[str, frozenset[str]] = {
    "rad8": frozenset({"SN", "SPO2", "BPM", "PI", "DESAT", "PIDELTA", "ALARM", "EXC"}),
    "radical7": frozenset({"SN", "SPO2", "BPM", "PI", "SPCO", "SPMET", "DESAT", "PIDELTA",
                           "PVI", "ALARM", "EXC"}),
    "rad7": frozenset({"SN", "SPO2", "BPM", "PI", "SPCO", "SPMET", "SPHB", "DESAT",
                       "PIDELTA", "PVI", "ALARM", "EXC", "EXC1"}),
}
