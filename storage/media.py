"""Photos a platform hands over only as a URL: queued with their update, copied later.

The queue row is written in the same transaction as the inbox row, so a photo can never
be confirmed to the platform without also being remembered for copying.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.enums import MediaStatus
from storage.models import MediaFile


async def queue(
    session: AsyncSession, *, inbox_id: int, channel: str, urls: Sequence[str], now: datetime
) -> None:
    for position, url in enumerate(urls):
        session.add(
            MediaFile(
                inbox_id=inbox_id,
                position=position,
                channel=channel,
                source_url=url,
                status=MediaStatus.PENDING,
                attempts=0,
                created_at=now,
            )
        )
    await session.flush()


async def claim(
    session: AsyncSession, channel: str, now: datetime, lease: timedelta, limit: int = 10
) -> list[MediaFile]:
    """Due rows, leased so that another process does not fetch them at the same time."""
    query = (
        select(MediaFile)
        .where(
            MediaFile.channel == channel,
            MediaFile.status == MediaStatus.PENDING,
            or_(MediaFile.not_before.is_(None), MediaFile.not_before <= now),
            or_(MediaFile.claimed_until.is_(None), MediaFile.claimed_until <= now),
        )
        .order_by(MediaFile.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    rows = list((await session.execute(query)).scalars())
    for row in rows:
        row.claimed_until = now + lease
    return rows


def stored(
    item: MediaFile, local_path: str, size: int, content_type: str | None, now: datetime
) -> None:
    item.status = MediaStatus.DONE
    item.local_path = local_path
    item.size_bytes = size
    item.content_type = content_type
    item.fetched_at = now
    item.attempts += 1
    item.claimed_until = None
    item.error = None


def failed(item: MediaFile, error: str, retry_at: datetime | None) -> None:
    """Try again at `retry_at`; None gives up (the report keeps the URL either way)."""
    item.attempts += 1
    item.error = error[:2000]
    item.claimed_until = None
    if retry_at is None:
        item.status = MediaStatus.FAILED
    else:
        item.not_before = retry_at
