"""The session record's tables, in SQLAlchemy's typed ORM.

Times are seconds since the epoch (UTC) as double-precision floats, the same number
the drivers stamp observations with, so a value reads back exactly as it was given.
JSON columns hold what a clinic configures (dose plan, alarm limits, device settings)
and event payloads. Constraint names follow one convention so that migrations can
name them on every database.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite gives a row id only to a column declared exactly INTEGER PRIMARY KEY.
RowId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Patient(Base):
    __tablename__ = "patients"

    id: Mapped[int] = mapped_column(RowId, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    external_id: Mapped[str | None] = mapped_column(String(100))
    date_of_birth: Mapped[str | None] = mapped_column(String(10))
    weight_kg: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[float] = mapped_column(Float)
    merged_into: Mapped[int | None] = mapped_column(ForeignKey("patients.id"))
    """The record this one was merged into by an admin (migration 0008); NULL: in use."""

    __table_args__ = (Index("ix_patients_external_id", "external_id"),
                      Index("ix_patients_name_date_of_birth", "name", "date_of_birth"))


class ClinicSession(Base):
    """One patient's visit: from check-in to discharge, on one console."""

    __tablename__ = "sessions"

    id: Mapped[int] = mapped_column(RowId, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    station: Mapped[str] = mapped_column(String(200))
    phase: Mapped[str] = mapped_column(String(40))
    started_at: Mapped[float] = mapped_column(Float)
    ended_at: Mapped[float | None] = mapped_column(Float)
    weight_kg: Mapped[float | None] = mapped_column(Float)
    alarm_limits: Mapped[dict[str, Any]] = mapped_column(JSON)
    devices: Mapped[list[Any]] = mapped_column(JSON)
    """Each device used: ``{"device_id", "slug", "port", "settings", "line"}``."""

    __table_args__ = (Index("ix_sessions_station_ended_at", "station", "ended_at"),)


class DeviceProfile(Base):
    """A saved device set-up for a room: driver, port and settings."""

    __tablename__ = "device_profiles"

    id: Mapped[int] = mapped_column(RowId, primary_key=True)
    room: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(100))
    slug: Mapped[str] = mapped_column(String(100))
    port: Mapped[str] = mapped_column(String(300))
    settings: Mapped[dict[str, Any]] = mapped_column(JSON)
    line: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[float] = mapped_column(Float)
    primary_for: Mapped[list[str] | None] = mapped_column(JSON)
    """Metrics (refids) this device is the room's primary source of."""

    __table_args__ = (UniqueConstraint("room", "name", name="uq_device_profiles_room_name"),)


