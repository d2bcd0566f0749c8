"""The clinic overview: its window, a card per room, a room's detail, the overview app."""
