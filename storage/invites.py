"""Invite codes: short, unambiguous to read aloud, used a limited number of times."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.enums import Role
from storage.models import InviteCode

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
