from __future__ import annotations

from enum import StrEnum


class UnitKind(StrEnum):
    PROVINCE = "province"
    DISTRICT = "district"
    COMMUNE = "commune"
    HAMLET = "hamlet"


class Role(StrEnum):
    REPORTER = "reporter"
    DEPUTY = "deputy"
    OFFICER = "officer"
    ADMIN = "admin"


class ReportKind(StrEnum):
    INCIDENT = "incident"
    ACTIVITY = "activity"
    NOTHING = "nothing"


class IncidentCategory(StrEnum):
    SECURITY = "security"
    ENVIRONMENT = "environment"
    TRAFFIC = "traffic"
    SOCIAL_EVILS = "social_evils"
    DISPUTE = "dispute"
    DISASTER = "disaster"


class IncidentStatus(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"


class ModelStatus(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    STOPPED = "stopped"


class InboxStatus(StrEnum):
    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class Channel(StrEnum):
    CONSOLE = "console"
    TELEGRAM = "telegram"
    ZALO = "zalo"


class AlertDuty(StrEnum):
    """Which urgent alerts an officer receives: at once, after the escalation time, or none."""

    ON_DUTY = "on_duty"
    DEPUTY = "deputy"
    NONE = "none"


class IncidentEventKind(StrEnum):
    ALERTED = "alerted"
    ESCALATED = "escalated"
    NO_RECIPIENT = "no_recipient"
    EXHAUSTED = "exhausted"
    STATUS = "status"
    NOTE = "note"


class FileKind(StrEnum):
    PHOTO = "photo"
    DOCUMENT = "document"


class MediaStatus(StrEnum):
    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"
