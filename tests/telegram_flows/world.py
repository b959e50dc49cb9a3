"""The real process composition on a test database, and people chatting with it."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Literal

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from bot.app import Hub, serve
from bot.ratelimit import Limits
from bot.sender import SenderPolicy
from bot.settings import Settings
from bot.telegram.service import make_api, telegram_transport
from bot.telegram.transport import Polling, Webhook
from handlers.engine import Engine
from handlers.flows import standing
from storage import invites, units
from storage.db import create_engine, session_factory
from storage.enums import InboxStatus, OutboxStatus, Role
from storage.models import Conversation, Identity, InboxItem, OutboxItem
from tests.cli import PROCESS_CLOCK
from tests.telegram_emulator import EmulatorConfig, RateLimits, TelegramEmulator
from tests.telegram_flows.fake import BotMessage, EmulatorTelegram, FakeTelegram

Runtime = Literal["ptb", "aiogram"]
WayIn = Literal["polling", "webhook"]
# Each runtime by each way in, each on both databases: four runs rather than eight. Use with
# `@pytest.mark.parametrize(RUN_NAMES, RUNS, indirect=["database_url"])`. The everyday suite
# takes the two on SQLite, which already cover both runtimes and both ways in; the two on
# PostgreSQL run with the slow tests (`make reliability`, which CI runs too), since each run
# is a bot process and an emulator and `make test` must stay under ten minutes.
RUN_NAMES = ("runtime", "way_in", "database_url")
RUNS = [
    pytest.param("ptb", "polling", "sqlite", id="ptb-polling-sqlite"),
    pytest.param("aiogram", "webhook", "sqlite", id="aiogram-webhook-sqlite"),
    pytest.param("ptb", "webhook", "postgres", id="ptb-webhook-postgres", marks=pytest.mark.slow),
    pytest.param(
        "aiogram", "polling", "postgres", id="aiogram-polling-postgres", marks=pytest.mark.slow
    ),
]
# The flows are about behaviour; the limits and their 429s have tests of their own.
FAST_LIMITS = Limits(per_second=1000, per_chat_per_second=1000, chat_burst=1000)
FAST_POLICY = SenderPolicy(first_backoff=timedelta(milliseconds=100))
SETTLE_SECONDS = 15.0
WEBHOOK_SECRET = "tuquan-test_secret-0123456789"
# The officers' pages as a deployment behind HTTPS names them: their link and Mini App button.
WEB_URL = "https://tuquan.example/web"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class Press:
    """A button pressed by a person: the kind of message it was on, and which option.

    The kind is the conversation step that asked (`incident/category`), read from the
    person's conversation when the button's token is its version, or `standing/<kind>` for
    an alert's, a reminder's or a digest's (`handlers.flows.standing.KINDS`)."""

    kind: str
    choice: str
    user: int


STALE = "stale"
CONTACT_BUTTON = "📱 Gửi số điện thoại"


