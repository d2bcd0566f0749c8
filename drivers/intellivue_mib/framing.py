"""MIB/RS232 framing: BOF, header, user data, FCS, EOF, with byte transparency and resync.

A frame on the line is ``0xC0`` + escaped(header + user data + FCS) + ``0xC1``. The
header is protocol id ``0x11``, message type ``0x01`` and the user-data length (16 bits,
high byte first). The FCS is CRC-16/X-25 (the PPP FCS-16: reflected polynomial 0x8408,
start 0xFFFF, final complement; check value 0x906E for ``b"123456789"``) over header and
user data before escaping, sent low byte first. Inside the frame 0xC0, 0xC1 and 0x7D are
sent as 0x7D followed by the byte XOR 0x20; 0x7D followed by a bare 0xC1 aborts the frame.
The SDK's framers find the frames and undo the escaping (:class:`FrameReader`).
"""

from __future__ import annotations

import binascii

from drivers.intellivue_mib.codes import BOF, EOF, ESC, ESC_XOR, MSG_TYPE, PROTOCOL_ID
from ketaconsole.sdk import ByteStuffing, DelimitedFrames, ErrorKind, Fault

MAX_USER_DATA = 8192
"""Far above the RS232 MTU (1000 bytes): anything longer is line noise, not a frame."""


_BIT_REVERSED = bytes(int(f"{byte:08b}"[::-1], 2) for byte in range(256))


def fcs16(data: bytes) -> int:
    """CRC-16/X-25 of ``data`` (the value sent, already complemented).

    X-25 is the reflected form of the CCITT polynomial 0x1021, so it equals the plain
    (unreflected) CCITT CRC, start 0xFFFF, over bit-reversed bytes, with the 16-bit
    result bit-reversed and complemented; ``binascii.crc_hqx`` computes the plain form
    in C, which keeps decoding well above the line's speed.
    """
    crc = binascii.crc_hqx(data.translate(_BIT_REVERSED), 0xFFFF)
    reflected = _BIT_REVERSED[crc & 0xFF] << 8 | _BIT_REVERSED[crc >> 8]
    return reflected ^ 0xFFFF


_SPECIAL = frozenset({BOF, EOF, ESC})


def escape(body: bytes) -> bytes:
    """Byte transparency: each 0xC0, 0xC1, 0x7D becomes 0x7D, byte ^ 0x20."""
    out = bytearray()
    for byte in body:
        if byte in _SPECIAL:
            out += bytes((ESC, byte ^ ESC_XOR))
        else:
            out.append(byte)
    return bytes(out)


def encode_frame(user_data: bytes) -> bytes:
    """One complete frame on the line carrying ``user_data``."""
    if len(user_data) > 0xFFFF:
        raise ValueError("user data longer than a frame can carry")
    body = bytes((PROTOCOL_ID, MSG_TYPE)) + len(user_data).to_bytes(2, "big") + user_data
    return bytes((BOF,)) + escape(body + fcs16(body).to_bytes(2, "little")) + bytes((EOF,))


TRANSPARENCY = ByteStuffing({bytes((byte,)): bytes((ESC, byte ^ ESC_XOR))
                             for byte in (BOF, EOF, ESC)})
"""Byte transparency as the SDK's :class:`~ketaconsole.sdk.ByteStuffing`: an escape
before anything but an escaped 0xC0, 0xC1 or 0x7D (or before EOF: the sender's abort)
is a framing error."""


class FrameReader:
    """Turns any chunking of line bytes into frames' user data and frame errors.

    The SDK's :class:`~ketaconsole.sdk.DelimitedFrames` finds each BOF ... EOF and
    undoes byte transparency with :data:`TRANSPARENCY`; this reader checks the FCS, the
    header and the length.
    """

    def __init__(self) -> None:
        self._frames = DelimitedFrames(BOF, EOF, max_frame=2 * (MAX_USER_DATA + 6),
                                       line_noise=b"", stuffing=TRANSPARENCY)
        self.frames = 0
        self.errors = 0

    def feed(self, data: bytes) -> list[bytes | Fault]:
        """User data of each good frame completed by ``data``, and each error, in order."""
        found: list[bytes | Fault] = []
        for item in self._frames.feed(data):
            if isinstance(item, Fault):
                self.errors += 1
                found.append(item)
            else:
                found.append(self._finish(item))
        return found

    def _error(self, kind: ErrorKind, detail: str) -> Fault:
        self.errors += 1
        return Fault(kind, detail)

    def _finish(self, body: bytes) -> bytes | Fault:
        if len(body) < 6:
            return self._error(ErrorKind.FRAMING, f"a frame of {len(body)} bytes is too short")
        if len(body) > MAX_USER_DATA + 6:
            return self._error(ErrorKind.FRAMING, f"a frame of {len(body)} bytes is too long")
        content, sent = body[:-2], int.from_bytes(body[-2:], "little")
        computed = fcs16(content)
        if computed != sent:
            return self._error(ErrorKind.CHECKSUM,
                               f"FCS {sent:04X} where the frame gives {computed:04X}")
        if content[0] != PROTOCOL_ID or content[1] != MSG_TYPE:
            return self._error(ErrorKind.FRAMING, f"unknown frame header {content[:2].hex()}")
        length = int.from_bytes(content[2:4], "big")
        if length != len(content) - 4:
            return self._error(
                ErrorKind.FRAMING,
                f"header says {length} bytes of user data, frame has {len(content) - 4}")
        self.frames += 1
        return content[4:]
