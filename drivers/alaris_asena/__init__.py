"""BD Alaris (Asena) GH / CC syringe pumps: read-only telemetry over the pump's RS-232 port.

Reverse-engineered: no maker's document is public. Sources: OpenICE (mdpnp/mdpnp,
``org.mdpnp.devices.alaris.Asena`` and the Alaris simulators and man-in-the-middle
tools beside it, which log real pump replies) and jaj42/infupy (``infupy/backends/
alaris.py``), for the command names, the INF reply's field order, the CRC-16/
CCITT-FALSE check digits, the security code (the same CRC over the serial number)
and the remote-control keep-alive. The console never sends an infusion command.
"""

from drivers.alaris_asena.protocol import AlarisAsenaProtocol
from drivers.alaris_asena.simulator import AlarisAsenaSimulator
from ketaconsole.sdk import DeviceKind, Driver, DriverInfo, LineSettings, SettingField

INFO = DriverInfo(
    slug="alaris-asena",
    title="BD Alaris GH / CC syringe pump (Asena protocol, read-only)",
    vendor="BD (Alaris, formerly Asena)",
    models=("Alaris GH", "Alaris CC", "Asena GH", "Asena CC"),
    kind=DeviceKind.PUMP,
    line=LineSettings(baudrate=38400),
    published=False,
    sources=(
        "mdpnp/mdpnp OpenICE Asena.java and Alaris simulators (reverse-engineered)",
        "jaj42/infupy infupy/backends/alaris.py (reverse-engineered)",
    ),
    settings=(
        SettingField("poll_s", "Seconds between status polls", "float", 1.0,
                     help="Each poll reads the alarm, the VTBI and the infusion status.",
                     minimum=0.2, maximum=60.0),
        SettingField("remote_timeout_s", "Remote-control time-out (s)", "float", 4.0,
                     help="The keep-alive is re-sent at half this time (or half the pump's "
                          "own time-out, if shorter).", minimum=1.0, maximum=60.0),
        SettingField("remote_control", "Keep remote control enabled", "bool", False,
                     help="Off (the default): the console only reads and never enables "
                          "remote control. On: the console enables it and keeps it alive; "
                          "if the console stops without releasing it, the pump raises its "
                          "communication time-out alarm. Enable only where the clinic "
                          "needs it.", commands_device=True),
    ),
)

DRIVER = Driver(INFO, AlarisAsenaProtocol, AlarisAsenaSimulator)

__all__ = ["DRIVER", "INFO"]