@dataclass
class World:
    fake: FakeTelegram
    sessions: async_sessionmaker[AsyncSession]
    runtime: Runtime
    way_in: WayIn
    # For polling progress: plain reads, which on SQLite take no write lock (the bot's own
    # sessions begin IMMEDIATE and would queue behind every poll).
    observer: async_sessionmaker[AsyncSession]
    webhook_url: str | None = None
    presses: list[Press] = field(default_factory=list)
    visited: set[str] = field(default_factory=set)

    async def conversation(self, user: int) -> Conversation | None:
        """Where the person's Telegram account stands now."""
        async with self.observer() as session:
            return await session.scalar(
                select(Conversation)
                .join(Identity, Identity.id == Conversation.identity_id)
                .where(Identity.channel == "telegram", Identity.external_id == str(user))
            )

    async def kind_of_press(self, user: int, token: str) -> str:
        kind = standing.kind_of(token)
        if kind is not None:
            return f"standing/{kind.name}"
        state = await self.conversation(user)
        if state is None or str(state.version) != token:
            return STALE
        return f"{state.flow}/{state.step}"

    async def invite(self, unit: str, role: Role) -> str:
        async with self.sessions() as session, session.begin():
            found = await units.resolve(session, unit)
            created = await invites.create(
                session, unit_id=found.id, role=role, now=PROCESS_CLOCK()
            )
            return created.code

    async def settle(self, user: int, updates: int) -> None:
        """Until the user's `updates` are in the inbox, processed, and every reply sent."""
        deadline = time.monotonic() + SETTLE_SECONDS
        while True:
            stored, pending, unsent = await self._progress(user)
            if stored >= updates and not pending and not unsent:
                return
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"user {user}: {stored}/{updates} updates stored, {pending} not processed, "
                    f"{unsent} replies not sent after {SETTLE_SECONDS}s"
                )
            await asyncio.sleep(0.02)

    async def _progress(self, user: int) -> tuple[int, int, int]:
        async with self.observer() as session:
            stored, pending = (
                await session.execute(
                    select(
                        func.count(),
                        func.count().filter(InboxItem.status == InboxStatus.PENDING),
                    ).where(InboxItem.channel == "telegram", InboxItem.user_key == str(user))
                )
            ).one()
            unsent = (
                await session.execute(
                    select(func.count()).where(
                        OutboxItem.channel == "telegram",
                        OutboxItem.chat_key == str(user),
                        OutboxItem.status == OutboxStatus.PENDING,
                    )
                )
            ).scalar_one()
        return int(stored), int(pending), int(unsent)


@contextlib.asynccontextmanager
async def running_bot(
    fake: FakeTelegram,
    database_url: str,
    runtime: Runtime,
    way_in: WayIn,
    *,
    limits: Limits = FAST_LIMITS,
    call_timeout: float = 5.0,
) -> AsyncIterator[World]:
    """bot/app.serve with the real Telegram transport and sender, until the block ends."""
    port = free_port()
    settings = Settings(
        _env_file=None,
        TELEGRAM_BOT_TOKEN=fake.token,
        TELEGRAM_API_URL=fake.api_root,
        TUQUAN_TELEGRAM_RUNTIME=runtime,
        TUQUAN_TELEGRAM_TIMEOUT=call_timeout,
        TUQUAN_DATABASE_URL=database_url,
        TUQUAN_WEBHOOK_URL=f"http://127.0.0.1:{port}/telegram/update",
        TUQUAN_WEBHOOK_SECRET=WEBHOOK_SECRET,
        TUQUAN_WEBHOOK_PORT=port,
    )
    database = create_engine(database_url)
    sessions = session_factory(database)
    observing = create_async_engine(database_url)
    engine = Engine(
        sessions,
        timezone=settings.timezone,
        locale=settings.locale,
        clock=PROCESS_CLOCK,
        web_url=WEB_URL,
    )
    hub = Hub(sessions, engine)
    api = make_api(settings, poll_seconds=5)
    info = await api.start()
    way: Polling | Webhook = Polling(5)
    if way_in == "webhook":
        assert settings.webhook_url is not None
        way = Webhook(settings.webhook_url, WEBHOOK_SECRET, "127.0.0.1", port)
    transport = telegram_transport(
        api,
        hub,
        settings,
        way,
        limits=limits,
        policy=FAST_POLICY,
        command_interval=0.2,
        bot_username=info.username,
    )
    stop = asyncio.Event()
    served = asyncio.create_task(serve(hub, [transport], stop))
    try:
        yield World(
            fake,
            sessions,
            runtime,
            way_in,
            session_factory(observing),
            webhook_url=way.url if isinstance(way, Webhook) else None,
        )
    finally:
        stop.set()
        try:
            await served
        finally:
            await api.close()
            await database.dispose()
            await observing.dispose()


@contextlib.asynccontextmanager
async def on_the_emulator(
    database_url: str, runtime: Runtime, way_in: WayIn
) -> AsyncIterator[World]:
    """The bot on the emulator, which enforces Telegram's rules. On the way out: every button
    press was answered (stale and forged ones too), each once, and the emulator met no error
    of its own."""
    config = EmulatorConfig(rate_limits=RateLimits(enabled=False), webhook_retry_delay=0.05)
    async with TelegramEmulator(config) as emulator:
        fake = EmulatorTelegram(emulator)
        async with running_bot(fake, database_url, runtime, way_in) as world:
            yield world
            await emulator.wait_until(lambda: len(emulator.callback_answers) >= len(fake.press_ids))
        answered = sorted(answer.callback_query_id for answer in emulator.callback_answers)
        assert answered == sorted(fake.press_ids)
        assert emulator.internal_errors == []


