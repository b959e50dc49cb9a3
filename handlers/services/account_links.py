"""One person on several apps: the accounts a link code joins, and the people behind them."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Identity, LinkCode, Person


async def issuer_of(session: AsyncSession, link: LinkCode) -> Identity:
    """The account that asked for the code."""
    return await session.get_one(Identity, link.identity_id)


async def requester_of(session: AsyncSession, link: LinkCode) -> Identity | None:
    """The account that typed the code, when the join waits for the role holder's answer."""
    if link.requested_by_identity_id is None:
        return None
    return await session.get_one(Identity, link.requested_by_identity_id)


async def person_of(session: AsyncSession, identity: Identity) -> Person:
    return await session.get_one(Person, identity.person_id)
