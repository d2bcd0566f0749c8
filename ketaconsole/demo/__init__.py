"""The demo: its cast, its room on simulators with its own record, and its past course.

Owns the demo's room (simulators on ptys following one virtual patient, the demo's own
record and users), its cast (the patient, the devices per role), and the course history
it seeds: infusions given through the clinic's own path on a story clock
(``story_infusions``, which tests use too). Composes a bedside; nothing of the product
imports it but the command line.
"""