@dataclass
class Replies:
    messages: list[BotMessage]

    @property
    def text(self) -> str:
        return "\n".join(message.text for message in self.messages)

    @property
    def last(self) -> BotMessage:
        return self.messages[-1]


@dataclass
class Person:
    """Someone on a phone: each action waits until the bot has answered it completely."""

    world: World
    user_id: int
    first_name: str
    updates: int = 0
    seen: int = 0
    history: list[BotMessage] = field(default_factory=list)

    @property
    def fake(self) -> FakeTelegram:
        return self.world.fake

    async def _answered(self, updates: int = 1) -> Replies:
        self.updates += updates
        replies = await self.answers()
        assert replies.messages, f"{self.first_name} got no answer"
        return replies

    async def answers(self) -> Replies:
        """What the bot has said since last asked, once everything sent is answered."""
        await self.world.settle(self.user_id, self.updates)
        self.history = await self.fake.bot_messages(self.user_id)
        fresh = self.history[self.seen :]
        self.seen = len(self.history)
        return Replies(fresh)

    async def say(self, text: str) -> Replies:
        await self.fake.text(self.user_id, text, self.first_name)
        return await self._answered()

    async def tap(self, label: str) -> Replies:
        """The newest inline button with this label; else the reply keyboard's, sent as text."""
        for message in reversed(self.history):
            if any(text == label for text, _ in message.buttons):
                return await self.press(message, message.data_of(label))
        keyboard = self.reply_keyboard()
        assert label in keyboard, f"no button {label!r}; keyboard {keyboard}"
        await self._record_keyboard_press(label)
        return await self.say(label)

    async def _record_keyboard_press(self, label: str) -> None:
        """A reply keyboard's button sends its label: the menu's, or the place question's."""
        shown = next(m for m in reversed(self.history) if m.keyboard or m.location_button)
        kind = "menu/main"
        if not shown.persistent_keyboard:
            state = await self.world.conversation(self.user_id)
            kind = f"{state.flow}/{state.step}" if state is not None else STALE
        self.world.presses.append(Press(kind, label, self.user_id))

    async def press(self, message: BotMessage, data: str) -> Replies:
        token, _, choice = data.partition(":")
        kind = await self.world.kind_of_press(self.user_id, token)
        self.world.presses.append(Press(kind, choice, self.user_id))
        await self.fake.press(self.user_id, message, data)
        return await self._answered()

    async def photo(self, caption: str | None = None) -> tuple[str, Replies]:
        file_id = await self.fake.photo(self.user_id, caption)
        return file_id, await self._answered()

    async def album(self, count: int, group: str) -> tuple[list[str], Replies]:
        file_ids = [await self.fake.photo(self.user_id, album=group) for _ in range(count)]
        return file_ids, await self._answered(count)

    async def location(self, latitude: float, longitude: float) -> Replies:
        await self.fake.location(self.user_id, latitude, longitude)
        return await self._answered()

    async def share_contact(self, phone: str) -> Replies:
        """Press the reply keyboard's contact button: Telegram sends the person's own number."""
        await self._record_keyboard_press(CONTACT_BUTTON)
        await self.fake.contact(self.user_id, phone, self.first_name)
        return await self._answered()

    async def sticker(self) -> Replies:
        await self.fake.sticker(self.user_id)
        return await self._answered()

    def reply_keyboard(self) -> list[str]:
        """The reply keyboard shown now: the last one any message set."""
        for message in reversed(self.history):
            if message.keyboard or message.location_button:
                return message.keyboard
        return []

    def location_button(self) -> str | None:
        for message in reversed(self.history):
            if message.keyboard or message.location_button:
                return message.location_button
        return None
