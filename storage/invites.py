"""Invite codes: short, unambiguous to read aloud, used a limited number of times."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Literal

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


# An 8-character code from 32 letters is one of 32**8 (about 10**12): with a few hundred codes
# alive, guessing is hopeless at these rates, so the limits only ever hold back the account
# that guesses. A valid code is refused only to an account that is locked itself.
GuessKind = Literal["invite", "link"]
# More different wrong codes than a person mistypes before asking the officer for help.
FAILURES_PER_ACCOUNT = 5
# Long enough to make guessing slow, short enough that a person who mistyped can wait it out.
FAILURE_WINDOW = timedelta(minutes=10)
# Many accounts guessing at once: wrong codes are then told so, a valid code is never refused.
FLOOD_FAILURES = 600
FLOOD_WINDOW = timedelta(minutes=1)
# 64 bits tell the codes of a short window apart; the table never holds a code that was typed.
HASH_LENGTH = 16


def code_hash(typed: str, kind: GuessKind = "invite") -> str:
    """The same for every way of typing one code ('abcd-2345', 'ABCD2345')."""
    digest = hashlib.sha256(f"{kind}:{normalize_code(typed)}".encode())
    return digest.hexdigest()[:HASH_LENGTH]


async def record_failure(
    session: AsyncSession, identity_id: int, now: datetime, typed: str, kind: GuessKind = "invite"
) -> None:
    """A code of this kind that did not work (unknown, used or expired), typed by this account."""
    session.add(
        InviteFailure(identity_id=identity_id, kind=kind, code_hash=code_hash(typed, kind), at=now)
    )
    await session.flush()


async def locked_until(
    session: AsyncSession, identity_id: int, now: datetime, kind: GuessKind = "invite"
) -> datetime | None:
    """When this account may type a code of this kind again, if it is locked now.

    Different wrong codes count; typing the same wrong code again is not another guess.
    """
    latest = func.max(InviteFailure.at)
    query = (
        select(latest)
        .where(
            InviteFailure.identity_id == identity_id,
            InviteFailure.kind == kind,
            InviteFailure.at > now - FAILURE_WINDOW,
        )
        .group_by(InviteFailure.code_hash)
        .order_by(latest.desc())
        .limit(FAILURES_PER_ACCOUNT)
    )
    times = list((await session.execute(query)).scalars())
    if len(times) < FAILURES_PER_ACCOUNT:
        return None
    # The lock lifts when the oldest of these codes leaves the window.
    return times[-1] + FAILURE_WINDOW


async def guessing_blocked(
    session: AsyncSession, identity_id: int, now: datetime, kind: GuessKind = "invite"
) -> bool:
    """This account typed too many different wrong codes of this kind lately."""
    return await locked_until(session, identity_id, now, kind) is not None


async def flooded(session: AsyncSession, now: datetime, kind: GuessKind = "invite") -> bool:
    """Wrong codes of this kind arrive from everyone faster than people mistype; ask only about
    a code that does not exist, so that a valid one is never refused for it."""
    everyone = select(func.count()).where(
        InviteFailure.kind == kind, InviteFailure.at > now - FLOOD_WINDOW
    )
    return (await session.execute(everyone)).scalar_one() >= FLOOD_FAILURES
