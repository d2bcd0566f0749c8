"""The clinic overview: every room's live status over the clinic's own database.

Each room publishes its status (:mod:`.status`, :mod:`.publisher`); the overview and
``ketaconsole rooms`` read it (:mod:`.reader`), judge which rooms have fallen silent and
what should sound at the desk (:mod:`.board`), and ask a room to acknowledge its alarms
(:mod:`.commands`), which the room does itself, on its own timeline.
"""
