"""Two senders on one outbox: each keeps the rows it leased, and frees only its own."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.sender import Sender, SenderPolicy
from handlers.messages import OutMessage
from storage import outbox
from storage.clock import running_from
from storage.enums import OutboxStatus
from tests.databases import SEED_TIME
from tests.support import MutableClock
from tests.test_sender import FAST, ScriptedPlatform, queue, rows

LEASE = SenderPolicy(lease=timedelta(seconds=10))


class Meanwhile(ScriptedPlatform):
    """A platform where each send takes `seconds` of the clock, and something else happens
    while it is under way (another sender at work)."""

    def __init__(self, clock: MutableClock, seconds: float) -> None:
        super().__init__()
        self.clock, self.seconds = clock, seconds
        self.other: Sender | None = None

    async def send(
        self, chat_key: str, message: OutMessage, replacing: str | None = None
    ) -> str | None:
        self.clock.advance(seconds=self.seconds)
        if self.other is not None:
            await self.other.drain()
        return await super().send(chat_key, message, replacing)


def texts(platform: ScriptedPlatform, chat: str) -> list[str]:
    return [text for key, text in platform.delivered if key == chat]


async def test_a_backlog_paced_past_the_lease_is_not_taken_over_by_another_sender(
    sessions: async_sessionmaker[AsyncSession], clock: MutableClock
) -> None:
    await queue(sessions, "801", 10)
    mine = Meanwhile(clock, seconds=4)  # ten sends: 40 seconds, four times the lease
    theirs = ScriptedPlatform()
    mine.other = Sender(sessions, theirs, limits=FAST, clock=clock, policy=LEASE)
    await Sender(sessions, mine, limits=FAST, clock=clock, policy=LEASE).drain()
    assert texts(mine, "801") == [f"801 #{n}" for n in range(10)]
    assert theirs.delivered == []
    stored = await rows(sessions, "801")
    assert [(row.status, row.attempts) for row in stored] == [(OutboxStatus.SENT, 1)] * 10


async def test_a_sender_starting_frees_its_own_dead_run_s_rows_and_no_one_else_s(
    sessions: async_sessionmaker[AsyncSession], clock: MutableClock
) -> None:
    await queue(sessions, "811", 3)
    await queue(sessions, "812", 2)
    async with sessions() as session, session.begin():
        # A run of the console for this person, killed with its rows leased.
        await outbox.claim(
            session, "telegram", clock(), LEASE.lease, owner="console-812", chat_key="812"
        )
    restarted = ScriptedPlatform()
    restart = Sender(
        sessions, restarted, limits=FAST, clock=clock, policy=LEASE, owner="console-812"
    )

    async def restart_meanwhile() -> None:
        await restart.release_leases()
        await restart.drain()

    class StartsARestart(Meanwhile):
        async def send(
            self, chat_key: str, message: OutMessage, replacing: str | None = None
        ) -> str | None:
            if not self.delivered:
                await restart_meanwhile()
            return await super().send(chat_key, message, replacing)

    live = StartsARestart(clock, seconds=1)
    sender = Sender(sessions, live, limits=FAST, clock=clock, policy=LEASE, chat_key="811")
    await sender.drain()

    assert texts(restarted, "812") == ["812 #0", "812 #1"]  # at once, not when the lease ends
    assert texts(restarted, "811") == []
    assert texts(live, "811") == ["811 #0", "811 #1", "811 #2"]
    assert {row.status for row in await rows(sessions, "811")} == {OutboxStatus.SENT}


async def test_a_stopping_sender_frees_its_rows_and_leaves_another_sender_s_leased(
    sessions: async_sessionmaker[AsyncSession], clock: MutableClock
) -> None:
    await queue(sessions, "821", 2)
    await queue(sessions, "822", 2)
    async with sessions() as session, session.begin():
        await outbox.claim(session, "telegram", clock(), LEASE.lease, owner="a", chat_key="821")
        await outbox.claim(session, "telegram", clock(), LEASE.lease, owner="b", chat_key="822")
    stop = asyncio.Event()
    stop.set()
    stopping = Sender(
        sessions, ScriptedPlatform(), limits=FAST, clock=clock, policy=LEASE, owner="a"
    )
    await stopping.run(stop)
    freed = await rows(sessions, "821")
    kept = await rows(sessions, "822")
    assert [(row.claimed_by, row.claimed_until) for row in freed] == [(None, None)] * 2
    assert [row.claimed_by for row in kept] == ["b", "b"]
    assert all(row.claimed_until is not None for row in kept)


async def test_rows_waiting_for_their_turn_keep_their_lease_while_others_are_sent(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    # A real second and real waits: the renewal runs on the event loop's time.
    # The lease is shorter than the last chat's wait, with slack for a loaded machine.
    policy = SenderPolicy(lease=timedelta(seconds=2), concurrency=1)
    clock = running_from(SEED_TIME)
    chats = ["831", "832", "833", "834"]
    for chat in chats:
        await queue(sessions, chat, 1)

    class Slow(ScriptedPlatform):
        async def send(
            self, chat_key: str, message: OutMessage, replacing: str | None = None
        ) -> str | None:
            sending.set()
            await asyncio.sleep(1.0)
            return await super().send(chat_key, message, replacing)

    sending = asyncio.Event()
    mine, theirs = Slow(), ScriptedPlatform()
    other = Sender(sessions, theirs, limits=FAST, clock=clock, policy=policy)
    done = asyncio.Event()

    async def looking_for_work() -> None:
        await sending.wait()  # the other sender comes once these rows are held
        while not done.is_set():
            await other.drain()
            await asyncio.sleep(0.05)

    looking = asyncio.create_task(looking_for_work())
    try:
        await Sender(sessions, mine, limits=FAST, clock=clock, policy=policy).drain()
    finally:
        done.set()
        await looking
    assert sorted(key for key, _ in mine.delivered) == chats  # the last waited 3 s
    assert theirs.delivered == []
