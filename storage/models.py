from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Enum,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy import (
    text as sql_text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from storage.enums import (
    AlertDuty,
    Channel,
    FileKind,
    InboxStatus,
    IncidentEventKind,
    IncidentStatus,
    MediaStatus,
    ModelStatus,
    OutboxStatus,
    ReportKind,
    Role,
    UnitKind,
)
from storage.types import UtcDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


def _enum(enum_cls: type[StrEnum]) -> Enum:
    """Stored as plain text: new values need no database type change."""
    return Enum(
        enum_cls,
        native_enum=False,
        create_constraint=False,
        length=16,
        values_callable=lambda members: [m.value for m in members],
    )


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UtcDateTime(),
        dict[str, Any]: JSON(),
    }


class Unit(Base):
    """An administrative unit: province, (old) district, commune or hamlet."""

    __tablename__ = "units"
    __table_args__ = (UniqueConstraint("kind", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    kind: Mapped[UnitKind] = mapped_column(_enum(UnitKind))
    division_type: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    search_name: Mapped[str] = mapped_column(String(200), index=True)
    code: Mapped[str | None] = mapped_column(String(20))
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)

    parent: Mapped[Unit | None] = relationship(
        remote_side="Unit.id", foreign_keys=[parent_id], lazy="raise"
    )

    @property
    def label(self) -> str:
        return f"{self.division_type} {self.name}".strip()


class Person(Base):
    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    full_name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(32))
    share_phone: Mapped[bool] = mapped_column(Boolean, default=False)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    forgotten_at: Mapped[datetime | None] = mapped_column()
    # The unit an officer of several acts for (handlers.flows.officer.unit_of).
    acting_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    # When the person agreed to the privacy notice, and which text of it (handlers.flows.privacy).
    consented_at: Mapped[datetime | None] = mapped_column()
    consent_version: Mapped[str | None] = mapped_column(String(16))


