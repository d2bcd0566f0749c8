"""One session's clinical facts: its typed events, their fold, the workflow and the dose.

Owns the timeline's typed events (``events``), the session state as one fold of them
(``state``), the live session model, the nurse's workflow with its permission table and
door, check-in, dose arithmetic and the pump ledger and infusion clock, phase, discharge
scores and the bedside rating scales. May import the catalogue, observations, the live
engine, the alarms and the medication package (the drug library and the one order
check); the store and the security package only inside the calls that need them (the
monitor paints before either loads).
"""
