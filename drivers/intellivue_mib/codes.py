"""IntelliVue data-export vocabulary: frame bytes, ROSE/CMIP codes, attribute ids, metrics, units.

Every number here is a protocol constant from the Philips "Data Export Interface
Programming Guide" (IntelliVue X2/MP/MX), cross-checked against the constant tables of
xeonfusion/VSCaptureMP and mindleaving/patient-monitor-datalogger. Only the subset the
console uses is listed.
"""

from __future__ import annotations

from collections.abc import Callable

# -- RS232 framing (guide: "Transport Protocols for the MIB/RS232 Interface") -------------
BOF = 0xC0
EOF = 0xC1
ESC = 0x7D
ESC_XOR = 0x20
PROTOCOL_ID = 0x11  # IntelliVue data export
MSG_TYPE = 0x01  # association control or data export command

# -- session headers: the first byte of a frame's user data -------------------------------
CN_SPDU = 0x0D  # association request
AC_SPDU = 0x0E  # association accepted (result)
RF_SPDU = 0x0C  # association refused
FN_SPDU = 0x09  # release request
DN_SPDU = 0x0A  # release result
AB_SPDU = 0x19  # abort
DATA_EXPORT = 0xE1  # SPpdu session id 0xE100: a data export (ROSE) message

PRESENTATION_CONTEXT = 2

# The fixed parts of the association messages (session data, presentation header,
# trailer) as the guide prints them; only the length indicators and the user data vary.
AARQ_SESSION_DATA = bytes.fromhex("0508 1301 0016 0102 8000 1402 0002")
AARQ_PRESENTATION = bytes.fromhex(
    "3180a0808001010000a280a003000001a4803080020101060452010001308006025101000000"
    "003080020102060c2a8648ce14020100000001013080060c2a8648ce1402010000000201000000"
    "00000061803080020101a0806080a180060c2a8648ce14020100000003010000be802880060c2a"
    "8648ce140201000000010102010281")
AARE_SESSION_DATA = AARQ_SESSION_DATA
AARE_PRESENTATION = bytes.fromhex(
    "3180a0808001010000a280a003000001a58030808001008102510100003080800100810c2a8648"
    "ce14020100000002010000000061803080020101a0806180a180060c2a8648ce14020100000003"
    "010000a203020100a305a103020100be80288002010281")
ASSOCIATION_TRAILER = bytes(16)
RELEASE_REQUEST = bytes.fromhex("0918c11661803080020101a08062808001000000000000000000")
RELEASE_RESULT = bytes.fromhex("0a18c11661803080020101a08063808001000000000000000000")
ABORT = bytes.fromhex(
    "192e110103c129a080a0803080020101060251010000000061803080020101a08064808001010000"
    "0000000000000000")
REFUSE = bytes.fromhex("0c03320100")

# MDSEUserInfoStd field values
MDDL_VERSION1 = 0x80000000
NOMEN_VERSION = 0x40000000
SYST_CLIENT = 0x80000000
SYST_SERVER = 0x00800000
COLD_START = 0x20000000
NOM_POLL_PROFILE_SUPPORT = 0x0001
POLL_PROFILE_REV_0 = 0x80000000
P_OPT_DYN_CREATE_OBJECTS = 0x40000000
P_OPT_DYN_DELETE_OBJECTS = 0x20000000
NOM_ATTR_POLL_PROFILE_EXT = 0xF001
POLL_EXT_PERIOD_NU_1SEC = 0x80000000
POLL_EXT_PERIOD_RTSA = 0x08000000
RS232_MAX_MTU = 1000

# -- ROSE / CMIP ----------------------------------------------------------------------------
ROIV_APDU = 1
RORS_APDU = 2
ROER_APDU = 3
ROLRS_APDU = 5
RORLS_FIRST = 1
RORLS_NOT_FIRST_NOT_LAST = 2
RORLS_LAST = 3
CMD_EVENT_REPORT = 0
CMD_CONFIRMED_EVENT_REPORT = 1
CMD_CONFIRMED_ACTION = 7

NOM_MOC_VMO_METRIC_NU = 6
NOM_MOC_VMO_METRIC_SA_RT = 9
NOM_MOC_VMS_MDS = 33
NOM_MOC_VMO_AL_MON = 54  # the Alert Monitor: the monitor's active alarms and INOPs
NOM_PART_OBJ = 1
NOM_NOTI_MDS_CREAT = 0x0D06
NOM_ACT_POLL_MDIB_DATA_EXT = 0xF13B
NOM_ATTR_TIME_PD_POLL = 0xF13E

