"""BCC pump parameters the console reads, and what we take each to mean.

The names are those a SpaceStation sends (a capture is kept in the tests of
mindleaving/patient-monitor-datalogger); their meanings are read from that project's
field list and from the values in the capture, not from a maker's document. Where a
meaning is our own reading, it says so here.
"""

from __future__ import annotations

# Station (address 50100) answers.
ACKNOWLEDGE = "GNACK"
ERROR = "GNERR"
NEW_PUMP = "GNNEW"  # value: the pump's model / article code
MODEL = "GNMODEL"

# Pump records.
RATE = "INRT"  # mL/h
VOLUME_INFUSED = "INVI"  # mL since the pump's counter was last cleared
VTBI = "INVTBI"  # mL; our assumption: no capture shows a VTBI record
SOLUTION = "INSOL"  # drug / solution long name
SOLUTION_SHORT = "INSOLSN"
SYRINGE_LEFT = "INVOLACT"  # mL left in the syringe (our reading of the capture)
SYRINGE_SIZE = "INSYR"  # mL; 0 when no syringe
CONCENTRATION = "INDCON"
CONCENTRATION_UNIT = "INDCONU"  # unit code, see CONCENTRATION_TO_MG_ML
PRESSURE_PERCENT = "INP2"  # actual pressure, per cent of the occlusion limit
SERIAL_NUMBER = "INSERNUM"
MODE_FLAG = "INM"  # INM1..INM12, 0/1
ALARM_FLAG = "INA"  # INA1..INA15, 0/1

# INMn flags, our reading of the capture against the datalogger's field list.
MODE_READY = "INM1"
MODE_RUNNING = "INM3"
MODE_STANDBY = "INM6"

# Concentration unit codes (datalogger's unit table) to a factor giving mg/mL.
CONCENTRATION_TO_MG_ML = {30: 1e-6, 31: 1.0, 32: 1e-3, 33: 1000.0}

ERROR_TEXTS = {
    11: "No further data, or no pumps on the station",
    39: "Pump removed from its slot",
    68: "The station did not understand the request",
    811: "No pump at this address",
}
PUMP_REMOVED = 39


def alarm_text(flag: str) -> str:
    return f"Pump alarm flag {flag} set (meaning of the flag not published)"
