"""The clinic's settings (idle lock, PIN lock-out, PIN length, MADRS, an alarm delay,
fasting hours), read.

They live in the record database (``clinic_settings``, migration 0005), so every room of
a clinic on one PostgreSQL server follows the same policy. A setting never changed has
its default (five minutes, five wrong PINs, five minutes, PINs of at least six
digits for every role; the MADRS asked and plotted; the heart-rate-high alarm's
sustain time as the default alarm profile gives it; 6 h without solid food and 2 h
without clear liquids before an infusion, CLINICAL.md section 1). This module only
reads them (it needs no user and no guard); a change
(:func:`ketaconsole.security.admin.change_setting`) needs the ``CLINIC_SETTINGS``
permission (admins), is checked against its allowed range, and is on the audit trail
with the old and the new value. Consoles read the settings when they start.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from sqlalchemy import select

from ketaconsole.alarms import LimitProfile, default_profile
from ketaconsole.course.contraindications import CONTRAINDICATIONS
from ketaconsole.numbers import NumberRange
from ketaconsole.security.roles import Role
from ketaconsole.store.database import Database
from ketaconsole.store.models import ClinicSetting


@dataclass(frozen=True, slots=True)
class SecuritySettings:
    """The clinic's log-in policy."""

    max_wrong_pins: int = 5
    lockout_seconds: float = 300.0
    idle_lock_seconds: float = 300.0
    min_pin_length: int = 6
    admin_min_pin_length: int = 6

    def pin_length_for(self, role: Role) -> int:
        """The fewest characters a new PIN of this role may have."""
        return self.admin_min_pin_length if role is Role.ADMIN else self.min_pin_length


DEFAULT_SETTINGS = SecuritySettings()

MADRS_SETTING = "madrs"
"""Whether the clinic uses the MADRS (clinician-rated) beside the PHQ-9 and GAD-7."""
FASTING_SOLIDS_SETTING = "fasting-solids-hours"
"""Hours without solid food the clinic asks before an infusion (CLINICAL.md: 6)."""
FASTING_CLEAR_LIQUIDS_SETTING = "fasting-clear-liquids-hours"
"""Hours without clear liquids the clinic asks before an infusion (CLINICAL.md: 2)."""

CRAVING_FLAG_SETTING = "craving-flag-above"
"""Craving for ketamine (0-10) above this at a follow-up raises a safety flag (ours: 5)."""
BLADDER_REFER_AT_SETTING = "bladder-score-refer-at"
"""The bladder score (ICSI, 0-20) at or above which a follow-up raises a safety flag
advising urinalysis and urology referral (ours: 8; see ketaconsole.course.bladder_score)."""
REVIEW_AFTER_SETTING = "review-after-infusions"
"""Infusions without a response after which the titration rule proposes a prescriber's
review instead of a dose (ours: 6, the induction series)."""
ESKETAMINE_DOSE_SETTINGS = {56: "esketamine-56-mg", 84: "esketamine-84-mg"}
"""Whether the clinic gives each esketamine dose the label allows (1: yes, 0: no)."""

HR_HIGH_SUSTAIN_SETTING = "hr-high-sustain-seconds"
"""How long the heart rate must stay above the ``hr-high`` limit before that alarm sounds."""

HR_HIGH_ALARM = "hr-high"


def _profile_hr_high_sustain() -> int:
    """The default alarm profile's heart-rate-high sustain time: the setting's default."""
    return round(default_profile().rule(HR_HIGH_ALARM).limits[0].sustain_s)


@dataclass(frozen=True, slots=True)
class SettingRule:
    """One setting: its name on the command line, what it means, its range and its field."""

    key: str
    meaning: str
    field: str | None
    """The log-in policy's field it sets; ``None`` for a setting of the course."""
    low: int
    high: int
    seconds_per_unit: int = 1
    """60 for a setting given in minutes and kept in seconds; 1 for a count."""
    default_value: int = 0
    """The default of a course setting (a security setting's is the policy's)."""
    default_from: Callable[[], int] | None = None
    """Where a setting that another file owns takes its default from (the alarm profile)."""

    def default(self) -> int:
        if self.default_from is not None:
            return self.default_from()
        if self.field is None:
            return self.default_value
        return round(getattr(DEFAULT_SETTINGS, self.field) / self.seconds_per_unit)

    def parse(self, text: str) -> int:
        """The value typed, or ``ValueError`` with one sentence saying what is allowed."""
        return NumberRange(self.key, self.low, self.high, integer=True).parse_int(text)


