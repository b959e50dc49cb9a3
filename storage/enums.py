from __future__ import annotations

from dataclasses import dataclass
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
    """A kind of incident; what sets one kind apart is in `CATEGORY_TRAITS` below, so a new
    kind is added here and in the catalogs (`category.<value>`), nowhere else."""

    SECURITY = "security"
    ENVIRONMENT = "environment"
    TRAFFIC = "traffic"
    SOCIAL_EVILS = "social_evils"
    DISPUTE = "dispute"
    DISASTER = "disaster"

    @property
    def confidential(self) -> bool:
        """Shown only to the officers cleared for it; everyone else sees a count."""
        return CATEGORY_TRAITS[self].confidential

    @property
    def urgent_by_default(self) -> bool:
        return CATEGORY_TRAITS[self].urgent_by_default

    @property
    def colour(self) -> str:
        """The same in every chart, whatever else the chart shows."""
        return CATEGORY_TRAITS[self].colour


@dataclass(frozen=True)
class CategoryTraits:
    colour: str
    confidential: bool = False
    urgent_by_default: bool = False


CATEGORY_TRAITS: dict[IncidentCategory, CategoryTraits] = {
    IncidentCategory.SECURITY: CategoryTraits("#4e79a7"),
    IncidentCategory.ENVIRONMENT: CategoryTraits("#59a14f"),
    IncidentCategory.TRAFFIC: CategoryTraits("#f28e2b"),
    IncidentCategory.SOCIAL_EVILS: CategoryTraits("#e15759", confidential=True),
    IncidentCategory.DISPUTE: CategoryTraits("#b07aa1"),
    IncidentCategory.DISASTER: CategoryTraits("#9c755f", urgent_by_default=True),
}


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
