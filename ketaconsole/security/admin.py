"""User management and plugin approval as an admin does them: guarded and audited."""

from __future__ import annotations

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
