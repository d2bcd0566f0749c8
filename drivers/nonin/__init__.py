"""Nonin pulse oximeters: serial data formats #2, #7 and #8 and the ASCII real-time output.

Sources: Nonin's "Onyx II Model 9560 Bluetooth Fingertip Oximeter OEM Specification and
Technical Information" (6470-000-01; a public copy is in the repository
mattjlewis/NoninPulseOx), which gives the format-select command and its ACK/NAK, the
frame and packet layouts of formats #2, #7 and #8, the status bits, the checksum and
the missing-data codes (HR 511, SpO2 127); the OEM III status-byte description of the
sensor-disconnect bit; OpenICE's pulse-ox Packet.java (mdpnp/mdpnp), which reads the
same 25-frame packet; and the operator's manuals of the Avant 9600, Avant 4000 / BT4000
and 8600V ("Real-Time Patient Data Output") for the ASCII lines.
"""

from drivers.nonin.codes import AVERAGINGS, FORMAT_CHOICES
from drivers.nonin.protocol import NoninProtocol
from drivers.nonin.simulator import NoninSimulator
from ketaconsole.sdk import DeviceKind, Driver, DriverInfo, LineSettings, SettingField

INFO = DriverInfo(
    slug="nonin",
    title="Nonin pulse oximeter (serial data formats #2, #7, #8 and ASCII output)",
    vendor="Nonin",
    models=("OEM III", "9560 Onyx II", "3150 WristOx2", "Xpod", "Avant 9600", "BT4000"),
    kind=DeviceKind.OXIMETER,
    line=LineSettings(baudrate=9600),
    published=True,
    sources=(
        "Nonin 9560 OEM specification 6470-000-01 (copy in mattjlewis/NoninPulseOx)",
        "Nonin OEM III specification, status byte (sensor disconnect)",
        "mdpnp/mdpnp OpenICE pulse-ox Packet.java",
        "Nonin Avant 9600 / Avant 4000 / 8600V operator's manuals, real-time data output",
    ),
    settings=(
        SettingField("format", "Data format", "choice", "7",
                     help="#2: 8-bit pleth; #7: 16-bit pleth; #8: values once a second; "
                          "ascii: SPO2=097 HR=072 lines of display oximeters (Avant 9600, "
                          "BT4000).", choices=FORMAT_CHOICES),
        SettingField("averaging", "SpO2 and pulse-rate averaging (formats #2 and #7)",
                     "choice", "display",
                     help="; ".join(f"{a.name}: {a.description}"
                                    for a in AVERAGINGS.values()),
                     choices=tuple(AVERAGINGS)),
    ),
)

DRIVER = Driver(INFO, NoninProtocol, NoninSimulator)

__all__ = ["DRIVER", "INFO"]
