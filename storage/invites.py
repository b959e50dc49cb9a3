"""Invite codes: short, unambiguous to read aloud, used a limited number of times."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.enums import Role
from storage.models import InviteCode, InviteFailure

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8


def normalize_code(text: str) -> str:
    return "".join(c for c in text.upper() if c.isalnum())


async def create(
    session: AsyncSession,
    *,
    unit_id: int,
    role: Role,
    now: datetime,
    valid_for: timedelta = timedelta(days=14),
    max_uses: int = 1,
    created_by_person_id: int | None = None,
) -> InviteCode:
    invite = InviteCode(
        code="".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH)),
        unit_id=unit_id,
        role=role,
        expires_at=now + valid_for,
        max_uses=max_uses,
        uses=0,
        created_at=now,
        created_by_person_id=created_by_person_id,
    )
    session.add(invite)
    await session.flush()
    return invite


async def find(session: AsyncSession, text: str) -> InviteCode | None:
    query = select(InviteCode).where(InviteCode.code == normalize_code(text))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


# Guessing an 8-character code from 32 letters is hopeless at these rates; the limits also
# keep a typo-prone person from locking themselves out for long.
FAILURES_PER_IDENTITY = 5
FAILURES_OVERALL = 60
FAILURE_WINDOW = timedelta(minutes=10)
OVERALL_WINDOW = timedelta(minutes=1)


async def record_failure(session: AsyncSession, identity_id: int, now: datetime) -> None:
    session.add(InviteFailure(identity_id=identity_id, at=now))
    await session.flush()


async def guessing_blocked(session: AsyncSession, identity_id: int, now: datetime) -> bool:
    """Too many wrong codes lately, from this account or from everyone together."""
    mine = select(func.count()).where(
        InviteFailure.identity_id == identity_id, InviteFailure.at > now - FAILURE_WINDOW
    )
    everyone = select(func.count()).where(InviteFailure.at > now - OVERALL_WINDOW)
    return (await session.execute(mine)).scalar_one() >= FAILURES_PER_IDENTITY or (
        await session.execute(everyone)
    ).scalar_one() >= FAILURES_OVERALL
