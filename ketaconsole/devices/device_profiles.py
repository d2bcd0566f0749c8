"""Device profiles: a room's saved device set-ups (driver, port, line and driver settings).

Every change to a profile goes through :func:`save_profile` or :func:`delete_profile`,
each told who makes the change (``by``), so that the one place where a role check and an
audit entry belong is here. What a technician typed is checked by
:func:`read_line_settings` and :func:`setup_problems`, which name each bad field in one
sentence that says what to do.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ketaconsole.catalogue import CATALOGUE, NIBP_DIA, NIBP_MEAN, NIBP_SYS
from ketaconsole.devices.device_spec import DeviceSpec
from ketaconsole.names import Field, text_problem
from ketaconsole.sdk import LineSettings
from ketaconsole.store import DatabaseUnavailable, open_database
from ketaconsole.store.database import Database
from ketaconsole.store.models import DeviceProfile

log = logging.getLogger(__name__)

PARITIES = {"N": "none", "E": "even", "O": "odd", "M": "mark", "S": "space"}
BYTE_SIZES = (5, 6, 7, 8)
STOP_BITS = (1.0, 1.5, 2.0)
FLOW_CONTROLS = ("none", "xonxoff", "rtscts")
"""Handshake names: no handshake, XON/XOFF (software), RTS/CTS (hardware)."""


class ProfileProblems(ValueError):
    """A device set-up that cannot be saved or used as typed: one sentence per bad field."""

    def __init__(self, problems: Mapping[str, str]) -> None:
        self.problems = dict(problems)
        super().__init__(" ".join(self.problems.values()))


class UnknownProfileError(LookupError):
    """No profile of that name in that room."""


@dataclass(frozen=True, slots=True)
class DeviceSetup:
    """One device as a room uses it: which driver, on which port, with which settings."""

    name: str
    room: str
    slug: str
    port: str
    line: LineSettings = field(default_factory=LineSettings)
    settings: dict[str, Any] = field(default_factory=dict)
    primary_for: tuple[str, ...] = ()
    """Metrics (refids) this device is the room's primary source of, when another device
    measures them too; by default the dedicated device is (see ``metric_sources``)."""


@dataclass(frozen=True, slots=True)
class SavedProfile:
    """A device set-up as stored, with its row id and when it was first saved."""

    id: int
    setup: DeviceSetup
    created_at: float


def flow_control(line: LineSettings) -> str:
    """The handshake of ``line`` by its name in :data:`FLOW_CONTROLS`."""
    return "rtscts" if line.rtscts else "xonxoff" if line.xonxoff else "none"


def read_line_settings(texts: Mapping[str, str]) -> LineSettings:
    """Line settings from typed text (``baudrate``, ``bytesize``, ``parity``, ``stopbits``,
    ``flow``), or :class:`ProfileProblems` naming each field that is wrong."""
    problems: dict[str, str] = {}
    baud_text = texts.get("baudrate", "").strip()
    baudrate = 0
    try:
        baudrate = int(baud_text)
        if baudrate <= 0:
            raise ValueError(baud_text)
    except ValueError:
        problems["baudrate"] = (f"the baud rate must be a whole number of bits per second "
                                f"such as 9600, not {baud_text!r}")
    size_text = texts.get("bytesize", "8").strip()
    bytesize = 8
    try:
        bytesize = int(size_text)
        if bytesize not in BYTE_SIZES:
            raise ValueError(size_text)
    except ValueError:
        problems["bytesize"] = f"data bits must be 5, 6, 7 or 8, not {size_text!r}"
    parity = texts.get("parity", "N").strip().upper()[:1]
    if parity not in PARITIES:
        problems["parity"] = ("parity must be none, even, odd, mark or space, "
                              f"not {texts.get('parity', '')!r}")
    stop_text = texts.get("stopbits", "1").strip()
    stopbits = 1.0
    try:
        stopbits = float(stop_text)
        if stopbits not in STOP_BITS:
            raise ValueError(stop_text)
    except ValueError:
        problems["stopbits"] = f"stop bits must be 1, 1.5 or 2, not {stop_text!r}"
    flow = texts.get("flow", "none").strip().lower()
    if flow not in FLOW_CONTROLS:
        problems["flow"] = ("flow control must be none, XON/XOFF or RTS/CTS, "
                            f"not {texts.get('flow', '')!r}")
    if problems:
        raise ProfileProblems(problems)
    stop: float = int(stopbits) if stopbits.is_integer() else stopbits
    return LineSettings(baudrate=baudrate, bytesize=bytesize, parity=parity, stopbits=stop,
                        xonxoff=flow == "xonxoff", rtscts=flow == "rtscts")


def setup_problems(setup: DeviceSetup) -> dict[str, str]:
    """What keeps ``setup`` from being saved, one sentence per field (empty: nothing)."""
    problems: dict[str, str] = {}
    if not setup.name.strip():
        problems["name"] = "give the profile a name, such as 'Monitor bed 2'"
    elif (problem := text_problem(setup.name, Field.LABEL, what="the profile name")):
        problems["name"] = problem
    if not setup.room.strip():
        problems["room"] = "name the room this profile is for, such as 'Room 1'"
    elif (problem := text_problem(setup.room, Field.LABEL, what="the room name")):
        problems["room"] = problem
    if not setup.slug.strip():
        problems["slug"] = "choose the driver this device needs"
    if not setup.port.strip():
        problems["port"] = ("enter the port the device is on, such as /dev/ttyUSB0, COM3, "
                            "socket://host:4001 or sim://masimo-ascii (a simulator)")
    elif len(setup.port.strip()) > 300:
        problems["port"] = "the port is too long; keep it under 300 characters"
    unknown = [refid for refid in setup.primary_for if refid not in CATALOGUE]
    if unknown:
        problems["primary_for"] = (f"{', '.join(unknown)} is not a metric the console knows; "
                                   "choose the metrics from the list")
    return problems


def read_primary_for(text: str) -> tuple[str, ...]:
    """Metrics typed as their short names or refids (``"SpO2, PR"``), as refids, or
    :class:`ProfileProblems` naming the ones the console does not know."""
    by_name: dict[str, tuple[str, ...]] = {
        _folded(known.short): (refid,) for refid, known in CATALOGUE.items()}
    by_name["nibp"] = (NIBP_SYS.refid, NIBP_DIA.refid, NIBP_MEAN.refid)  # one reading
    found: list[str] = []
    unknown: list[str] = []
    for word in (w.strip() for w in text.replace(";", ",").split(",")):
        if not word:
            continue
        refids = (word,) if word in CATALOGUE else by_name.get(_folded(word))
        if refids is None:
            unknown.append(word)
        found.extend(r for r in refids or () if r not in found)
    if unknown:
        names = ", ".join(sorted({known.short for known in CATALOGUE.values()}))
        raise ProfileProblems({"primary_for": (
            f"{', '.join(repr(w) for w in unknown)} is not a metric the console knows; "
            f"write metrics as {names} or NIBP, separated by commas")})
    return tuple(found)


def describe_primary_for(refids: tuple[str, ...]) -> str:
    """Refids as the short names a technician types back (``"SpO2, PR"``)."""
    return ", ".join(CATALOGUE[r].short if r in CATALOGUE else r for r in refids)


def _folded(name: str) -> str:
    """A metric name as typed: SpO\u2082 and SpO2 alike, case and spaces ignored."""
    return name.translate(_SUBSCRIPTS).replace(" ", "").casefold()


_SUBSCRIPTS = str.maketrans("\u2080\u2081\u2082\u2083\u2084\u2085\u2086\u2087\u2088\u2089",
                            "0123456789")


def _stored(row: DeviceProfile) -> SavedProfile:
    line_record = row.line or {}
    line = LineSettings(**{f.name: line_record[f.name] for f in fields(LineSettings)
                           if f.name in line_record})
    setup = DeviceSetup(row.name, row.room, row.slug, row.port, line, dict(row.settings or {}),
                        tuple(row.primary_for or ()))
    return SavedProfile(row.id, setup, row.created_at)


def save_profile(database: Database, setup: DeviceSetup, *, by: str,
                 clock: Callable[[], float] = time.time) -> SavedProfile:
    """Save ``setup`` as its room's profile of that name (replacing one of the same name).

    ``by`` is who saves it. Raises :class:`ProfileProblems` when the set-up is incomplete.
    """
    problems = setup_problems(setup)
    if problems:
        raise ProfileProblems(problems)
    name, room = setup.name.strip(), setup.room.strip()
    with database.sessions() as session, session.begin():
        taken = _primary_elsewhere(session, room, name, setup.primary_for)
        if taken:
            raise ProfileProblems({"primary_for": taken})
        row = session.scalars(select(DeviceProfile).where(
            DeviceProfile.room == room, DeviceProfile.name == name)).one_or_none()
        if row is None:
            row = DeviceProfile(room=room, name=name, created_at=clock())
            session.add(row)
        row.slug = setup.slug.strip()
        row.port = setup.port.strip()
        row.line = setup.line.as_record()
        row.settings = dict(setup.settings)
        row.primary_for = list(setup.primary_for)
        session.flush()
        saved = _stored(row)
    log.info("device profile %r of %r saved by %s", name, room, by)
    return saved


def _primary_elsewhere(session: Session, room: str, name: str,
                       primary_for: tuple[str, ...]) -> str:
    """A sentence when another profile of the room is already primary for one of these
    metrics (a metric has one primary device), else ``""``."""
    others = session.scalars(select(DeviceProfile).where(
        DeviceProfile.room == room, DeviceProfile.name != name))
    for other in others:
        shared = [r for r in primary_for if r in (other.primary_for or ())]
        if shared:
            return (f"{describe_primary_for(tuple(shared))} already comes first from "
                    f"{other.name!r}; take it off that profile before making this one "
                    "the primary")
    return ""


def list_profiles(database: Database, room: str | None = None) -> list[SavedProfile]:
    """The saved profiles, by room then name; only ``room``'s when given."""
    query = select(DeviceProfile).order_by(DeviceProfile.room, DeviceProfile.name)
    if room is not None:
        query = query.where(DeviceProfile.room == room.strip())
    with database.sessions() as session:
        return [_stored(row) for row in session.scalars(query)]


