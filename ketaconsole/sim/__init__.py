"""The simulated patient: the story (scenario) that every simulator follows, in one place.

Owns the virtual patient and its scenarios (vital signs, pleth, the pump's story). The
driver SDK hands it to simulators; it imports only the catalogue.
"""
