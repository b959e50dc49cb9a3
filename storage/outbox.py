"""The outbox: each outgoing message once, by its idempotency key."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage.enums import OutboxStatus
from storage.models import OutboxItem

# Core rows, not ORM objects: the engine writes a batch's replies in one executemany.
OUTBOX = cast(Table, OutboxItem.__table__)


@dataclass(frozen=True)
class Outgoing:
    """A message to write into the outbox, once, under its idempotency key."""

    idempotency_key: str
    channel: str
    chat_key: str
    identity_id: int | None
    message: dict[str, Any]
    not_before: datetime | None = None
    standing: str | None = None


@dataclass(frozen=True)
class StandingCopy:
    """One recipient's copy of a standing message (an alert, a reminder, a digest)."""

    idempotency_key: str
    identity_id: int | None
    channel: str
    chat_key: str
    message: dict[str, Any]


async def enqueue(
    session: AsyncSession,
    *,
    idempotency_key: str,
    channel: str,
    chat_key: str,
    identity_id: int | None,
    message: dict[str, Any],
    now: datetime,
    not_before: datetime | None = None,
    standing: str | None = None,
) -> bool:
    """Write the row unless its key exists; True when it was new."""
    outgoing = Outgoing(
        idempotency_key, channel, chat_key, identity_id, message, not_before, standing
    )
    return await enqueue_one(session, outgoing, now)


async def enqueue_one(session: AsyncSession, outgoing: Outgoing, now: datetime) -> bool:
    """Write the row unless its key exists; True when it was new."""
    statement = _insert_new(session).values(_row(outgoing, now)).returning(OutboxItem.id)
    return (await session.execute(statement)).scalar_one_or_none() is not None


async def enqueue_many(session: AsyncSession, messages: Sequence[Outgoing], now: datetime) -> None:
    """Write each row whose key is new, all in one statement."""
    if messages:
        rows = [_row(outgoing, now) for outgoing in messages]
        await session.execute(_insert_new(session), rows)


def _insert_new(session: AsyncSession) -> Any:
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    return insert(OUTBOX).on_conflict_do_nothing(index_elements=["idempotency_key"])


def _row(outgoing: Outgoing, created: datetime) -> dict[str, Any]:
    return {
        "idempotency_key": outgoing.idempotency_key,
        "channel": outgoing.channel,
        "chat_key": outgoing.chat_key,
        "identity_id": outgoing.identity_id,
        "message": outgoing.message,
        "status": OutboxStatus.PENDING.value,
        "attempts": 0,
        "created_at": created,
        "not_before": outgoing.not_before,
        "standing": outgoing.standing,
    }


async def standing_copies(session: AsyncSession, token: str) -> list[StandingCopy]:
    """Every copy of the standing message with this token, in the order they were written."""
    query = (
        select(
            OutboxItem.idempotency_key,
            OutboxItem.identity_id,
            OutboxItem.channel,
            OutboxItem.chat_key,
            OutboxItem.message,
        )
        .where(OutboxItem.standing == token)
        .order_by(OutboxItem.id)
    )
    return [
        StandingCopy(key, identity_id, str(channel), chat_key, message)
        for key, identity_id, channel, chat_key, message in await session.execute(query)
    ]


async def latest_standing(session: AsyncSession, identity_id: int) -> dict[str, Any] | None:
    """The last alert, reminder or digest this account was shown: what a letter answers."""
    query = (
        select(OutboxItem.message)
        .where(
            OutboxItem.identity_id == identity_id,
            OutboxItem.standing.is_not(None),
            OutboxItem.status == OutboxStatus.SENT,
        )
        .order_by(OutboxItem.id.desc())
        .limit(1)
    )
    message: dict[str, Any] | None = (await session.execute(query)).scalar_one_or_none()
    return message


async def platform_id_of(session: AsyncSession, idempotency_key: str) -> str | None:
    """What the platform called the message it accepted under this key, if it did."""
    query = select(OutboxItem.platform_message_id).where(
        OutboxItem.idempotency_key == idempotency_key, OutboxItem.status == OutboxStatus.SENT
    )
    found: str | None = (await session.execute(query)).scalar_one_or_none()
    return found


def _due(now: datetime) -> Any:
    return (
        (OutboxItem.status == OutboxStatus.PENDING)
        & or_(OutboxItem.not_before.is_(None), OutboxItem.not_before <= now)
        & or_(OutboxItem.claimed_until.is_(None), OutboxItem.claimed_until <= now)
    )


