"""Who may do what: the clinic's roles, the permissions, and the one table joining them.

A nurse runs sessions (clinical entries, signatures, exports) within the course a
prescriber approved; a prescriber assesses a patient's eligibility and approves the
course and its dose range; a technician sets up devices, drivers and alarm profiles and
sees no patient data beyond what is on the screen; an admin manages users, plugins,
clinic settings and the drug library. Anyone at the console may acknowledge or pause an
alarm, locked or not, so that permission is not in the table.
"""

from __future__ import annotations

from enum import Enum


class Role(Enum):
    NURSE = "nurse"
    PRESCRIBER = "prescriber"
    TECHNICIAN = "technician"
    ADMIN = "admin"

    @property
    def words(self) -> str:
        """The role as a clinic names it ("administrator", not the stored "admin")."""
        return ROLE_WORDS[self]

    @classmethod
    def parse(cls, text: str) -> Role:
        """The role named ``text``, or a ``ValueError`` that lists the roles there are."""
        try:
            return cls(text.strip().lower())
        except ValueError:
            names = ", ".join(r.value for r in cls)
            raise ValueError(f"there is no role {text!r}; choose one of {names}") from None


ROLE_WORDS = {Role.NURSE: "nurse", Role.PRESCRIBER: "prescriber",
              Role.TECHNICIAN: "technician", Role.ADMIN: "administrator"}


def role_in_words(stored: str) -> str:
    """A stored role ("admin") as the clinic says it ("administrator"); other text as is."""
    try:
        return Role(stored).words
    except ValueError:
        return stored


class Permission(Enum):
    RUN_SESSION = "run a session"
    RECORD_CLINICAL_ENTRY = "record a clinical entry"
    SIGN_RECORD = "sign the record"
    OPEN_RECORD = "open a patient's record"
    EXPORT_RECORD = "export a record"
    SAVE_DEVICE_PROFILE = "save a device profile"
    EDIT_ALARM_PROFILE = "edit an alarm profile"
    MANAGE_USERS = "manage users"
    APPROVE_PLUGINS = "approve driver plugins"
    CLINIC_SETTINGS = "change clinic settings"
    EDIT_DRUG_LIBRARY = "change the drug library"
    REVIEW_AUDIT = "review the audit trail"
    APPROVE_COURSE = "approve a course and its dose range"
    ACKNOWLEDGE_SAFETY_FLAG = "acknowledge a patient's safety flag"
    MERGE_PATIENTS = "merge two patient records"
    VIEW_OUTCOMES = "read the clinic's outcomes"


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.NURSE: frozenset({
        Permission.RUN_SESSION, Permission.RECORD_CLINICAL_ENTRY, Permission.SIGN_RECORD,
        Permission.OPEN_RECORD, Permission.EXPORT_RECORD}),
    Role.PRESCRIBER: frozenset({
        Permission.APPROVE_COURSE, Permission.RECORD_CLINICAL_ENTRY, Permission.OPEN_RECORD,
        Permission.EXPORT_RECORD, Permission.ACKNOWLEDGE_SAFETY_FLAG,
        Permission.VIEW_OUTCOMES}),
    Role.TECHNICIAN: frozenset({
        Permission.SAVE_DEVICE_PROFILE, Permission.EDIT_ALARM_PROFILE}),
    Role.ADMIN: frozenset({
        Permission.MANAGE_USERS, Permission.APPROVE_PLUGINS, Permission.CLINIC_SETTINGS,
        Permission.EDIT_DRUG_LIBRARY, Permission.REVIEW_AUDIT, Permission.MERGE_PATIENTS,
        Permission.VIEW_OUTCOMES}),
}
"""The one place that says which role holds which permission."""


def permits(role: Role, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS[role]


def roles_with(permission: Permission) -> list[Role]:
    return [role for role in Role if permits(role, permission)]
