"""Alaris (Asena) command names, reply layouts and alarm codes, as the public sources show them.

Command names and the INF reply layout come from OpenICE (mdpnp/mdpnp: Asena.java and
the Alaris simulators next to it, which log real pump replies) and jaj42/infupy
(alaris backend). Alarm codes are the list OpenICE keeps; only the code names are
published there, so the texts below are our reading of the abbreviations and say so.
"""

from __future__ import annotations

# Requests the console sends (none of them changes the infusion).
SERIAL_NUMBER = "INST_SERIALNO"
PROTOCOL_REVISION = "COMMS_PROTOCOL"
RESPONSE_MAX = "COMMS_RESPONSE_MAX"
REMOTE_CONTROL = "REMOTE_CTRL"
INFUSION_STATUS = "INF"
VTBI = "INF_VTBI"
ALARM = "ALARM"
SYRINGE = "SYRINGE_STATUS"

ENABLED = "ENABLED"
DISABLED = "DISABLED"

# INF reply: INF^serial^status flag^mode^rate^rate unit^drug^volume infused^volume unit^
#            pressure^pressure unit^time remaining^log type^latest log entry
INF_SERIAL = 1
INF_STATUS_FLAG = 2
"""``-`` or ``A``; its meaning is not published. The real capture has ``A`` on a pump on
hold whose ALARM reply is AL_NOALM, so it does not mean "alarm active": alarms are read
from the ALARM reply only."""
INF_MODE = 3
INF_RATE = 4
INF_RATE_UNIT = 5
INF_DRUG = 6
INF_VOLUME = 7
INF_VOLUME_UNIT = 8
INF_PRESSURE = 9
INF_PRESSURE_UNIT = 10
INF_TIME_REMAINING = 11
INF_FIELDS = 12  # fewer fields than this is a reply we cannot read

MODE_HOLD = "HLD"

RATE_UNITS = {"ml/h": 1.0, "mL/h": 1.0}
VOLUME_UNITS = {"ml": 1.0, "mL": 1.0}
PRESSURE_UNITS = {"mmHg": "mm[Hg]", "mmhg": "mm[Hg]", "kPa": "kPa", "mbar": "mbar"}

NO_ALARM = "AL_NOALM"
_READING = ""
"""The texts are our reading of the codes (see the module's docstring); a nurse reads only
what the pump means, so nothing is added to the words she sees."""
ALARM_TEXTS: dict[str, str] = {
    "AL_ACDIS": "Mains power disconnected" + _READING,
    "AL_CALLB": "Pump calls for attention" + _READING,
    "AL_COMTO": "Remote communication timed out" + _READING,
    "AL_EMBAT": "Battery empty" + _READING,
    "AL_EOIKV": "End of infusion, keep-vein-open running" + _READING,
    "AL_EOIST": "End of infusion, pump stopped" + _READING,
    "AL_FAULT": "Pump fault" + _READING,
    "AL_LWBAT": "Battery low" + _READING,
    "AL_NEOIN": "Near end of infusion" + _READING,
    "AL_OCCLU": "Occlusion" + _READING,
    "AL_VTBIC": "Volume to be infused complete" + _READING,
}


def alarm_text(code: str, pump_text: str | None) -> str:
    """What the console shows for a pump alarm: the pump's own words first."""
    if pump_text and pump_text.strip():
        return f"{pump_text.strip()} ({code})"
    return ALARM_TEXTS.get(code, f"Pump alarm {code} (meaning not published)")
