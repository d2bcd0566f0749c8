"""The room's devices: finding drivers, opening ports, running links, serving simulators.

Owns the driver registry (entry points and the clinic's allow-list), the transport (a
link per device: bytes in and out, reconnect with back-off, the journal hook), serial
port discovery, the saved device profiles of each room and a device's spec in a room,
and the simulator hosts (a driver's simulator on a pty, or in memory against its driver).
May import the driver SDK, the catalogue and observations, the store (profiles); never
the UI, never a driver module by name.
"""