async def pending_for(
    session: AsyncSession,
    channel: str,
    now: datetime,
    chat_key: str | None = None,
    limit: int = 100,
) -> list[OutboxItem]:
    query = select(OutboxItem).where(OutboxItem.channel == channel, _due(now))
    if chat_key is not None:
        query = query.where(OutboxItem.chat_key == chat_key)
    return list((await session.execute(query.order_by(OutboxItem.id).limit(limit))).scalars())


async def claim(
    session: AsyncSession,
    channel: str,
    now: datetime,
    lease: timedelta,
    limit: int = 100,
    *,
    owner: str,
    chat_key: str | None = None,
) -> list[OutboxItem]:
    """Due rows of the channel, leased to `owner` so no other sender takes them meanwhile.

    A row waits while an earlier row of its chat waits (a retry, another sender's lease):
    each chat gets its messages in the order they were written.

    The owner renews the lease while it works (`renew`). A sender that dies while sending
    leaves the lease to run out; the row is then sent again, so a crash can repeat a message
    but never lose it.
    """
    earlier = aliased(OutboxItem)
    held_back_by_earlier = (
        select(earlier.id)
        .where(
            earlier.channel == OutboxItem.channel,
            earlier.chat_key == OutboxItem.chat_key,
            earlier.status == OutboxStatus.PENDING,
            earlier.id < OutboxItem.id,
            or_(earlier.not_before > now, earlier.claimed_until > now),
        )
        .exists()
    )
    candidates = (
        select(OutboxItem.id)
        .where(OutboxItem.channel == channel, _due(now), ~held_back_by_earlier)
        .order_by(OutboxItem.id)
        .limit(limit)
    )
    if chat_key is not None:
        candidates = candidates.where(OutboxItem.chat_key == chat_key)
    if session.get_bind().dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    ids = list((await session.execute(candidates)).scalars())
    if not ids:
        return []
    await session.execute(
        update(OutboxItem)
        .where(OutboxItem.id.in_(ids))
        .values(claimed_until=now + lease, claimed_by=owner)
    )
    query = select(OutboxItem).where(OutboxItem.id.in_(ids)).order_by(OutboxItem.id)
    return list((await session.execute(query)).scalars())


def _held_by(owner: str, ids: Sequence[int]) -> Any:
    # The owner's mark, not the time, says who holds a row: a lease that ran out while
    # nobody claimed the row is still its owner's, one claimed since is the claimer's.
    return (
        OutboxItem.id.in_(ids)
        & (OutboxItem.claimed_by == owner)
        & (OutboxItem.status == OutboxStatus.PENDING)
    )


async def renew(
    session: AsyncSession, ids: Sequence[int], owner: str, now: datetime, lease: timedelta
) -> set[int]:
    """Extend `owner`'s lease on these rows; the ids it still holds (a row another sender
    claimed, or one already sent or failed, is not among them)."""
    if not ids:
        return set()
    statement = (
        update(OutboxItem)
        .where(_held_by(owner, ids))
        .values(claimed_until=now + lease)
        .returning(OutboxItem.id)
    )
    return set((await session.execute(statement)).scalars())


async def release(session: AsyncSession, ids: Sequence[int], owner: str) -> None:
    """`owner`'s rows among these are due again now; anyone else's lease stays as it is."""
    if ids:
        await session.execute(
            update(OutboxItem)
            .where(_held_by(owner, ids))
            .values(claimed_until=None, claimed_by=None)
        )


def mark_sent(item: OutboxItem, now: datetime, platform_message_id: str | None = None) -> None:
    item.status = OutboxStatus.SENT
    item.sent_at = now
    item.attempts += 1
    item.claimed_until = None
    item.claimed_by = None
    item.platform_message_id = platform_message_id


async def release_leases(session: AsyncSession, owner: str, channel: str) -> None:
    """Every row of the channel `owner` holds is due again now: for a sender stopping, and
    for one starting under the owner of a run that died (a console for the same person).
    Leases of other senders are left to run out, however long they have been held."""
    await session.execute(
        update(OutboxItem)
        .where(
            OutboxItem.channel == channel,
            OutboxItem.claimed_by == owner,
            OutboxItem.status == OutboxStatus.PENDING,
        )
        .values(claimed_until=None, claimed_by=None)
    )
