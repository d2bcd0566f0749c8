"""KetaConsole's built-in device drivers and their simulators.

Each driver is a package exposing ``DRIVER`` (a :class:`ketaconsole.sdk.Driver`),
registered under the ``ketaconsole.drivers`` entry-point group in pyproject.toml.
Drivers import only the public SDK (``ketaconsole.sdk``), never Qt or the UI.
"""
