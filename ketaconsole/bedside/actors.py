"""Who the record names as acting when nobody is logged in at the console."""

NO_LOGIN_AUTHOR = "nurse (no log-in)"
"""Whoever acts at a console without log-ins (it has no record database)."""

LOCKED_ACTOR = "someone at the locked console"
"""Whoever acts (an alarm action) while the console is locked, or its record still opens."""
