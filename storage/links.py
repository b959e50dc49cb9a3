"""One person, several accounts: one-time link codes, and joining two people into one."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.invites import ALPHABET, normalize_code
from storage.models import (
    Identity,
    InviteCode,
    LinkCode,
    Person,
    Report,
    ReportChange,
    RoleAssignment,
)

CODE_LENGTH = 8
VALID_FOR = timedelta(minutes=30)


async def create(
    session: AsyncSession, identity_id: int, now: datetime, valid_for: timedelta = VALID_FOR
) -> LinkCode:
    link = LinkCode(
        code="".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH)),
        identity_id=identity_id,
        created_at=now,
        expires_at=now + valid_for,
    )
    session.add(link)
    await session.flush()
    return link


async def find(session: AsyncSession, text: str) -> LinkCode | None:
    """The code typed, locked so that two accounts typing it at once cannot both use it."""
    query = select(LinkCode).where(LinkCode.code == normalize_code(text))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


async def get(session: AsyncSession, link_id: int) -> LinkCode | None:
    query = select(LinkCode).where(LinkCode.id == link_id)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


def request(link: LinkCode, by: Identity, now: datetime) -> None:
    """`by` typed the code; the join waits for the role holder's answer."""
    link.requested_by_identity_id = by.id
    link.requested_at = now


def request_expired(link: LinkCode, now: datetime) -> bool:
    return link.requested_at is None or link.requested_at + VALID_FOR <= now


def display(code: str) -> str:
    """ABCD-2345: two halves are easier to copy from one phone app to another."""
    half = len(code) // 2
    return f"{code[:half]}-{code[half:]}"


async def join(
    session: AsyncSession, link: LinkCode, keep: Person, absorb: Person, by: Identity, now: datetime
) -> None:
    """Every account, report, role and invite of `absorb` now belongs to `keep`.

    The absorbed person's row stays (history points at it); the link code records the join.
    """
    moves = (
        update(Identity).where(Identity.person_id == absorb.id).values(person_id=keep.id),
        update(Report).where(Report.reporter_id == absorb.id).values(reporter_id=keep.id),
        update(ReportChange).where(ReportChange.person_id == absorb.id).values(person_id=keep.id),
        update(RoleAssignment)
        .where(RoleAssignment.person_id == absorb.id)
        .values(person_id=keep.id),
        update(InviteCode)
        .where(InviteCode.created_by_person_id == absorb.id)
        .values(created_by_person_id=keep.id),
    )
    for statement in moves:
        await session.execute(statement.execution_options(synchronize_session="fetch"))
    if keep.phone is None and absorb.phone is not None:
        keep.phone, keep.share_phone = absorb.phone, absorb.share_phone
    link.used_at = now
    link.used_by_identity_id = by.id
    link.kept_person_id = keep.id
    link.merged_person_id = absorb.id
    await session.flush()
