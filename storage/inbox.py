"""The inbox: raw updates stored before they are confirmed, claimed in order per user."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage.enums import InboxStatus
from storage.models import InboxItem


async def store(
    session: AsyncSession,
    *,
    channel: str,
    update_key: str,
    user_key: str,
    chat_key: str,
    event: dict[str, Any],
    now: datetime,
    payload: dict[str, Any] | None = None,
) -> int | None:
    """Insert unless this (channel, update_key) was seen; the id, or None for a redelivery."""
    values = {
        "channel": channel,
        "update_key": update_key,
        "user_key": user_key,
        "chat_key": chat_key,
        "event": event,
        "payload": payload,
        "received_at": now,
        "status": InboxStatus.PENDING.value,
        "attempts": 0,
    }
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = (
        insert(InboxItem)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["channel", "update_key"])
        .returning(InboxItem.id)
    )
    result = await session.execute(statement)
    return result.scalar_one_or_none()


@dataclass(frozen=True)
class Claimed:
    """An inbox row taken for processing: what a step needs of it."""

    id: int
    channel: str
    user_key: str
    chat_key: str
    event: dict[str, Any]


async def claim_next(session: AsyncSession) -> Claimed | None:
    """The oldest pending row with no earlier pending row of its user, locked where possible."""
    heads = await claim_heads(session, 1)
    return heads[0] if heads else None


async def claim_heads(session: AsyncSession, limit: int) -> list[Claimed]:
    """The oldest pending rows that each head their user's queue, locked where possible.

    The oldest pending row overall always qualifies; the guard keeps a later row of a user out
    while an earlier one is pending, whether it is in this batch or locked by another engine.
    """
    earlier = aliased(InboxItem)
    same_user_before = (
        select(earlier.id)
        .where(
            earlier.channel == InboxItem.channel,
            earlier.user_key == InboxItem.user_key,
            earlier.status == InboxStatus.PENDING,
            earlier.id < InboxItem.id,
        )
        .exists()
    )
    query = (
        select(
            InboxItem.id,
            InboxItem.channel,
            InboxItem.user_key,
            InboxItem.chat_key,
            InboxItem.event,
        )
        .where(InboxItem.status == InboxStatus.PENDING, ~same_user_before)
        .order_by(InboxItem.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=InboxItem)
    return [Claimed(*row) for row in await session.execute(query)]


async def mark_done(session: AsyncSession, ids: Collection[int], now: datetime) -> None:
    await session.execute(
        update(InboxItem)
        .where(InboxItem.id.in_(ids))
        .values(status=InboxStatus.DONE, processed_at=now, attempts=InboxItem.attempts + 1)
        .execution_options(synchronize_session=False)
    )


async def pending_count(session: AsyncSession) -> int:
    query = select(func.count()).where(InboxItem.status == InboxStatus.PENDING)
    return int((await session.execute(query)).scalar_one())