def load_profile(database: Database, room: str, name: str) -> SavedProfile:
    """The profile ``name`` of ``room``, or :class:`UnknownProfileError`."""
    with database.sessions() as session:
        row = session.scalars(select(DeviceProfile).where(
            DeviceProfile.room == room.strip(), DeviceProfile.name == name.strip())
        ).one_or_none()
        if row is None:
            raise UnknownProfileError(f"room {room!r} has no device profile {name!r}; "
                                      "refresh the list and choose one that is there")
        return _stored(row)


def delete_profile(database: Database, room: str, name: str, *, by: str) -> None:
    """Remove the profile ``name`` of ``room``; ``by`` is who removes it."""
    with database.sessions() as session, session.begin():
        row = session.scalars(select(DeviceProfile).where(
            DeviceProfile.room == room.strip(), DeviceProfile.name == name.strip())
        ).one_or_none()
        if row is None:
            raise UnknownProfileError(f"room {room!r} has no device profile {name!r}; "
                                      "refresh the list and choose one that is there")
        session.delete(row)
    log.info("device profile %r of %r deleted by %s", name, room, by)


def room_specs(database: Database, room: str) -> list[DeviceSpec]:
    """A room's saved device profiles as the room builder takes them."""
    return [DeviceSpec(p.setup.name, p.setup.slug, p.setup.port,
                       label=f"{p.setup.name} ({p.setup.slug})",
                       settings=dict(p.setup.settings), line=p.setup.line,
                       primary_for=frozenset(p.setup.primary_for))
            for p in list_profiles(database, room)]


def profile_specs(url: str, room: str) -> list[DeviceSpec]:
    """The room's device specs from the record at ``url`` (none if it cannot be read:
    the room builder then says why nothing is recorded)."""
    try:
        database = open_database(url)
    except DatabaseUnavailable:
        return []
    try:
        return room_specs(database, room)
    finally:
        database.dispose()
