"""Signing in to the pages: a link works once and briefly; a session until it ends or expires."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage import web_access
from storage.enums import Channel
from storage.models import Identity, WebSession, WebSignIn
from tests.support import OFFICER, MutableClock


async def officer_id(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        query = select(Identity.person_id).where(Identity.external_id == OFFICER)
        return (await session.execute(query)).scalar_one()


async def issue(
    sessions: async_sessionmaker[AsyncSession], person_id: int, clock: MutableClock
) -> str:
    async with sessions() as session, session.begin():
        return await web_access.issue_link(session, person_id, clock())


async def redeem(
    sessions: async_sessionmaker[AsyncSession], token: str, clock: MutableClock
) -> int | None:
    async with sessions() as session, session.begin():
        return await web_access.redeem_link(session, token, clock())


async def open_session(
    sessions: async_sessionmaker[AsyncSession], person_id: int, clock: MutableClock
) -> str:
    async with sessions() as session, session.begin():
        return await web_access.open_session(session, person_id, clock())


async def signed_in(
    sessions: async_sessionmaker[AsyncSession], token: str, clock: MutableClock
) -> int | None:
    async with sessions() as session:
        return await web_access.session_person(session, token, clock())


async def test_a_link_works_once(
    sessions: async_sessionmaker[AsyncSession], clock: MutableClock
) -> None:
    person = await officer_id(sessions)
    token = await issue(sessions, person, clock)
    assert await redeem(sessions, token, clock) == person
    assert await redeem(sessions, token, clock) is None


async def test_an_unknown_or_altered_link_gives_no_one(
    sessions: async_sessionmaker[AsyncSession], clock: MutableClock
) -> None:
    person = await officer_id(sessions)
    token = await issue(sessions, person, clock)
    assert await redeem(sessions, token[:-1], clock) is None
    assert await redeem(sessions, "", clock) is None
    assert await redeem(sessions, token, clock) == person


async def test_a_link_works_for_ten_minutes_only(
    sessions: async_sessionmaker[AsyncSession], clock: MutableClock
) -> None:
    person = await officer_id(sessions)
    on_time, too_late = await issue(sessions, person, clock), await issue(sessions, person, clock)
    clock.advance(minutes=9, seconds=59)
    assert await redeem(sessions, on_time, clock) == person
    clock.advance(seconds=1)
    assert await redeem(sessions, too_late, clock) is None


async def test_only_a_hash_of_the_tokens_is_stored(
    sessions: async_sessionmaker[AsyncSession], clock: MutableClock
) -> None:
    person = await officer_id(sessions)
    link = await issue(sessions, person, clock)
    cookie = await open_session(sessions, person, clock)
    assert len(link) >= 43 and len(cookie) >= 43 and link != cookie
    async with sessions() as session:
        links = list((await session.execute(select(WebSignIn.token_hash))).scalars())
        cookies = list((await session.execute(select(WebSession.token_hash))).scalars())
    assert links == [hashlib.sha256(link.encode()).hexdigest()]
    assert cookies == [hashlib.sha256(cookie.encode()).hexdigest()]


async def test_a_session_lasts_twelve_hours(
    sessions: async_sessionmaker[AsyncSession], clock: MutableClock
) -> None:
    person = await officer_id(sessions)
    cookie = await open_session(sessions, person, clock)
    assert await signed_in(sessions, cookie, clock) == person
    clock.advance(hours=11, minutes=59)
    assert await signed_in(sessions, cookie, clock) == person
    clock.advance(minutes=1)
    assert await signed_in(sessions, cookie, clock) is None


async def test_an_ended_session_signs_in_no_one_and_others_go_on(
    sessions: async_sessionmaker[AsyncSession], clock: MutableClock
) -> None:
    person = await officer_id(sessions)
    phone, desktop = (
        await open_session(sessions, person, clock),
        await open_session(sessions, person, clock),
    )
    async with sessions() as session, session.begin():
        await web_access.end_session(session, phone, clock())
        await web_access.end_session(session, "not-a-session", clock())
    assert await signed_in(sessions, phone, clock) is None
    assert await signed_in(sessions, desktop, clock) == person
    assert await signed_in(sessions, "not-a-session", clock) is None
    clock.advance(minutes=5)
    async with sessions() as session, session.begin():
        await web_access.end_session(session, phone, clock())  # signing out twice
        ended = (await session.execute(select(WebSession.ended_at))).scalars().all()
    assert sorted(ended, key=lambda at: at is None) == [clock() - timedelta(minutes=5), None]


# SQLite lets one writer at a time: no two redeems can overlap there.
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_two_redeems_at_once_have_one_winner(
    database_url: str, sessions: async_sessionmaker[AsyncSession], clock: MutableClock
) -> None:
    person = await officer_id(sessions)
    token = await issue(sessions, person, clock)
    async with sessions() as first, first.begin():
        assert await web_access.redeem_link(first, token, clock()) == person
        # The second waits on the first's row lock; once it sees the first commit it must
        # find the link used, not use it again.
        second = asyncio.create_task(redeem(sessions, token, clock))
        await wait_for_a_lock_wait(sessions)
        assert not second.done()
    assert await asyncio.wait_for(second, timeout=10) is None


async def wait_for_a_lock_wait(sessions: async_sessionmaker[AsyncSession]) -> None:
    waiting = text(
        "SELECT count(*) FROM pg_stat_activity"
        " WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    for _ in range(500):
        async with sessions() as session:
            if (await session.execute(waiting)).scalar_one() > 0:
                return
        await asyncio.sleep(0.01)
    raise AssertionError("the second redeem never waited for the first")


async def test_the_person_of_an_active_telegram_account(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    person = await officer_id(sessions)
    async with sessions() as session, session.begin():
        for external_id, active in (("5550001", True), ("5550002", False)):
            session.add(
                Identity(
                    person_id=person,
                    channel=Channel.TELEGRAM,
                    external_id=external_id,
                    chat_key=external_id,
                    active=active,
                )
            )
        session.add(
            Identity(
                person_id=person, channel=Channel.ZALO, external_id="5550003", chat_key="5550003"
            )
        )
    async with sessions() as session:
        assert await web_access.person_of_telegram_user(session, 5550001) == person
        assert await web_access.person_of_telegram_user(session, 5550002) is None
        assert await web_access.person_of_telegram_user(session, 5550003) is None
        assert await web_access.person_of_telegram_user(session, 5550009) is None