# attribute ids
NOM_ATTR_AL_MON_P_AL_LIST = 0x0902  # patient alarms
NOM_ATTR_AL_MON_T_AL_LIST = 0x0904  # technical alarms (INOPs)
NOM_ATTR_ID_MODEL = 0x0928
NOM_ATTR_NU_CMPD_VAL_OBS = 0x094B
NOM_ATTR_NU_VAL_OBS = 0x0950
NOM_ATTR_SA_SPECN = 0x096D
NOM_ATTR_SA_VAL_OBS = 0x096E
NOM_ATTR_SCALE_SPECN_I16 = 0x096F
NOM_ATTR_SYS_ID = 0x0984
NOM_ATTR_TIME_ABS = 0x0987
NOM_ATTR_TIME_PD_SAMP = 0x098D
NOM_ATTR_TIME_REL = 0x098F
NOM_ATTR_TIME_STAMP_ABS = 0x0990

# RelativeTime counts 1/8 ms.
RELATIVE_TIME_PER_S = 8000

# -- measurement state (MeasurementState bits) --------------------------------------------
INVALID = 0x8000
QUESTIONABLE = 0x4000
UNAVAILABLE = 0x2000
CALIBRATION_ONGOING = 0x1000
TEST_DATA = 0x0800
DEMO_DATA = 0x0400
NO_VALUE_STATES: dict[int, str] = {
    INVALID: "invalid",
    QUESTIONABLE: "questionable",
    UNAVAILABLE: "unavailable",
    CALIBRATION_ONGOING: "calibrating",
    TEST_DATA: "test data",
    DEMO_DATA: "demo data",
}
"""Any of these bits makes a reading "no value": it is not a measurement of this patient."""

# -- FLOAT-Type special values (mantissa, 24 bits) ----------------------------------------
FLOAT_NAN = 0x7FFFFF
FLOAT_NRES = 0x800000
FLOAT_PLUS_INFINITY = 0x7FFFFE
FLOAT_MINUS_INFINITY = 0x800002
FLOAT_RESERVED = 0x800001
FLOAT_SPECIALS = frozenset(
    {FLOAT_NAN, FLOAT_NRES, FLOAT_PLUS_INFINITY, FLOAT_MINUS_INFINITY, FLOAT_RESERVED})

# -- physiological ids (SCADA partition) -> catalogue refid -------------------------------
NOM_ECG_CARD_BEAT_RATE = 0x4182
NOM_PLETH_PULS_RATE = 0x4822
NOM_PRESS_BLD_NONINV = 0x4A04  # the compound NIBP object's own id
NOM_PRESS_BLD_NONINV_SYS = 0x4A05
NOM_PRESS_BLD_NONINV_DIA = 0x4A06
NOM_PRESS_BLD_NONINV_MEAN = 0x4A07
NOM_TEMP = 0x4B48
NOM_PULS_OXIM_PERF_REL = 0x4BB0
NOM_PLETH = 0x4BB4
NOM_PULS_OXIM_SAT_O2 = 0x4BB8
NOM_RESP_RATE = 0x500A
NOM_AWAY_CO2_ET = 0x50B0

NUMERIC_METRICS: dict[int, str] = {
    NOM_ECG_CARD_BEAT_RATE: "MDC_ECG_HEART_RATE",
    NOM_PULS_OXIM_SAT_O2: "MDC_PULS_OXIM_SAT_O2",
    # "Pulse" derived from the SpO2 pleth; the generic NOM_PULS_RATE may come from an
    # arterial line, so it is not mixed in here.
    NOM_PLETH_PULS_RATE: "MDC_PULS_OXIM_PULS_RATE",
    NOM_PULS_OXIM_PERF_REL: "MDC_PULS_OXIM_PERF_REL",
    NOM_PRESS_BLD_NONINV_SYS: "MDC_PRESS_BLD_NONINV_SYS",
    NOM_PRESS_BLD_NONINV_DIA: "MDC_PRESS_BLD_NONINV_DIA",
    NOM_PRESS_BLD_NONINV_MEAN: "MDC_PRESS_BLD_NONINV_MEAN",
    # impedance respiration rate; the CO2-derived awRR (0x5012) is a different metric.
    NOM_RESP_RATE: "MDC_RESP_RATE",
    NOM_AWAY_CO2_ET: "MDC_AWAY_CO2_ET",
    # the generic temperature label "Temp" (site-specific labels are not mapped).
    NOM_TEMP: "MDC_TEMP_BODY",
}
NIBP_IDS = frozenset(
    {NOM_PRESS_BLD_NONINV_SYS, NOM_PRESS_BLD_NONINV_DIA, NOM_PRESS_BLD_NONINV_MEAN})
WAVE_METRICS: dict[int, str] = {NOM_PLETH: "MDC_PULS_OXIM_PLETH"}
PLETH_SAMPLE_PERIOD = 64
"""Pleth is sampled every 8 ms (125 Hz): the period used until the monitor states one."""