class Identity(Base):
    """One account of a person on one channel."""

    __tablename__ = "identities"
    __table_args__ = (UniqueConstraint("channel", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    channel: Mapped[Channel] = mapped_column(_enum(Channel))
    external_id: Mapped[str] = mapped_column(String(64))
    chat_key: Mapped[str] = mapped_column(String(64))
    display_name: Mapped[str | None] = mapped_column(String(200))
    locale: Mapped[str] = mapped_column(String(8), default="vi")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime | None] = mapped_column()
    # Telegram: the chat's own command list as last set successfully (bot.telegram.commands
    # fingerprint), so a restart calls setMyCommands only where it changed; NULL: none of its own.
    command_menu: Mapped[str | None] = mapped_column(String(64))


class RoleAssignment(Base):
    """A role held at a unit for a period; ended, never deleted, so hand-overs keep history."""

    __tablename__ = "role_assignments"
    __table_args__ = (Index("ix_role_assignments_unit_role", "unit_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    role: Mapped[Role] = mapped_column(_enum(Role))
    valid_from: Mapped[datetime] = mapped_column(default=utcnow)
    valid_to: Mapped[datetime | None] = mapped_column()
    invite_id: Mapped[int | None] = mapped_column(ForeignKey("invite_codes.id"))
    # Officers only: who may read social evils and sensitive reports, and who gets urgent alerts.
    confidential: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    alerts: Mapped[AlertDuty] = mapped_column(
        _enum(AlertDuty), default=AlertDuty.ON_DUTY, server_default=AlertDuty.ON_DUTY.value
    )


class InviteCode(Base):
    __tablename__ = "invite_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    role: Mapped[Role] = mapped_column(_enum(Role))
    expires_at: Mapped[datetime] = mapped_column()
    max_uses: Mapped[int] = mapped_column(Integer, default=1)
    uses: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))


class InviteFailure(Base):
    """A wrong invite or link code typed, kept only as a hash; counted to slow down guessing."""

    __tablename__ = "invite_failures"
    __table_args__ = (Index("ix_invite_failures_identity_kind_at", "identity_id", "kind", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    identity_id: Mapped[int] = mapped_column(ForeignKey("identities.id"))
    kind: Mapped[str] = mapped_column(String(8))
    code_hash: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(index=True)


class AuditEntry(Base):
    """Who looked at or took out what: exports, confidential reports, erasures."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    action: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(64))
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Organization(Base):
    """A member organization of the Front (Hội Phụ nữ, Đoàn Thanh niên, ...)."""

    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))


class ModelType(Base):
    """One of the self-management model types (mô hình tự quản)."""

    __tablename__ = "model_types"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))


class ModelInstance(Base):
    """A model type run in one hamlet by one organization."""

    __tablename__ = "model_instances"

    id: Mapped[int] = mapped_column(primary_key=True)
    model_type_id: Mapped[int] = mapped_column(ForeignKey("model_types.id"))
    hamlet_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    started_on: Mapped[date] = mapped_column(Date)
    status: Mapped[ModelStatus] = mapped_column(_enum(ModelStatus), default=ModelStatus.ACTIVE)
    stopped_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)


class Report(Base):
    __tablename__ = "reports"
    __table_args__ = (
        Index("ix_reports_unit_week", "unit_id", "week"),
        # A model's last activity, read for every model of a digest.
        Index("ix_reports_model_instance_occurred", "model_instance_id", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    kind: Mapped[ReportKind] = mapped_column(_enum(ReportKind))
    category: Mapped[str | None] = mapped_column(String(32))
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    sensitive: Mapped[bool] = mapped_column(Boolean, default=False)
    text: Mapped[str] = mapped_column(Text, default="")
    occurred_at: Mapped[datetime] = mapped_column()
    # False when only the day was said: occurred_at is then that day's local noon.
    occurred_time_known: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    week: Mapped[str] = mapped_column(String(8))
    place: Mapped[str | None] = mapped_column(String(500))
    latitude: Mapped[float | None] = mapped_column()
    longitude: Mapped[float | None] = mapped_column()
    model_instance_id: Mapped[int | None] = mapped_column(ForeignKey("model_instances.id"))
    participants: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[IncidentStatus | None] = mapped_column(_enum(IncidentStatus))
    withdrawn_at: Mapped[datetime | None] = mapped_column()
    updated_at: Mapped[datetime | None] = mapped_column()
    source_inbox_id: Mapped[int | None] = mapped_column(ForeignKey("inbox.id"), unique=True)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)

    photos: Mapped[list[ReportPhoto]] = relationship(
        order_by="ReportPhoto.position", lazy="raise", cascade="all, delete-orphan"
    )


class ReportPhoto(Base):
    __tablename__ = "report_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"), index=True)
    channel: Mapped[Channel] = mapped_column(_enum(Channel))
    # A platform's file id, or a signed URL (Zalo's run to thousands of characters).
    file_ref: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer)


class ReportChange(Base):
    """Every change to a report: who, what, when."""

    __tablename__ = "report_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    action: Mapped[str] = mapped_column(String(16))
    changes: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Conversation(Base):
    """Where an identity stands in a conversation, written through on every step."""

    __tablename__ = "conversations"

    identity_id: Mapped[int] = mapped_column(ForeignKey("identities.id"), primary_key=True)
    flow: Mapped[str] = mapped_column(String(32))
    step: Mapped[str] = mapped_column(String(32))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    version: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class InboxItem(Base):
    """A raw update, committed before the platform is told it arrived."""

    __tablename__ = "inbox"
    __table_args__ = (
        UniqueConstraint("channel", "update_key"),
        Index("ix_inbox_status_user", "status", "channel", "user_key", "id"),
        Index("ix_inbox_status_id", "status", "id"),
        # Keys are built from ids (`reply:<id>:<n>`): SQLite must never give one again.
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[Channel] = mapped_column(_enum(Channel))
    update_key: Mapped[str] = mapped_column(String(128))
    user_key: Mapped[str] = mapped_column(String(64))
    chat_key: Mapped[str] = mapped_column(String(64))
    event: Mapped[dict[str, Any]] = mapped_column()
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[InboxStatus] = mapped_column(_enum(InboxStatus), default=InboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    processed_at: Mapped[datetime | None] = mapped_column()
    error: Mapped[str | None] = mapped_column(Text)


class OutboxItem(Base):
    """A message to send; the idempotency key makes a job that runs twice write it once."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_status_channel", "status", "channel", "id"),
        Index("ix_outbox_chat", "channel", "chat_key", "status", "id"),
        # Standing messages (alerts, reminders) are few among the replies: indexed alone.
        Index(
            "ix_outbox_standing",
            "standing",
            postgresql_where=sql_text("standing IS NOT NULL"),
            sqlite_where=sql_text("standing IS NOT NULL"),
        ),
        Index(
            "ix_outbox_identity_standing",
            "identity_id",
            "id",
            postgresql_where=sql_text("standing IS NOT NULL"),
            sqlite_where=sql_text("standing IS NOT NULL"),
        ),
        # A sender marks what it sent by id: an id given again would mark another message.
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    channel: Mapped[Channel] = mapped_column(_enum(Channel))
    chat_key: Mapped[str] = mapped_column(String(64))
    identity_id: Mapped[int | None] = mapped_column(ForeignKey("identities.id"))
    message: Mapped[dict[str, Any]] = mapped_column()
    status: Mapped[OutboxStatus] = mapped_column(_enum(OutboxStatus), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    not_before: Mapped[datetime | None] = mapped_column()
    claimed_until: Mapped[datetime | None] = mapped_column()
    # The sender holding the lease (bot.sender.Sender.owner): only it renews or releases it.
    claimed_by: Mapped[str | None] = mapped_column(String(32))
    sent_at: Mapped[datetime | None] = mapped_column()
    platform_message_id: Mapped[str | None] = mapped_column(String(64))
    # The token of a standing message (an alert `r96`, a reminder `w2026-W48.12`): how a
    # change finds every copy to redraw, and a typed letter the latest one it answers.
    standing: Mapped[str | None] = mapped_column(String(64))


class UnitSettings(Base):
    """A unit's own schedule; what it leaves empty is inherited from the units above it."""

    __tablename__ = "unit_settings"

    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)
    first_reminder: Mapped[str | None] = mapped_column(String(16))
    second_reminder: Mapped[str | None] = mapped_column(String(16))
    digest_at: Mapped[str | None] = mapped_column(String(16))
    escalation_minutes: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))


