"""The real composition on Zalo: bot.app.serve with the Zalo transport and the real sender,
a real database, and the loopback fake in place of Zalo's servers."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from ipaddress import ip_address
from pathlib import Path
from typing import Literal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import Hub, serve
from bot.ratelimit import Limits
from bot.zalo.media_rules import FetchPolicy, Reach
from bot.zalo.transport import ZaloConfig, ZaloTransport
from handlers.engine import Engine
from storage.db import create_engine, session_factory
from storage.enums import Channel, InboxStatus, OutboxStatus
from storage.models import Identity, InboxItem, OutboxItem
from tests.cli import PROCESS_CLOCK
from tests.zalo_fake import FakeUser, ZaloFake

Mode = Literal["polling", "webhook"]
FAST = Limits(per_second=1000, per_chat_per_second=1000, chat_burst=1000)
SECRET = "tuquan-webhook-secret-0123"
WEBHOOK_PATH = "/zalo/webhook"
# The fake serves photos over plain http on loopback, which the bot itself never allows.
FAKE_PHOTOS = Reach(
    hosts=("127.0.0.1",), allowed_addresses=frozenset({ip_address("127.0.0.1")}), allow_http=True
)


@dataclass
class Rig:
    zalo: ZaloFake
    sessions: async_sessionmaker[AsyncSession]
    transport: ZaloTransport
    hub: Hub
    media_dir: Path
    webhook_url: str | None

    async def settled(self, user: FakeUser, message_id: str) -> None:
        await answered(self.sessions, user, message_id)

    async def exchange(self, user: FakeUser, message_id: str) -> str:
        """Everything the person reads in answer to the message, as one text."""
        before = len(self.zalo.sent_to(user.chat_id))
        await self.settled(user, message_id)
        return "\n".join(sent.text for sent in self.zalo.sent_to(user.chat_id)[before:])

    async def say(self, user: FakeUser, text: str) -> str:
        before = len(self.zalo.sent_to(user.chat_id))
        message_id = user.says(text)
        await self.settled(user, message_id)
        return "\n".join(sent.text for sent in self.zalo.sent_to(user.chat_id)[before:])

    async def conversation(self, user: FakeUser, *lines: str) -> list[str]:
        return [await self.say(user, line) for line in lines]


async def answered(
    sessions: async_sessionmaker[AsyncSession], user: FakeUser, message_id: str
) -> None:
    """The message is processed and every reply to its chat accepted (or given up)."""

    async def done() -> bool:
        async with sessions() as session:
            status = await session.scalar(
                select(InboxItem.status).where(
                    InboxItem.channel == Channel.ZALO, InboxItem.update_key == message_id
                )
            )
            waiting = await session.scalar(
                select(func.count()).where(
                    OutboxItem.channel == Channel.ZALO,
                    OutboxItem.chat_key == user.chat_id,
                    OutboxItem.status == OutboxStatus.PENDING,
                )
            )
        return status is not None and status != InboxStatus.PENDING and waiting == 0

    await wait_for(done, f"message {message_id} to be answered")


async def wait_for(check: Callable[[], Awaitable[bool]], what: str, within: float = 20.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


async def as_head(sessions: async_sessionmaker[AsyncSession], user: FakeUser) -> None:
    """Give the demo hamlet head of Nà Phải a Zalo account (as /lienket would)."""
    await as_demo(sessions, user, "demo-hamlet-head")


async def as_demo(
    sessions: async_sessionmaker[AsyncSession], user: FakeUser, demo_external_id: str
) -> None:
    """Give a demo person (`storage.demo.DEMO_IDENTITIES`) a Zalo account too."""
    async with sessions() as session, session.begin():
        demo = await session.scalar(
            select(Identity).where(Identity.external_id == demo_external_id)
        )
        assert demo is not None
        session.add(
            Identity(
                person_id=demo.person_id,
                channel=Channel.ZALO,
                external_id=user.id,
                chat_key=user.chat_id,
                display_name=user.display_name,
            )
        )


@asynccontextmanager
async def running_bot(
    database_url: str,
    tmp_path: Path,
    *,
    mode: Mode = "polling",
    zalo: ZaloFake | None = None,
    limits: Limits = FAST,
    fetch_policy: FetchPolicy | None = None,
) -> AsyncIterator[Rig]:
    fake = zalo or ZaloFake()
    owns_fake = zalo is None
    if owns_fake:
        await fake.start()
    engine = create_engine(database_url)
    sessions = session_factory(engine)
    listener: socket.socket | None = None
    webhook_url: str | None = None
    if mode == "webhook":
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        webhook_url = f"http://127.0.0.1:{listener.getsockname()[1]}{WEBHOOK_PATH}"
    media_dir = tmp_path / "media"
    config = ZaloConfig(
        token=fake.token,
        api_url=fake.base_url,
        limits=limits,
        media_dir=media_dir,
        media_max_bytes=1024 * 1024,
        poll_seconds=1,
        webhook_url=webhook_url,
        webhook_secret=SECRET if webhook_url else None,
    )
    photos = fetch_policy or FetchPolicy(max_bytes=config.media_max_bytes, reach=FAKE_PHOTOS)
    transport = ZaloTransport(config, listen_socket=listener, fetch_policy=photos, retry_after=0.2)
    stop = asyncio.Event()
    hub = Hub(sessions, Engine(sessions, clock=PROCESS_CLOCK))
    task = asyncio.create_task(serve(hub, [transport], stop))
    try:
        if mode == "webhook":
            await fake.wait_until(lambda: fake.state.webhook is not None, what="setWebhook")
        else:
            await fake.wait_until(lambda: fake.called("getUpdates") > 0, what="first poll")
        yield Rig(fake, sessions, transport, hub, media_dir, webhook_url)
    finally:
        stop.set()
        fake.end_polls()
        hub.inbox_changed()  # the engine's idle wait ends now rather than in half a second
        await task
        await transport.aclose()
        await engine.dispose()
        if owns_fake:
            await fake.stop()
