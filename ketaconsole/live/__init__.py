"""What the bedside shows now: the engine, each metric's primary device, freshness, trends.

Owns the engine (latest values per device, wave rings, pump ledgers, link states), the
choice of each metric's primary device, the freshness rule in words,
the trend history and its decimation, the alarm loop's thread and the checks that fall
due (the next blood pressure). May import the catalogue, observations and the alarms;
never the store or the UI.
"""
