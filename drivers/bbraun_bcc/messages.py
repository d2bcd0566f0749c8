"""BCC messages: the console's requests and the station's records (quadruples).

A request is ``AREA:COMMAND`` (``ADMIN:ALIVE``, ``ADMIN:VERSION``, ``MEM:GET``,
``MEM:GETSLOT#<pillar><slot>``). The station answers with records separated by RS,
each ``relative seconds,address,parameter[,value]``. An address is ``501`` + pillar
(0 = the station itself, 1-3) + slot (1-9 then A-O; some stations send two digits).
Values ``_NV`` (no value) and ``_NA`` (not available) carry nothing. Source:
mindleaving/patient-monitor-datalogger (BBraun), reverse-engineered.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

RECORD_SEPARATOR = b"\x1e"
NO_VALUES = frozenset({"_NV", "_NA", ""})

ALIVE = b"ADMIN:ALIVE"
VERSION = b"ADMIN:VERSION"
GET_ALL = b"MEM:GET"


def get_slot(pillar: int, slot: int) -> bytes:
    """The request for one slot's records."""
    return b"MEM:GETSLOT#%d%s" % (pillar, slot_character(slot).encode("ascii"))


def slot_character(slot: int) -> str:
    return str(slot) if slot <= 9 else chr(ord("A") + slot - 10)


@dataclass(frozen=True, slots=True, order=True)
class SlotAddress:
    """Where a pump sits on the station: pillar 1-3, slot counted from the bottom."""

    pillar: int
    slot: int

    @property
    def is_station(self) -> bool:
        return self.pillar == 0

    @property
    def label(self) -> str:
        """The slot as the console names it in device ids: ``1-3`` is pillar 1, slot 3."""
        return f"{self.pillar}-{self.slot}"

    def encode(self) -> str:
        return f"501{self.pillar}{slot_character(self.slot)}"

    @classmethod
    def parse(cls, text: str) -> SlotAddress:
        if not text.startswith("501") or len(text) not in (5, 6) or text[3] not in "0123":
            raise ValueError(f"{text!r} is not a pump address")
        pillar = int(text[3])
        rest = text[4:]
        if (len(rest) == 2 and rest.isdigit()) or (len(rest) == 1 and rest.isdigit()):
            slot = int(rest)
        elif len(rest) == 1 and "A" <= rest <= "O":
            slot = 10 + ord(rest) - ord("A")
        else:
            raise ValueError(f"{text!r} is not a pump address")
        return cls(pillar, slot)


@dataclass(frozen=True, slots=True)
class Record:
    """One quadruple: when (station seconds), where, which parameter, what value."""

    seconds: int
    address: SlotAddress
    parameter: str
    value: str | None

    def encode(self) -> bytes:
        text = f"{self.seconds},{self.address.encode()},{self.parameter}"
        if self.value is not None:
            text += f",{self.value}"
        return text.encode("utf-8")


@lru_cache(maxsize=256)
def _address(text: str) -> SlotAddress:
    """:meth:`SlotAddress.parse`, remembered: a station has a few dozen addresses at most."""
    return SlotAddress.parse(text)


def parse_record(raw: bytes) -> Record:
    """One quadruple, or ``ValueError`` saying what is wrong with it."""
    parts = raw.decode("utf-8", "replace").split(",", 3)
    if len(parts) < 3:
        raise ValueError(f"record {raw[:40]!r} has {len(parts)} parts, not 3 or 4")
    seconds_text, address_text, parameter = parts[0], parts[1], parts[2]
    if not seconds_text.isdigit():
        raise ValueError(f"record time {seconds_text!r} is not a number of seconds")
    value = parts[3] if len(parts) == 4 else None
    return Record(int(seconds_text), _address(address_text), parameter, value)


def encode_records(records: list[Record]) -> bytes:
    return RECORD_SEPARATOR.join(r.encode() for r in records)
