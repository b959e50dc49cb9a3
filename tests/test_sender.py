"""The sender's promises against a platform that fails in each documented way."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.ratelimit import Limits
from bot.sender import Blocked, Rejected, RetryAfter, Sender, SenderPolicy, Transient
from handlers.messages import OutMessage
from storage import outbox
from storage.enums import OutboxStatus
from storage.models import Identity, OutboxItem
from tests.databases import SEED_TIME
from tests.support import MutableClock

FAST = Limits(per_second=1000, per_chat_per_second=1000, chat_burst=1000)


class ScriptedPlatform:
    """A platform whose next answers are given by the test; everything else is accepted."""

    channel = "telegram"

    def __init__(self) -> None:
        self.failures: dict[str, deque[Exception]] = {}
        self.delivered: list[tuple[str, str]] = []

    def is_group(self, chat_key: str) -> bool:
        return chat_key.startswith("-")

    def fail(self, chat_key: str, *errors: Exception) -> None:
        self.failures.setdefault(chat_key, deque()).extend(errors)

    async def send(
        self, chat_key: str, message: OutMessage, replacing: str | None = None
    ) -> str | None:
        pending = self.failures.get(chat_key)
        if pending:
            raise pending.popleft()
        self.delivered.append((chat_key, message.text))
        return str(len(self.delivered))


async def queue(sessions: async_sessionmaker[AsyncSession], chat: str, count: int) -> None:
    async with sessions() as session, session.begin():
        for number in range(count):
            await outbox.enqueue(
                session,
                idempotency_key=f"digest:W48:{chat}:{number}",
                channel="telegram",
                chat_key=chat,
                identity_id=None,
                message=OutMessage(text=f"{chat} #{number}").model_dump(),
                now=SEED_TIME,
            )


async def rows(sessions: async_sessionmaker[AsyncSession], chat: str) -> list[OutboxItem]:
    async with sessions() as session:
        query = select(OutboxItem).where(OutboxItem.chat_key == chat).order_by(OutboxItem.id)
        return list((await session.execute(query)).scalars())


async def test_every_row_once_in_order_per_chat(
    sessions: async_sessionmaker[AsyncSession], clock: MutableClock
) -> None:
    platform = ScriptedPlatform()
    for chat in ("101", "102", "103"):
        await queue(sessions, chat, 4)
    await queue(sessions, "101", 4)  # the same keys again: written once
    platform.fail("102", RetryAfter(3))
    platform.fail("103", Transient("502 Bad Gateway"), Transient("timeout"))
    sender = Sender(sessions, platform, limits=FAST, clock=clock)

    await sender.drain()
    for _ in range(4):
        clock.advance(minutes=1)
        await sender.drain()

    for chat in ("101", "102", "103"):
        texts = [text for key, text in platform.delivered if key == chat]
        assert texts == [f"{chat} #{n}" for n in range(4)]
        stored = await rows(sessions, chat)
        assert {row.status for row in stored} == {OutboxStatus.SENT}
    first_of_103 = (await rows(sessions, "103"))[0]
    assert first_of_103.attempts == 3
    assert sender.paused_until is not None


async def test_retry_after_is_respected_before_sending_again(
    sessions: async_sessionmaker[AsyncSession], clock: MutableClock
) -> None:
    platform = ScriptedPlatform()
    await queue(sessions, "201", 1)
    platform.fail("201", RetryAfter(30))
    sender = Sender(sessions, platform, limits=FAST, clock=clock)
    await sender.drain()
    clock.advance(seconds=10)
    await sender.drain()
    assert platform.delivered == []
    clock.advance(seconds=25)
    await sender.drain()
    assert platform.delivered == [("201", "201 #0")]


async def test_a_stop_waits_for_the_batch_being_sent_not_for_the_whole_backlog(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    platform = ScriptedPlatform()
    stop = asyncio.Event()
    delivered = platform.send

    async def stopped_while_sending(
        chat_key: str, message: OutMessage, replacing: str | None = None
    ) -> str | None:
        stop.set()
        return await delivered(chat_key, message, replacing)

    platform.send = stopped_while_sending  # type: ignore[method-assign]
    await queue(sessions, "251", 6)
    sender = Sender(sessions, platform, limits=FAST, policy=SenderPolicy(batch=2))
    await asyncio.wait_for(sender.run(stop), 10)
    assert [row.status for row in await rows(sessions, "251")] == [OutboxStatus.SENT] * 2 + [
        OutboxStatus.PENDING
    ] * 4


async def test_transient_failures_give_up_after_the_bound(
    sessions: async_sessionmaker[AsyncSession], clock: MutableClock
) -> None:
    platform = ScriptedPlatform()
    await queue(sessions, "301", 1)
    platform.fail("301", *[Transient("500 Internal Server Error")] * 50)
    policy = SenderPolicy(max_attempts=4)
    sender = Sender(sessions, platform, limits=FAST, clock=clock, policy=policy)
    for _ in range(10):
        await sender.drain()
        clock.advance(hours=1)
    [row] = await rows(sessions, "301")
    assert row.status is OutboxStatus.FAILED
    assert row.attempts == 4
    assert "500" in (row.last_error or "")
    assert len(platform.failures["301"]) == 46


async def test_a_blocked_person_is_marked_inactive_and_not_retried(
    sessions: async_sessionmaker[AsyncSession], clock: MutableClock
) -> None:
    async with sessions() as session:
        identity = (await session.execute(select(Identity).limit(1))).scalar_one()
    async with sessions() as session, session.begin():
        for number in range(3):
            await outbox.enqueue(
                session,
                idempotency_key=f"reminder:{number}",
                channel="telegram",
                chat_key="401",
                identity_id=identity.id,
                message=OutMessage(text="Nhắc báo cáo").model_dump(),
                now=clock(),
            )
    platform = ScriptedPlatform()
    platform.fail("401", Blocked("Forbidden: bot was blocked by the user"))
    sender = Sender(sessions, platform, limits=FAST, clock=clock)
    await sender.drain()
    clock.advance(hours=1)
    await sender.drain()
    assert platform.delivered == []
    assert {row.status for row in await rows(sessions, "401")} == {OutboxStatus.FAILED}
    async with sessions() as session:
        assert (await session.get_one(Identity, identity.id)).active is False


async def test_a_rejected_message_fails_and_the_next_goes_on(
    sessions: async_sessionmaker[AsyncSession], clock: MutableClock
) -> None:
    platform = ScriptedPlatform()
    await queue(sessions, "501", 2)
    platform.fail("501", Rejected("Bad Request: can't parse entities"))
    await Sender(sessions, platform, limits=FAST, clock=clock).drain()
    first, second = await rows(sessions, "501")
    assert first.status is OutboxStatus.FAILED and "parse entities" in (first.last_error or "")
    assert second.status is OutboxStatus.SENT


async def test_a_leased_row_is_not_taken_by_another_sender_until_the_lease_ends(
    sessions: async_sessionmaker[AsyncSession], clock: MutableClock
) -> None:
    await queue(sessions, "601", 1)
    async with sessions() as session, session.begin():
        taken = await outbox.claim(
            session, "telegram", clock(), timedelta(minutes=2), owner="another-sender"
        )
    assert [row.chat_key for row in taken] == ["601"]
    platform = ScriptedPlatform()
    sender = Sender(sessions, platform, limits=FAST, clock=clock)
    await sender.drain()
    assert platform.delivered == []
    clock.advance(minutes=3)
    await sender.drain()
    assert platform.delivered == [("601", "601 #0")]


class BrokenOn(ScriptedPlatform):
    """A client with a bug for one message: it raises what no client maps to the sender's
    errors, every time that message is tried."""

    def __init__(self, text: str, error: Exception) -> None:
        super().__init__()
        self.text, self.error, self.tries = text, error, 0

    async def send(
        self, chat_key: str, message: OutMessage, replacing: str | None = None
    ) -> str | None:
        if message.text == self.text:
            self.tries += 1
            raise self.error
        return await super().send(chat_key, message, replacing)


@pytest.mark.parametrize(
    "error", [ValueError("unbalanced <b> in the rendered text"), KeyError("reply_markup")]
)
async def test_an_error_no_client_maps_is_retried_then_failed_and_the_chat_goes_on(
    sessions: async_sessionmaker[AsyncSession],
    clock: MutableClock,
    caplog: pytest.LogCaptureFixture,
    error: Exception,
) -> None:
    await queue(sessions, "701", 3)
    platform = BrokenOn("701 #1", error)
    sender = Sender(
        sessions, platform, limits=FAST, clock=clock, policy=SenderPolicy(max_attempts=4)
    )
    with caplog.at_level(logging.WARNING, logger="bot.sender"):
        for _ in range(8):
            await sender.drain()
            clock.advance(hours=1)
    first, broken, last = await rows(sessions, "701")
    assert (first.status, broken.status, last.status) == (
        OutboxStatus.SENT,
        OutboxStatus.FAILED,
        OutboxStatus.SENT,
    )
    assert broken.attempts == 4 and platform.tries == 4
    name = type(error).__name__
    assert (broken.last_error or "").startswith(f"{name}: ")
    assert str(error) in (broken.last_error or "")
    assert platform.delivered == [("701", "701 #0"), ("701", "701 #2")]
    logged = [r.getMessage() for r in caplog.records if f"outbox row {broken.id}" in r.getMessage()]
    assert len([line for line in logged if name in line]) == 4


class HeldChat(ScriptedPlatform):
    """Holds the first message to one chat until the test lets it go."""

    def __init__(self, held: str) -> None:
        super().__init__()
        self.held = held
        self.let_go = asyncio.Event()

    async def send(
        self, chat_key: str, message: OutMessage, replacing: str | None = None
    ) -> str | None:
        if chat_key == self.held and not self.let_go.is_set():
            await self.let_go.wait()
        return await super().send(chat_key, message, replacing)


async def test_rows_are_taken_while_a_slow_chat_still_sends(
    sessions: async_sessionmaker[AsyncSession], clock: MutableClock
) -> None:
    """Half a batch done is room for more: a chat paced a second apart does not hold back
    every chat after it until the whole batch is sent."""
    platform = HeldChat("141")
    await queue(sessions, "141", 1)
    for chat in ("142", "143", "144", "145"):
        await queue(sessions, chat, 1)
    async with sessions() as session, session.begin():
        await outbox.enqueue(
            session,
            idempotency_key="digest:W48:141:1",
            channel="telegram",
            chat_key="141",
            identity_id=None,
            message=OutMessage(text="141 #1").model_dump(),
            now=SEED_TIME,
        )
    sender = Sender(sessions, platform, limits=FAST, clock=clock, policy=SenderPolicy(batch=2))

    draining = asyncio.create_task(sender.drain())
    for _ in range(200):
        if len(platform.delivered) == 4:
            break
        await asyncio.sleep(0.01)
    assert sorted(platform.delivered) == [
        (chat, f"{chat} #0") for chat in ("142", "143", "144", "145")
    ]
    platform.let_go.set()
    assert await draining == 6

    assert [text for chat, text in platform.delivered if chat == "141"] == ["141 #0", "141 #1"]
    assert all(row.status == OutboxStatus.SENT for row in await rows(sessions, "141"))
