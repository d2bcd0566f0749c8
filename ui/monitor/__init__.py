"""The live monitor: tiles, pleth, trend, alarm bar, pump panel, header, status strip, tones."""