RULES: dict[str, SettingRule] = {rule.key: rule for rule in (
    SettingRule("idle-lock-minutes", "minutes without input before the console locks",
                "idle_lock_seconds", 1, 60, 60),
    SettingRule("wrong-pins-before-lockout", "wrong PINs in a row before a user is locked out",
                "max_wrong_pins", 3, 10),
    SettingRule("lockout-minutes", "minutes a locked-out user waits before trying again",
                "lockout_seconds", 1, 60, 60),
    SettingRule("pin-min-length", "fewest characters in a new nurse's or technician's PIN",
                "min_pin_length", 6, 12),
    SettingRule("admin-pin-min-length", "fewest characters in a new admin's PIN",
                "admin_min_pin_length", 6, 12),
    SettingRule(MADRS_SETTING, "1: the clinician-rated MADRS is asked before infusions and "
                "plotted; 0: left out", None, 0, 1, default_value=1),
    SettingRule(HR_HIGH_SUSTAIN_SETTING, "seconds the heart rate stays above its high limit "
                "before that alarm sounds", None, 10, 900,
                default_from=_profile_hr_high_sustain),
    SettingRule(FASTING_SOLIDS_SETTING, "hours without solid food before an infusion, "
                "checked at check-in", None, 4, 12, default_value=6),
    SettingRule(FASTING_CLEAR_LIQUIDS_SETTING, "hours without clear liquids before an "
                "infusion, checked at check-in", None, 1, 4, default_value=2),
    SettingRule(CRAVING_FLAG_SETTING, "craving for ketamine (0-10) above which a follow-up "
                "raises a safety flag", None, 0, 9, default_value=5),
    SettingRule(BLADDER_REFER_AT_SETTING, "bladder score (ICSI, 0-20) at or above which a "
                "follow-up raises a safety flag: urinalysis and urology referral", None, 1, 20,
                default_value=8),
    SettingRule(REVIEW_AFTER_SETTING, "infusions without a response after which the "
                "titration rule proposes a review instead of a dose", None, 2, 20,
                default_value=6),
    SettingRule("eligibility-max-systolic-mmhg", "mean screening systolic pressure (mmHg) "
                "above which a course is not approved", None, 140, 200, default_value=160),
    SettingRule("eligibility-max-diastolic-mmhg", "mean screening diastolic pressure (mmHg) "
                "above which a course is not approved", None, 90, 130, default_value=100),
    *(SettingRule(item.setting, f"1: {item.label} stops the course (absolute); 0: it needs "
                  "the prescriber's reasoning (relative)", None, 0, 1,
                  default_value=int(item.absolute)) for item in CONTRAINDICATIONS),
    *(SettingRule(key, f"1: esketamine nasal {mg} mg is an allowed dose here; 0: it is not",
                  None, 0, 1, default_value=1) for mg, key in ESKETAMINE_DOSE_SETTINGS.items()),
)}


@dataclass(frozen=True, slots=True)
class SettingValue:
    """A setting as the clinic has it now."""

    rule: SettingRule
    value: int
    changed_at: float | None = None
    changed_by: str | None = None


def clinic_settings(database: Database) -> list[SettingValue]:
    """Every setting with its value (the default where no one changed it)."""
    with database.sessions() as session:
        rows = {row.key: row for row in session.scalars(select(ClinicSetting))}
    found = []
    for key, rule in RULES.items():
        row = rows.get(key)
        if row is None or not isinstance(row.value, int):
            found.append(SettingValue(rule, rule.default()))
        else:
            found.append(SettingValue(rule, row.value, row.changed_at, row.changed_by))
    return found


def security_settings(database: Database) -> SecuritySettings:
    """The clinic's log-in policy as the lock and the log-in apply it."""
    settings = DEFAULT_SETTINGS
    for current in clinic_settings(database):
        rule = current.rule
        if rule.field is not None:
            settings = replace(settings, **{rule.field: current.value * rule.seconds_per_unit})
    return settings


def setting_value(database: Database, key: str) -> int:
    """The clinic's value of setting ``key`` (its default where no one changed it)."""
    return next(s.value for s in clinic_settings(database) if s.rule.key == key)


def madrs_in_use(database: Database) -> bool:
    """Whether this clinic asks and plots the MADRS (the ``madrs`` setting, default on)."""
    return setting_value(database, MADRS_SETTING) == 1


def esketamine_doses(database: Database) -> tuple[int, ...]:
    """The esketamine doses (mg) the clinic allows (its settings; by default 56 and 84)."""
    return tuple(mg for mg, key in ESKETAMINE_DOSE_SETTINGS.items()
                 if setting_value(database, key) == 1)


def clinic_alarm_profile(database: Database, profile: LimitProfile) -> LimitProfile:
    """``profile`` with the clinic's alarm settings in force: heart-rate-high's sustain time.

    What a room judges by once its record is open, and what each session's record stores.
    """
    return profile.with_sustain(HR_HIGH_ALARM, setting_value(database, HR_HIGH_SUSTAIN_SETTING))
