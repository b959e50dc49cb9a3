"""Signing in to the officers' pages: one-time links from the chat, and browser sessions.

A token is handed out once and only its SHA-256 is stored, so a copy of the database lets
no one sign in.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.enums import Channel
from storage.models import Identity, WebSession, WebSignIn

LINK_TTL = timedelta(minutes=10)
SESSION_TTL = timedelta(hours=12)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


async def issue_link(
    session: AsyncSession, person_id: int, now: datetime, ttl: timedelta = LINK_TTL
) -> str:
    """A new one-time sign-in link's token for this person."""
    return await _new_token(session, WebSignIn, person_id, now, ttl)


async def redeem_link(session: AsyncSession, token: str, now: datetime) -> int | None:
    """The person the link is for, if it is still good; it is good no more."""
    # Checked and used in one statement: of two redeems at once only one finds it unused.
    statement = (
        update(WebSignIn)
        .where(
            WebSignIn.token_hash == _hash(token),
            WebSignIn.used_at.is_(None),
            WebSignIn.expires_at > now,
        )
        .values(used_at=now)
        .returning(WebSignIn.person_id)
        .execution_options(synchronize_session=False)
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def open_session(
    session: AsyncSession, person_id: int, now: datetime, ttl: timedelta = SESSION_TTL
) -> str:
    """A new session's token, for the cookie."""
    return await _new_token(session, WebSession, person_id, now, ttl)


async def _new_token(
    session: AsyncSession,
    kind: type[WebSignIn] | type[WebSession],
    person_id: int,
    now: datetime,
    ttl: timedelta,
) -> str:
    token = secrets.token_urlsafe(32)
    session.add(
        kind(token_hash=_hash(token), person_id=person_id, created_at=now, expires_at=now + ttl)
    )
    await session.flush()
    return token


async def session_person(session: AsyncSession, token: str, now: datetime) -> int | None:
    """The person signed in with this session, unless it ended or expired."""
    query = select(WebSession.person_id).where(
        WebSession.token_hash == _hash(token),
        WebSession.ended_at.is_(None),
        WebSession.expires_at > now,
    )
    return (await session.execute(query)).scalar_one_or_none()


async def end_session(session: AsyncSession, token: str, now: datetime) -> None:
    """Sign out: the session is good no more (an unknown or ended one stays as it is)."""
    await session.execute(
        update(WebSession)
        .where(WebSession.token_hash == _hash(token), WebSession.ended_at.is_(None))
        .values(ended_at=now)
        .execution_options(synchronize_session=False)
    )


async def person_of_telegram_user(session: AsyncSession, telegram_user_id: int) -> int | None:
    """The person whose active Telegram account this is."""
    query = select(Identity.person_id).where(
        Identity.channel == Channel.TELEGRAM,
        Identity.external_id == str(telegram_user_id),
        Identity.active.is_(True),
    )
    return (await session.execute(query)).scalar_one_or_none()
