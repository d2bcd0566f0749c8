"""Philips IntelliVue MP/MX monitors over the MIB/RS232 data-export interface.

Sources: Philips "Data Export Interface Programming Guide", IntelliVue X2, MP and MX
series (framing, FCS and transparency; the association, MDS create event and extended
poll messages; FLOAT-Type, AbsoluteTime and MeasurementState; nomenclature and unit
codes); xeonfusion/VSCaptureMP (message constants and the byte layouts of its
association, poll, MDS create result and release messages, used as test vectors);
mindleaving/patient-monitor-datalogger (extended poll profile options, the RS232 MTU,
the connection time-out rule, the FLOAT examples from the guide); Koshsky/Intellivue-api
(the DevAlarmEntry, StrAlMonInfo and String layouts of the Alert Monitor's alarm lists).
"""

from drivers.intellivue_mib.protocol import IntelliVueProtocol
from drivers.intellivue_mib.simulator import IntelliVueSimulator
from ketaconsole.sdk import DeviceKind, Driver, DriverInfo, LineSettings, SettingField

INFO = DriverInfo(
    slug="intellivue-mib",
    title="Philips IntelliVue monitor (MIB/RS232 data export)",
    vendor="Philips",
    models=("IntelliVue MP20-MP90", "IntelliVue MP5", "IntelliVue MX400-MX800", "IntelliVue X2"),
    kind=DeviceKind.MONITOR,
    line=LineSettings(baudrate=115200),
    published=True,
    sources=(
        "Philips Data Export Interface Programming Guide (IntelliVue X2, MP and MX series)",
        "xeonfusion/VSCaptureMP (framing and message constants)",
        "mindleaving/patient-monitor-datalogger (extended polling, connection time-out)",
        "Koshsky/Intellivue-api (alarm list layouts)",
    ),
    settings=(
        SettingField("baudrate", "Baud rate", "choice", "115200",
                     help="The MIB/RS232 port's fixed baud rate as configured on the monitor.",
                     choices=("115200", "19200")),
        SettingField("pleth", "Poll the pleth wave", "bool", True,
                     help="Ask the monitor for the SpO2 plethysmogram as well as numerics."),
        SettingField("alarms", "Poll the monitor's alarms", "bool", True,
                     help="Ask the monitor for its active patient alarms and INOPs, which "
                          "then show on the console as the monitor's own alarms."),
        SettingField("co2_unit", "CO2 unit (simulator)", "choice", "mmHg",
                     help="The unit the simulated monitor reports EtCO2 in; the driver "
                          "converts either to mm[Hg].",
                     choices=("mmHg", "kPa")),
    ),
)

DRIVER = Driver(INFO, IntelliVueProtocol, IntelliVueSimulator)

__all__ = ["DRIVER", "INFO"]