# -- units (NOM_DIM_*) -> UCUM ---------------------------------------------------------------
NOM_DIM_DIMLESS = 0x0200
NOM_DIM_PERCENT = 0x0220
NOM_DIM_BEAT_PER_MIN = 0x0AA0
NOM_DIM_RESP_PER_MIN = 0x0AE0
NOM_DIM_KILO_PASCAL = 0x0F03
NOM_DIM_MMHG = 0x0F20
NOM_DIM_FAHR = 0x1140
NOM_DIM_DEGC = 0x17A0

UNITS: dict[int, str] = {
    NOM_DIM_DIMLESS: "1",
    NOM_DIM_PERCENT: "%",
    NOM_DIM_BEAT_PER_MIN: "/min",
    NOM_DIM_RESP_PER_MIN: "/min",
    NOM_DIM_KILO_PASCAL: "kPa",
    NOM_DIM_MMHG: "mm[Hg]",
    NOM_DIM_FAHR: "[degF]",
    NOM_DIM_DEGC: "Cel",
}

MMHG_PER_KPA = 7.500615758


CONVERSIONS: dict[tuple[str, str], Callable[[float], float]] = {
    # (monitor's unit, catalogue's unit) -> conversion
    ("kPa", "mm[Hg]"): lambda v: v * MMHG_PER_KPA,
    ("[degF]", "Cel"): lambda v: (v - 32.0) * 5.0 / 9.0,
    # The monitor's relative perfusion ("Perf") is dimensionless; the catalogue keeps the
    # same number under the unit %, as MDC_PULS_OXIM_PERF_REL allows either.
    ("1", "%"): lambda v: v,
}


def convert(value: float, unit_code: int, target: str) -> float | None:
    """``value`` in the catalogue's unit ``target``, or ``None`` if the unit cannot convert."""
    source = UNITS.get(unit_code)
    if source is None:
        return None
    if source == target:
        return value
    conversion = CONVERSIONS.get((source, target))
    return None if conversion is None else conversion(value)


# -- alarms (the Alert Monitor's DevAlarmList entries) -------------------------------------
GEN_ALMON_INFO = 513
STR_ALMON_INFO = 516
NO_ALERT = 0x0000
LOW_PRI_T_AL, MED_PRI_T_AL, HI_PRI_T_AL = 0x0001, 0x0002, 0x0004  # technical (INOPs)
LOW_PRI_P_AL, MED_PRI_P_AL, HI_PRI_P_AL = 0x0100, 0x0200, 0x0400  # patient
ALERT_PRIORITIES: dict[int, str] = {
    NO_ALERT: "no alarm",
    LOW_PRI_T_AL: "low-priority INOP", MED_PRI_T_AL: "medium-priority INOP",
    HI_PRI_T_AL: "high-priority INOP",
    LOW_PRI_P_AL: "low priority", MED_PRI_P_AL: "medium priority", HI_PRI_P_AL: "high priority",
}
ALERT_LEVELS: dict[int, str] = {
    LOW_PRI_T_AL: "low", MED_PRI_T_AL: "medium", HI_PRI_T_AL: "high",
    LOW_PRI_P_AL: "low", MED_PRI_P_AL: "medium", HI_PRI_P_AL: "high",
}
"""The monitor's alert type as the console's priority (high, medium, low)."""
AL_INHIBITED = 0x8000  # alarms switched off on the monitor
AL_SUSPENDED = 0x4000  # alarms paused on the monitor
AL_LATCHED = 0x2000
AL_NEW_ALERT = 0x0008

NOM_EVT_LO = 62
NOM_EVT_SENSOR_DISCONN = 308
ALERT_EVENTS: dict[int, str] = {
    # NOM_EVT_* (event partition), for alarms that come without the monitor's own text.
    4: "absent", 22: "disconnected", 38: "failure", 40: "high", NOM_EVT_LO: "low",
    70: "malfunction", 74: "noisy", 110: "unavailable", 242: "equipment malfunction",
    268: "lead disconnected", 274: "leads off", NOM_EVT_SENSOR_DISCONN: "sensor disconnected",
    310: "sensor malfunction", 312: "sensor problem", 358: "measurement INOP",
    380: "signal low", 3072: "apnea", 3076: "asystole", 3246: "desaturation",
    6696: "check sensor", 61766: "bradycardia", 61768: "tachycardia",
    61830: "extreme high", 61832: "extreme low",
}
PRIVATE_CHARACTERS: dict[str, str] = {
    # The monitor's private-use characters in alarm texts, as plain text.
    "\ue145": "E", "\ue14c": "L", "\ue400": "l/min", "\ue401": "cmH2O", "\ue40d": "*",
    "\ue425": "V", "\ufeff": "",
}
