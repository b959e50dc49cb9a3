"""Personal data is kept only as long as it is needed, and a person can be forgotten."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, Delete, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage import audit
from storage.enums import InboxStatus, OutboxStatus
from storage.models import (
    Conversation,
    Identity,
    InboxItem,
    OutboxItem,
    Person,
    Report,
    ReportChange,
    ReportPhoto,
    RoleAssignment,
)

FORGOTTEN_NAME = "(đã xóa)"


@dataclass(frozen=True)
class RetentionPolicy:
    reports: timedelta = timedelta(days=5 * 365)
    raw_updates: timedelta = timedelta(days=30)
    conversations: timedelta = timedelta(days=7)


@dataclass
class Cleaned:
    counts: dict[str, int] = field(default_factory=dict)


async def clean(session: AsyncSession, now: datetime, policy: RetentionPolicy) -> Cleaned:
    """Delete what is past its keeping time; the rest stays as it is."""
    cleaned = Cleaned()
    old_reports = select(Report.id).where(Report.received_at < now - policy.reports)
    for table, column in (
        (ReportPhoto, ReportPhoto.report_id),
        (ReportChange, ReportChange.report_id),
    ):
        await session.execute(delete(table).where(column.in_(old_reports)))
    cleaned.counts["reports"] = await _deleted(
        session, delete(Report).where(Report.received_at < now - policy.reports)
    )

    raw_cutoff = now - policy.raw_updates
    done = (InboxStatus.DONE, InboxStatus.FAILED)
    finished_inbox = select(InboxItem.id).where(
        InboxItem.received_at < raw_cutoff, InboxItem.status.in_(done)
    )
    await session.execute(
        update(Report)
        .where(Report.source_inbox_id.in_(finished_inbox))
        .values(source_inbox_id=None)
    )
    cleaned.counts["inbox"] = await _deleted(
        session,
        delete(InboxItem).where(InboxItem.received_at < raw_cutoff, InboxItem.status.in_(done)),
    )
    cleaned.counts["outbox"] = await _deleted(
        session,
        delete(OutboxItem).where(
            OutboxItem.created_at < raw_cutoff,
            OutboxItem.status.in_((OutboxStatus.SENT, OutboxStatus.FAILED)),
        ),
    )
    cleaned.counts["conversations"] = await _deleted(
        session, delete(Conversation).where(Conversation.updated_at < now - policy.conversations)
    )
    return cleaned


async def _deleted(session: AsyncSession, statement: Delete) -> int:
    result = cast(CursorResult[Any], await session.execute(statement))
    return int(result.rowcount or 0)


async def forget_person(session: AsyncSession, person_id: int, now: datetime) -> bool:
    """Erase a person's name, phone and accounts; their reports stay, no longer theirs by name.

    Returns False when there is no such person.
    """
    person = await session.get(Person, person_id)
    if person is None:
        return False
    person.full_name, person.phone, person.share_phone = FORGOTTEN_NAME, None, False
    person.forgotten_at = now
    identities = list(
        (await session.execute(select(Identity).where(Identity.person_id == person_id))).scalars()
    )
    for identity in identities:
        await session.execute(delete(Conversation).where(Conversation.identity_id == identity.id))
        await session.execute(
            update(InboxItem)
            .where(
                InboxItem.channel == identity.channel, InboxItem.user_key == identity.external_id
            )
            .values(
                payload=None,
                event={},
                user_key=f"forgotten-{identity.id}",
                chat_key=f"forgotten-{identity.id}",
            )
        )
        await session.execute(delete(OutboxItem).where(OutboxItem.identity_id == identity.id))
        identity.external_id = f"forgotten-{identity.id}"
        identity.chat_key = f"forgotten-{identity.id}"
        identity.display_name = None
        identity.active = False
    await session.execute(
        update(RoleAssignment)
        .where(RoleAssignment.person_id == person_id, RoleAssignment.valid_to.is_(None))
        .values(valid_to=now)
    )
    audit.record(session, at=now, person_id=None, action="forget", subject=f"person:{person_id}")
    return True
