"""One bedside put together: the room builder, its record, its security, its station.

Owns the one way a room is made and opened (``room``: ``new_room``, ``RoomStart.finish``,
``build_room``), opening the room's record (``room_record``), the lock, guard and audit
trail of the bedside (``security``), the station's name and lock, and who acts when
nobody is logged in. Composes devices, live, session, store and security; nothing below
it imports it (the overview reads a room through its ``PublishedRoom`` interface).
"""
