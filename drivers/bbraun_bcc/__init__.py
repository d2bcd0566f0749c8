"""B. Braun Space pumps through a SpaceStation / SpaceCom, BCC protocol (read-only).

Reverse-engineered: the maker's BCC document is not public. Source: mindleaving/
patient-monitor-datalogger (``PatientMonitorDataLogger/BBraun``: framing, checksum,
character stuffing, request grammar, pump addresses, and a capture of a real station's
answer kept in its tests). The station is usually reached over TCP on port 4001
(``socket://station:4001``); it also has a serial port. Each pump slot is reported as
its own pump, device id ``<device id>/<pillar>-<slot>``.
"""

from drivers.bbraun_bcc.protocol import BBraunBccProtocol
from drivers.bbraun_bcc.simulator import BBraunBccSimulator
from ketaconsole.sdk import DeviceKind, Driver, DriverInfo, LineSettings, SettingField

INFO = DriverInfo(
    slug="bbraun-bcc",
    title="B. Braun Space pumps via SpaceStation (BCC protocol, read-only)",
    vendor="B. Braun",
    models=("Perfusor Space", "Infusomat Space", "SpaceStation", "SpaceCom"),
    kind=DeviceKind.PUMP,
    line=LineSettings(baudrate=9600),
    published=False,
    sources=(
        "mindleaving/patient-monitor-datalogger BBraun (reverse-engineered)",
    ),
    settings=(
        SettingField("poll_s", "Seconds between polls of the station", "float", 5.0,
                     help="The source polls no faster than every 5 s; faster polling is "
                          "for simulators and bench tests.", minimum=1.0, maximum=60.0),
        SettingField("stuffing", "Character stuffing", "bool", False,
                     help="On when the station is configured to stuff d, D, e and E."),
        SettingField("sim_slots", "Pumps on the simulated station", "int", 3,
                     help="Simulator only: slot 1-1 runs the infusion, 1-2 is ready, 1-3 "
                          "(if there) is in standby.", minimum=2, maximum=3),
    ),
    default_port="socket://spacestation:4001",
)

DRIVER = Driver(INFO, BBraunBccProtocol, BBraunBccSimulator)

__all__ = ["DRIVER", "INFO"]
