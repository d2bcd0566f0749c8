"""Reading and writing limit profiles as JSON files, and where the default profile lives."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from ketaconsole.alarms.limits import LimitProfile, ProfileError, profile_from_record

DEFAULT_PROFILE = (Path(__file__).resolve().parents[2] / "resources" / "alarm_profiles"
                   / "default.json")


def load_profile(path: str | os.PathLike[str] = DEFAULT_PROFILE) -> LimitProfile:
    """Read and validate a profile file; any problem raises :class:`ProfileError`."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ProfileError([f"The limit profile {path.name} cannot be read "
                            f"({exc.strerror or exc}); check the file exists."]) from None
    try:
        record = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ProfileError([f"The limit profile {path.name} is not valid JSON (line "
                            f"{exc.lineno}, column {exc.colno}: {exc.msg}); fix it."]) from None
    return profile_from_record(record)


def default_profile() -> LimitProfile:
    return load_profile(DEFAULT_PROFILE)


def profile_to_json(profile: LimitProfile) -> str:
    """The profile as JSON text, as stored with a session and written to a file."""
    return json.dumps(profile.as_record(), indent=2, sort_keys=False) + "\n"


def profile_from_json(text: str) -> LimitProfile:
    try:
        record = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ProfileError([f"The stored limit profile is not valid JSON ({exc.msg})."]
                           ) from None
    return profile_from_record(record)


def save_profile(profile: LimitProfile, path: str | os.PathLike[str]) -> None:
    """Write the profile so that a crash never leaves half a file (write, then rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(profile_to_json(profile))
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
