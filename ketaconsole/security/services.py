"""The guarded console services the UI calls: each call checks the acting person's permission.

:class:`AuthorisedConsole` covers what is not one session's steps: opening and exporting
a record, device profiles, alarm profiles. (A session's steps and timeline entries go
through the session workflow, which asks its door with the permission its table names.)
The acting person comes from a function (normally :meth:`ConsoleLock.current_user`), so
a locked console refuses whatever the screen still shows. A refusal raises ``NotAllowed``
and is on the audit trail.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ketaconsole.alarms.limits import LimitProfile
from ketaconsole.alarms.profile_file import save_profile as save_alarm_profile
from ketaconsole.devices.device_profiles import (
    DeviceSetup,
    SavedProfile,
    UnknownProfileError,
    delete_profile,
    load_profile,
    save_profile,
)
from ketaconsole.security.audit import Action
from ketaconsole.security.guard import Guard
from ketaconsole.security.roles import Permission, permits
from ketaconsole.security.users import ConsoleUser
from ketaconsole.session.workflow import step_permissions
from ketaconsole.store import StoredEvent
from ketaconsole.store.database import Database
from ketaconsole.store.review import timeline

if TYPE_CHECKING:
    from ketaconsole.export.service import ExportFormat, ExportOptions, ExportResult

CurrentUser = Callable[[], ConsoleUser | None]


def export_as(guard: Guard, user: ConsoleUser, database: Database, session_id: int,
              fmt: ExportFormat, folder: Path,
              options: ExportOptions | None = None) -> ExportResult:
    """Export one session as ``user`` (already checked) and audit it."""
    from dataclasses import replace

    from ketaconsole.export.service import ExportOptions, export_session

    options = replace(options or ExportOptions(), author=user.username)
    result = export_session(database, session_id, fmt, folder, options)
    guard.audit.record(Action.EXPORT, actor=user.username, user_id=user.record_id,
                       target=f"session {session_id}",
                       detail={"format": fmt.value, "files": [p.name for p in result.files],
                               "folder": str(folder)})
    return result


class AuthorisedConsole:
    """The guarded calls that are not one session's: records, device and alarm profiles."""

    def __init__(self, database: Database, guard: Guard, current_user: CurrentUser) -> None:
        self.database = database
        self.guard = guard
        self.current_user = current_user

    def open_record(self, session_id: int) -> list[StoredEvent]:
        """A session's timeline for review; opening it is on the audit trail."""
        user = self.guard.require(self.current_user(), Permission.OPEN_RECORD,
                                  target=f"session {session_id}")
        events = timeline(self.database, session_id, seals=False)
        self.guard.audit.record(Action.RECORD_OPENED, actor=user.username,
                                user_id=user.record_id, target=f"session {session_id}")
        return events

    def export(self, session_id: int, fmt: ExportFormat, folder: Path,
               options: ExportOptions | None = None) -> ExportResult:
        user = self.guard.require(self.current_user(), step_permissions()["export"],
                                  target=f"session {session_id}")
        return export_as(self.guard, user, self.database, session_id, fmt, folder, options)

    def may_change_device_profiles(self) -> bool:
        """Whether the person at the console may save or delete device profiles (no audit:
        the Devices screen asks to show itself read-only)."""
        user = self.current_user()
        return user is not None and permits(user.role, Permission.SAVE_DEVICE_PROFILE)

    def save_device_profile(self, setup: DeviceSetup) -> SavedProfile:
        """Save (or replace) a room's device set-up, checked as the screen's form is. Audited."""
        target = f"{setup.room.strip()}/{setup.name.strip()}"
        user = self.guard.require(self.current_user(), Permission.SAVE_DEVICE_PROFILE,
                                  target=target)
        try:
            earlier = load_profile(self.database, setup.room, setup.name).setup
            before: dict[str, Any] | None = {"slug": earlier.slug, "port": earlier.port,
                                             "settings": earlier.settings}
        except UnknownProfileError:
            before = None
        saved = save_profile(self.database, setup, by=user.username,
                             clock=self.guard.audit.clock)
        self.guard.audit.record(Action.DEVICE_PROFILE_SAVED, actor=user.username,
                                user_id=user.record_id, target=target,
                                detail={"slug": saved.setup.slug, "port": saved.setup.port,
                                        "settings": saved.setup.settings, "before": before})
        return saved

    def delete_device_profile(self, room: str, name: str) -> None:
        """Remove a room's device set-up. Audited."""
        target = f"{room.strip()}/{name.strip()}"
        user = self.guard.require(self.current_user(), Permission.SAVE_DEVICE_PROFILE,
                                  target=target)
        earlier = load_profile(self.database, room, name).setup
        delete_profile(self.database, room, name, by=user.username)
        self.guard.audit.record(Action.DEVICE_PROFILE_DELETED, actor=user.username,
                                user_id=user.record_id, target=target,
                                detail={"slug": earlier.slug, "port": earlier.port,
                                        "settings": earlier.settings})

    def save_alarm_profile(self, profile: LimitProfile,
                           path: str | os.PathLike[str]) -> None:
        """Write the clinic's alarm limit profile; audited."""
        user = self.guard.require(self.current_user(), Permission.EDIT_ALARM_PROFILE,
                                  target=str(path))
        save_alarm_profile(profile, path)
        self.guard.audit.record(Action.ALARM_PROFILE_EDITED, actor=user.username,
                                user_id=user.record_id, target=Path(path).name)
