"""The outbox: each outgoing message once, by its idempotency key."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from storage.enums import OutboxStatus
from storage.models import OutboxItem, utcnow


async def enqueue(
    session: AsyncSession,
    *,
    idempotency_key: str,
    channel: str,
    chat_key: str,
    identity_id: int | None,
    message: dict[str, Any],
    not_before: datetime | None = None,
) -> bool:
    """Write the row unless its key exists; True when it was new."""
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = (
        insert(OutboxItem)
        .values(
            idempotency_key=idempotency_key,
            channel=channel,
            chat_key=chat_key,
            identity_id=identity_id,
            message=message,
            status=OutboxStatus.PENDING.value,
            attempts=0,
            created_at=utcnow(),
            not_before=not_before,
        )
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
        .returning(OutboxItem.id)
    )
    return (await session.execute(statement)).scalar_one_or_none() is not None


async def pending_for(
    session: AsyncSession, channel: str, chat_key: str | None = None, limit: int = 100
) -> list[OutboxItem]:
    query = select(OutboxItem).where(
        OutboxItem.status == OutboxStatus.PENDING, OutboxItem.channel == channel
    )
    if chat_key is not None:
        query = query.where(OutboxItem.chat_key == chat_key)
    now = utcnow()
    query = query.where((OutboxItem.not_before.is_(None)) | (OutboxItem.not_before <= now))
    return list((await session.execute(query.order_by(OutboxItem.id).limit(limit))).scalars())


def mark_sent(item: OutboxItem) -> None:
    item.status = OutboxStatus.SENT
    item.sent_at = utcnow()
    item.attempts += 1