class TimelineEvent(Base):
    """One entry of a session's append-only, hash-chained timeline."""

    __tablename__ = "timeline_events"

    id: Mapped[int] = mapped_column(RowId, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id"))
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[float] = mapped_column(Float)
    kind: Mapped[str] = mapped_column(String(60))
    author: Mapped[str] = mapped_column(String(200))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    corrects: Mapped[int | None] = mapped_column(Integer)
    """Sequence number of the event this one corrects or retracts."""
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    __table_args__ = (
        UniqueConstraint("session_id", "seq", name="uq_timeline_events_session_id_seq"),
    )


class NumericValue(Base):
    """One value of one metric as a device sent it; ``value`` is NULL when invalid."""

    __tablename__ = "numerics"

    id: Mapped[int] = mapped_column(RowId, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id"))
    device_id: Mapped[str] = mapped_column(String(100))
    metric: Mapped[str] = mapped_column(String(60))
    value: Mapped[float | None] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(20))
    received_at: Mapped[float] = mapped_column(Float)
    device_time: Mapped[float | None] = mapped_column(Float)

    __table_args__ = (
        # The value is in the index so that a trend is read from the index alone.
        Index("ix_numerics_session_metric_time_value", "session_id", "metric", "received_at",
              "value"),
    )


class WaveChunkRecord(Base):
    """Consecutive samples of one waveform, compressed (see ``wave_codec``)."""

    __tablename__ = "wave_chunks"

    id: Mapped[int] = mapped_column(RowId, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id"))
    device_id: Mapped[str] = mapped_column(String(100))
    metric: Mapped[str] = mapped_column(String(60))
    unit: Mapped[str] = mapped_column(String(20))
    sample_rate_hz: Mapped[float] = mapped_column(Float)
    received_at: Mapped[float] = mapped_column(Float)
    """Receive time of the last device chunk merged into this one."""
    first_received_at: Mapped[float] = mapped_column(Float)
    sample_count: Mapped[int] = mapped_column(Integer)
    encoding: Mapped[str] = mapped_column(String(20))
    data: Mapped[bytes] = mapped_column(LargeBinary)

    __table_args__ = (
        Index("ix_wave_chunks_session_metric_time", "session_id", "metric", "received_at"),
    )


class JournalChunk(Base):
    """Raw bytes one device sent or received, with each piece's time (see ``journal_codec``)."""

    __tablename__ = "journal_chunks"

    id: Mapped[int] = mapped_column(RowId, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id"))
    device_id: Mapped[str] = mapped_column(String(100))
    direction: Mapped[str] = mapped_column(String(2))
    first_at: Mapped[float] = mapped_column(Float)
    last_at: Mapped[float] = mapped_column(Float)
    byte_count: Mapped[int] = mapped_column(Integer)
    pieces: Mapped[bytes] = mapped_column(LargeBinary)
    data: Mapped[bytes] = mapped_column(LargeBinary)

    __table_args__ = (Index("ix_journal_chunks_session_time", "session_id", "first_at"),)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(RowId, primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(40))
    password_hash: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[float] = mapped_column(Float)
    failed_pins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """Wrong PINs in a row since the last good one (migration 0004)."""
    locked_until: Mapped[float | None] = mapped_column(Float)


class AuditEntry(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(RowId, primary_key=True)
    at: Mapped[float] = mapped_column(Float, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(60))
    target: Mapped[str | None] = mapped_column(String(200))
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    seq: Mapped[int | None] = mapped_column(Integer)
    """Place in the audit trail's hash chain (see ``ketaconsole.security.audit``)."""
    actor: Mapped[str | None] = mapped_column(String(200))
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (UniqueConstraint("seq", name="uq_audit_log_seq"),)


class ClinicSetting(Base):
    """One clinic-wide setting an admin changed (migration 0005); absent means the default."""

    __tablename__ = "clinic_settings"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
    changed_at: Mapped[float] = mapped_column(Float)
    changed_by: Mapped[str] = mapped_column(String(200))


class PluginApprovalRow(Base):
    """A driver plugin an admin approved: its version and files' hash (migration 0006)."""

    __tablename__ = "plugin_approvals"

    id: Mapped[int] = mapped_column(RowId, primary_key=True)
    distribution: Mapped[str] = mapped_column(String(200))
    version: Mapped[str] = mapped_column(String(100))
    files_sha256: Mapped[str] = mapped_column(String(64))
    approved_by: Mapped[str] = mapped_column(String(200))
    approved_at: Mapped[float] = mapped_column(Float)
    audit_seq: Mapped[int] = mapped_column(Integer)
    """The audit entry that made this approval; without it the row approves nothing."""


class RoomStatusRow(Base):
    """A station's newest live status, for the clinic overview (migration 0007_room_status).

    One row per station, overwritten about once a second by the room's publisher; the
    status itself is :class:`ketaconsole.overview.status.RoomStatus` as JSON.
    """

    __tablename__ = "room_status"

    station: Mapped[str] = mapped_column(String(200), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    published_at: Mapped[float] = mapped_column(Float)
    status: Mapped[dict[str, Any]] = mapped_column(JSON)


class RoomCommand(Base):
    """An alarm action asked of a station from the overview, done by the room itself."""

    __tablename__ = "room_commands"

    id: Mapped[int] = mapped_column(RowId, primary_key=True)
    station: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(40))
    alarm_id: Mapped[str | None] = mapped_column(String(200))
    """The alarm to act on; ``None`` for every active alarm of the room."""
    requested_by: Mapped[str] = mapped_column(String(200))
    requested_at: Mapped[float] = mapped_column(Float)
    done_at: Mapped[float | None] = mapped_column(Float)
    outcome: Mapped[str | None] = mapped_column(String(400))

    __table_args__ = (Index("ix_room_commands_station_done_at", "station", "done_at"),)


class EligibilityAssessment(Base):
    """A prescriber's assessment of a patient's suitability for a course (migration 0008)."""

    __tablename__ = "eligibility_assessments"

    id: Mapped[int] = mapped_column(RowId, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    assessed_at: Mapped[float] = mapped_column(Float)
    expires_at: Mapped[float] = mapped_column(Float)
    prescriber: Mapped[str] = mapped_column(String(200))
    approved: Mapped[bool] = mapped_column()
    dose_min_mg_per_kg: Mapped[float] = mapped_column(Float)
    dose_max_mg_per_kg: Mapped[float] = mapped_column(Float)
    assessment: Mapped[dict[str, Any]] = mapped_column(JSON)
    """Contraindications, prior treatments, consent document and version, decision support."""


class FollowUp(Base):
    """A follow-up between infusions: PHQ-9, side effects, urinary symptoms, craving (0008)."""

    __tablename__ = "follow_ups"

    id: Mapped[int] = mapped_column(RowId, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    interval: Mapped[str] = mapped_column(String(20))
    at: Mapped[float] = mapped_column(Float)
    author: Mapped[str] = mapped_column(String(200))
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)


class SafetyFlagAcknowledgement(Base):
    """A prescriber's acknowledgement of a patient's safety flag, with a note (0011).

    The flags themselves are not stored: they are read from the follow-ups and the
    sessions' measures that raised them (:mod:`ketaconsole.course.safety_flags`); this
    row only says who acknowledged which one, when and what they did about it."""

    __tablename__ = "safety_flag_acknowledgements"

    id: Mapped[int] = mapped_column(RowId, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    flag: Mapped[str] = mapped_column(String(60), unique=True)
    at: Mapped[float] = mapped_column(Float)
    prescriber: Mapped[str] = mapped_column(String(200))
    note: Mapped[str] = mapped_column(String(2000))
