"""New Era NE-1000 family syringe pumps over RS-232 (basic and safe mode).

For training rigs and bench tests: the maker labels these pumps not for clinical use
on humans. Telemetry (status, rate, volume infused, volume to be infused, syringe
diameter, direction, alarms, model and firmware) works without control; control
(diameter, rate, volume, run, stop, clear the counter) needs ``control_enabled``.
Safe mode (CRC-16) is the default: basic mode has no check, so damage on the line
reads as other numbers (rate 52.5 as 525); choosing it is a technician's decision for a
pump that cannot be set to safe mode, made in the device's settings (``mode=basic``).
The factory line speed is 19200 8N1; a pump set to 9600 is reached with the
device's line settings (``DeviceLink(line=...)``, ``ketaconsole probe --baud 9600``).

Sources: the NE-1000 user manual (New Era Pump Systems, publication 1200-01), RS-232
chapter: basic and safe mode syntax, status and alarm letters, command errors, the
command set; florian-lapp/nesp-lib-py (the safe-mode length byte and CRC byte order,
the reply forms of VER, RAT, VOL and DIS).
"""

from drivers.ne1000.protocol import Ne1000Protocol
from drivers.ne1000.simulator import Ne1000Simulator
from ketaconsole.sdk import DeviceKind, Driver, DriverInfo, LineSettings, SettingField

INFO = DriverInfo(
    slug="ne1000",
    title="New Era NE-1000 syringe pump (training and bench use; not for clinical use "
          "on humans)",
    vendor="New Era Pump Systems",
    models=("NE-1000", "NE-1010", "NE-1600", "NE-1800"),
    kind=DeviceKind.PUMP,
    line=LineSettings(baudrate=19200),
    published=True,
    sources=(
        "New Era NE-1000 user manual, RS-232 protocol chapter (public)",
        "florian-lapp/nesp-lib-py",
    ),
    settings=(
        SettingField("address", "Pump network address", "int", 0,
                     help="Set on the pump's keypad (0-99); 0 for a single pump.",
                     minimum=0, maximum=99),
        SettingField("mode", "Communication mode", "choice", "safe",
                     help="Safe mode (the default) checks every packet with a CRC, so damage "
                          "on the line gives no value. Basic mode has no check: a lost "
                          "digit reads as another number (52.5 as 525). Choose basic only "
                          "as a technician, for a pump that cannot be set to safe mode.",
                     choices=("safe", "basic")),
        SettingField("poll_interval_s", "Seconds between readings", "float", 1.0,
                     minimum=0.2, maximum=10.0),
        SettingField("reply_timeout_s", "Seconds to wait for a reply", "float", 1.0,
                     help="Raise it for a pump behind a slow network device server.",
                     minimum=0.1, maximum=10.0),
        SettingField("control_enabled", "Allow the console to control the pump", "bool",
                     False, help="Off: telemetry only. On: the console may set diameter, "
                                 "rate and volume, start and stop the pump.",
                     commands_device=True),
    ),
)

DRIVER = Driver(INFO, Ne1000Protocol, Ne1000Simulator)

__all__ = ["DRIVER", "INFO"]