class ReminderPause(Base):
    """No reminders for a subtree (a holiday such as Tết) or for one person, over some days."""

    __tablename__ = "reminder_pauses"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    cancelled_at: Mapped[datetime | None] = mapped_column()


class JobRun(Base):
    """Which scheduled job ran for which period: a restart neither skips nor repeats it."""

    __tablename__ = "job_runs"
    __table_args__ = (UniqueConstraint("job", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(64))
    period: Mapped[str] = mapped_column(String(32))
    ran_at: Mapped[datetime] = mapped_column(default=utcnow)
    messages: Mapped[int] = mapped_column(Integer, default=0)
    # None while a run written in several transactions is under way (or was cut short).
    finished_at: Mapped[datetime | None] = mapped_column()


class StoredFile(Base):
    """Bytes of a chart or workbook sent with a message, kept until the sender delivered them."""

    __tablename__ = "files"
    # Messages name files by id: an id given again would send another file.
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[FileKind] = mapped_column(_enum(FileKind))
    name: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(100))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class UrgentAlert(Base):
    """The follow-up of one urgent incident: who was told, and when it escalates next."""

    __tablename__ = "urgent_alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"), unique=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    level: Mapped[int] = mapped_column(Integer, default=0)
    escalate_at: Mapped[datetime | None] = mapped_column(index=True)
    acknowledged_at: Mapped[datetime | None] = mapped_column()
    acknowledged_by_person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class IncidentEvent(Base):
    """Every step of an incident's follow-up: alerts, escalations, status changes, notes."""

    __tablename__ = "incident_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    kind: Mapped[IncidentEventKind] = mapped_column(_enum(IncidentEventKind))
    level: Mapped[int | None] = mapped_column(Integer)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    status: Mapped[IncidentStatus | None] = mapped_column(_enum(IncidentStatus))
    note: Mapped[str] = mapped_column(Text, default="")
    recipients: Mapped[int] = mapped_column(Integer, default=0)


class LinkCode(Base):
    """A one-time code that joins a second account to a person; kept as the record of the join."""

    __tablename__ = "link_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    identity_id: Mapped[int] = mapped_column(ForeignKey("identities.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    used_at: Mapped[datetime | None] = mapped_column()
    used_by_identity_id: Mapped[int | None] = mapped_column(ForeignKey("identities.id"))
    kept_person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    merged_person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    # A join that would hand a role to another account waits for the holder's yes.
    requested_by_identity_id: Mapped[int | None] = mapped_column(ForeignKey("identities.id"))
    requested_at: Mapped[datetime | None] = mapped_column()
    declined_at: Mapped[datetime | None] = mapped_column()


class MediaFile(Base):
    """A photo a platform gave us only as a URL, copied to the media folder before it expires."""

    __tablename__ = "media_files"
    __table_args__ = (
        UniqueConstraint("inbox_id", "position"),
        Index("ix_media_files_status", "status", "not_before"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    inbox_id: Mapped[int] = mapped_column(ForeignKey("inbox.id"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    channel: Mapped[Channel] = mapped_column(_enum(Channel))
    source_url: Mapped[str] = mapped_column(Text)
    status: Mapped[MediaStatus] = mapped_column(_enum(MediaStatus), default=MediaStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[datetime | None] = mapped_column()
    claimed_until: Mapped[datetime | None] = mapped_column()
    local_path: Mapped[str | None] = mapped_column(String(512))
    size_bytes: Mapped[int | None] = mapped_column(Integer)
    content_type: Mapped[str | None] = mapped_column(String(100))
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    fetched_at: Mapped[datetime | None] = mapped_column()


class WebSignIn(Base):
    """A one-time link into the officers' pages; only a hash of the token is kept."""

    __tablename__ = "web_sign_ins"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    used_at: Mapped[datetime | None] = mapped_column()


class WebSession(Base):
    """A signed-in browser of the officers' pages; only a hash of the cookie is kept."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    ended_at: Mapped[datetime | None] = mapped_column()
