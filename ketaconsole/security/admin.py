"""User management, plugin approval, clinic settings and the drug library as an admin does
them: guarded and audited."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ketaconsole.medication.clinic_library import (
    LibraryInForce,
    library_in_force,
    store_library,
    stored_version,
)
from ketaconsole.medication.library import DrugLibrary, LibraryError
from ketaconsole.security.audit import Action
from ketaconsole.security.clinic_settings import RULES, SettingValue, clinic_settings
from ketaconsole.security.guard import Guard
from ketaconsole.security.plugins import AllowList, PluginApproval
from ketaconsole.security.roles import Permission, Role
from ketaconsole.security.users import (
    ConsoleUser,
    create_user,
    list_users,
    set_active,
    set_pin,
)
from ketaconsole.store.database import Database
from ketaconsole.store.models import ClinicSetting


class UserAdmin:
    """What an admin may do to users, each call checked against the logged-in user."""

    def __init__(self, database: Database, guard: Guard, user: ConsoleUser | None) -> None:
        self.database = database
        self.guard = guard
        self.user = user

    def _admin(self, target: str) -> ConsoleUser:
        return self.guard.require(self.user, Permission.MANAGE_USERS, target=target)

    def add(self, username: str, display_name: str, role: Role, pin: str) -> ConsoleUser:
        by = self._admin(username)
        return create_user(self.database, self.guard.audit, username=username,
                           display_name=display_name, role=role, pin=pin, by=by)

    def disable(self, username: str) -> ConsoleUser:
        return set_active(self.database, self.guard.audit, username, False,
                          by=self._admin(username))

    def enable(self, username: str) -> ConsoleUser:
        return set_active(self.database, self.guard.audit, username, True,
                          by=self._admin(username))

    def reset_pin(self, username: str, pin: str) -> ConsoleUser:
        return set_pin(self.database, self.guard.audit, username, pin,
                       by=self._admin(username))

    def users(self) -> list[ConsoleUser]:
        self._admin("users")
        return list_users(self.database)


class PluginAdmin:
    """Approving and revoking driver plugins on this console's allow-list."""

    def __init__(self, allow_list: AllowList, guard: Guard, user: ConsoleUser | None) -> None:
        self.allow_list = allow_list
        self.guard = guard
        self.user = user

    def allow(self, distribution: str, version: str) -> PluginApproval:
        by = self.guard.require(self.user, Permission.APPROVE_PLUGINS,
                                target=f"{distribution} {version}")
        return self.allow_list.allow(distribution, version, by=by, audit=self.guard.audit)

    def revoke(self, distribution: str, version: str | None = None) -> list[PluginApproval]:
        by = self.guard.require(self.user, Permission.APPROVE_PLUGINS, target=distribution)
        return self.allow_list.revoke(distribution, version, by=by, audit=self.guard.audit)


def change_setting(guard: Guard, user: ConsoleUser, key: str, text: str) -> SettingValue:
    """Set ``key`` as ``user`` (an admin): checked, stored, and on the audit trail."""
    rule = RULES.get(key)
    if rule is None:
        raise ValueError(f"there is no setting {key!r}; the settings are "
                         f"{', '.join(RULES)}")
    value = rule.parse(text)
    admin = guard.require(user, Permission.CLINIC_SETTINGS, target=key)
    database = guard.audit.database
    old = next(s.value for s in clinic_settings(database) if s.rule.key == key)
    at = guard.audit.clock()
    with database.sessions() as session, session.begin():
        row = session.get(ClinicSetting, key)
        if row is None:
            session.add(ClinicSetting(key=key, value=value, changed_at=at,
                                      changed_by=admin.username))
        else:
            row.value, row.changed_at, row.changed_by = value, at, admin.username
    guard.audit.record(Action.CLINIC_SETTING_CHANGED, actor=admin.username,
                       user_id=admin.record_id, target=key, detail={"old": old, "new": value})
    return SettingValue(rule, value, at, admin.username)


def _changes(old: dict[str, Any], new: dict[str, Any], where: str = "") -> dict[str, Any]:
    """Each field that differs, by its path: {"dose_mg_per_kg.soft_max": [0.75, 0.8]}."""
    found: dict[str, Any] = {}
    for key in sorted(set(old) | set(new)):
        path = f"{where}{key}"
        before, after = old.get(key), new.get(key)
        if isinstance(before, dict) and isinstance(after, dict):
            found.update(_changes(before, after, f"{path}."))
        elif before != after and key != "version":
            found[path] = [before, after]
    return found


def change_drug_library(guard: Guard, user: ConsoleUser, changed: DrugLibrary) -> LibraryInForce:
    """Make ``changed`` the clinic's drug library as ``user`` (an admin): the next version,
    stored for every console, on the audit trail with each field's old and new value.

    Bedsides read the library when a session opens; an order already confirmed keeps the
    library it was checked against (named on its record).
    """
    admin = guard.require(user, Permission.EDIT_DRUG_LIBRARY, target=f"{changed.drug} library")
    database = guard.audit.database
    try:
        current: DrugLibrary | None = library_in_force(database).library
    except LibraryError:
        current = None  # an unreadable stored library is replaced whole
    version = current.version if current is not None else stored_version(database)
    new = replace(changed, version=version + 1)
    changes = _changes(current.as_record(), new.as_record()) if current is not None \
        else {"library": ["unreadable", new.label]}
    if not changes:
        raise ValueError("the drug library already holds these values; nothing changed")
    at = guard.audit.clock()
    store_library(database, new, by=admin.username, at=at)
    guard.audit.record(Action.DRUG_LIBRARY_CHANGED, actor=admin.username,
                       user_id=admin.record_id, target=f"{new.drug} library",
                       detail={"version": [version, new.version], "changes": changes})
    return LibraryInForce(new, at, admin.username)
