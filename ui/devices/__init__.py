"""The technician's Devices page: drivers, ports, profiles and the live connection check."""
