"""Users, roles, the authorisation guard, the audit trail, the console lock and plugin policy.

``roles`` holds the role -> permission table; ``users`` the people and PIN log-in with
lock-out; ``guard`` the check every guarded call makes; ``services`` the guarded console
calls the UI uses (a session's steps ask the workflow's door instead, with the permission
``ketaconsole.session.workflow.step_permissions`` names); ``audit`` the hash-chained audit trail;
``lock`` the console lock and idle time-out; ``break_glass`` emergency access;
``plugins`` the driver plugin allow-list; ``protection`` the encryption checks.
"""

from ketaconsole.security.audit import Action, AuditLog, AuditRecord
from ketaconsole.security.break_glass import (
    break_glass,
    pending_break_glass_reviews,
    review_break_glass,
)
from ketaconsole.security.clinic_settings import SecuritySettings
from ketaconsole.security.guard import Guard, NotAllowed
from ketaconsole.security.lock import ConsoleLock, LockState
from ketaconsole.security.plugins import AllowList
from ketaconsole.security.roles import ROLE_PERMISSIONS, Permission, Role
from ketaconsole.security.users import (
    ConsoleUser,
    LoginRefused,
    UserError,
    authenticate,
    needs_first_admin,
)

__all__ = [
    "ROLE_PERMISSIONS",
    "Action",
    "AllowList",
    "AuditLog",
    "AuditRecord",
    "ConsoleLock",
    "ConsoleUser",
    "Guard",
    "LockState",
    "LoginRefused",
    "NotAllowed",
    "Permission",
    "Role",
    "SecuritySettings",
    "UserError",
    "authenticate",
    "break_glass",
    "needs_first_admin",
    "pending_break_glass_reviews",
    "review_break_glass",
]
