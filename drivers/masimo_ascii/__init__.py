"""Masimo Rad-7 / Rad-8 / Radical-7 serial output "ASCII 1" (one text line a second).

Sources: the Rad-8 operator's manual, serial interface section (a public copy is kept
in the repository remkolems/masimo-datacapture, whose capture script also documents
the ALARM bits it worked out by experiment); OpenICE's masimo-radical-7 spec
(mdpnp/mdpnp). The EXC (exception) bits are from the manual; the ALARM bits are
reverse-engineered and flagged as such in the alarm text.
"""

from drivers.masimo_ascii.protocol import MasimoAsciiProtocol
from drivers.masimo_ascii.simulator import MasimoAsciiSimulator
from ketaconsole.sdk import DeviceKind, Driver, DriverInfo, LineSettings, SettingField

INFO = DriverInfo(
    slug="masimo-ascii",
    title="Masimo pulse oximeter (ASCII 1 serial output)",
    vendor="Masimo",
    models=("Rad-7", "Rad-8", "Radical-7"),
    kind=DeviceKind.OXIMETER,
    line=LineSettings(baudrate=9600),
    published=True,
    sources=(
        "Masimo Rad-8 operator's manual, serial interface (ASCII 1)",
        "remkolems/masimo-datacapture (ALARM bits, by experiment)",
        "mdpnp/mdpnp OpenICE masimo-radical-7 spec",
    ),
    settings=(
        SettingField("model", "Oximeter model", "choice", "rad8",
                     help="Rad-8 prints PI=03.60%; Rad-7 prints PI=00.55 without %.",
                     choices=("rad8", "rad7", "radical7")),
    ),
)

DRIVER = Driver(INFO, MasimoAsciiProtocol, MasimoAsciiSimulator)

__all__ = ["DRIVER", "INFO"]
