"""The Monday digest to 500 officers while Telegram answers 429, 500, 403 and times out:
each officer gets it once; those who blocked the bot are recorded and not retried."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.ratelimit import Limits
from scheduler.jobs import Jobs
from storage import people, units
from storage.db import create_engine, session_factory
from storage.enums import Channel, OutboxStatus, Role, UnitKind
from storage.models import Identity, OutboxItem, Person
from storage.schedules import WeeklyTime
from tests.telegram_emulator import EmulatorConfig, RateLimits, TelegramEmulator
from tests.telegram_flows.fake import EmulatorTelegram
from tests.telegram_flows.world import running_bot

OFFICERS = 500
FIRST_CHAT = 970_000
BLOCKED = {FIRST_CHAT + n for n in (7, 77, 177)}
MONDAY = datetime(2026, 11, 30, 7, 5, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))


async def add_officers(database_url: str) -> None:
    engine = create_engine(database_url)
    async with session_factory(engine)() as session, session.begin():
        commune = await units.resolve(session, "1969", (UnitKind.COMMUNE,))
        for number in range(OFFICERS):
            person = Person(full_name=f"Cán bộ {number}", created_at=MONDAY - timedelta(days=9))
            session.add(person)
            await session.flush()
            await people.assign(
                session, person.id, commune.id, Role.OFFICER, MONDAY - timedelta(days=9)
            )
            chat = str(FIRST_CHAT + number)
            session.add(
                Identity(
                    person_id=person.id, channel=Channel.TELEGRAM, external_id=chat, chat_key=chat
                )
            )
    await engine.dispose()


async def write_digests(database_url: str) -> int:
    engine = create_engine(database_url)
    jobs = Jobs(session_factory(engine), clock=lambda: MONDAY)
    outcome = await jobs.run_slot("digest_at", WeeklyTime(0, 7, 0))
    again = await jobs.run_slot("digest_at", WeeklyTime(0, 7, 0))
    await engine.dispose()
    assert outcome.status == "ran" and again.status == "already"
    return outcome.messages


@pytest.mark.slow
async def test_digest_to_500_officers_through_failures(database_url: str) -> None:
    await add_officers(database_url)
    written = await write_digests(database_url)
    assert written >= OFFICERS * 2  # the text and its chart, for each officer
    chats = [FIRST_CHAT + n for n in range(OFFICERS)]
    config = EmulatorConfig(rate_limits=RateLimits(global_per_second=600, private_burst=3))
    async with TelegramEmulator(config) as telegram:
        for chat in chats:
            telegram.register_user(chat, f"Cán bộ {chat}")
        for chat in BLOCKED:
            telegram.block_chat(chat)
        telegram.fail_with_flood_wait("sendMessage", retry_after=1, times=2)
        telegram.fail_with_server_error(("sendMessage", "sendPhoto"), times=5)
        telegram.hang_next("sendMessage", seconds=3, apply_call=False, times=2)
        limits = Limits(per_second=600, per_chat_per_second=5, chat_burst=3)
        async with running_bot(
            EmulatorTelegram(telegram), database_url, "ptb", "polling",
            limits=limits, call_timeout=1.0,
        ) as world:  # fmt: skip

            async def done() -> bool:
                async with world.observer() as session:
                    pending = await session.execute(
                        select(func.count()).where(
                            OutboxItem.status == OutboxStatus.PENDING,
                            OutboxItem.channel == "telegram",
                        )
                    )
                    return int(pending.scalar_one()) == 0

            for _ in range(2400):
                if await done():
                    break
                await asyncio.sleep(0.1)
            async with world.observer() as session:
                inactive = set(
                    (
                        await session.execute(
                            select(Identity.external_id).where(
                                Identity.channel == "telegram", Identity.active.is_(False)
                            )
                        )
                    ).scalars()
                )
        received = {chat: telegram.sent_messages(chat) for chat in chats}
    for chat in chats:
        if chat in BLOCKED:
            assert received[chat] == []
            continue
        digest, chart = received[chat]  # exactly the text and its chart, once each
        assert (digest.text or "").startswith("Tổng hợp tuần 48"), chat
        assert "photo" in chart.payload, chat
        assert (chart.caption or chart.text or "").startswith("Biểu đồ 8 tuần"), chat
    assert inactive == {str(chat) for chat in BLOCKED}
