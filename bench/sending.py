"""What the Telegram benchmarks share: a database, a runtime's API, and the outbox drained by
the real Sender and TelegramClient against tests/telegram_emulator, as `tuquan run` sends."""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.ratelimit import Limits, RateLimiter
from bot.sender import Sender
from bot.telegram.api import TelegramApi
from bot.telegram.client import TelegramClient
from bot.telegram.service import TELEGRAM_LIMITS, stored_files
from handlers.i18n import Translator
from storage.db import create_engine, session_factory
from storage.enums import OutboxStatus
from storage.migrate import upgrade
from storage.models import OutboxItem
from tests.telegram_emulator import EmulatorConfig, RequestRecord, TelegramEmulator

RUNTIMES = ("ptb", "aiogram")
# The calls that put a message in a chat; each counts against Telegram's limits.
SENDING_METHODS = {"sendmessage", "sendphoto", "senddocument"}


@dataclass(frozen=True)
class Delivery:
    """How an outbox went out, as the emulator saw it."""

    messages: int  # accepted by Telegram
    seconds: float  # from the first accepted message to the last
    wall: float  # from the sender's start until no row was pending
    peak: int  # the most messages accepted within one second
    turns_peak: int  # the most turns the sender's limiter gave within one second
    chat_peak: int  # the most messages one chat accepted within one second
    refused: int  # 429s

    @property
    def rate(self) -> float:
        return self.messages / self.wall


class TurnLog(RateLimiter):
    """The sender's limiter, noting when it gives each turn."""

    def __init__(self, limits: Limits) -> None:
        super().__init__(limits)
        self.turns: list[float] = []

    async def acquire(self, chat: str, *, is_group: bool = False) -> float:
        given = await super().acquire(chat, is_group=is_group)
        self.turns.append(time.monotonic())
        return given


def busiest_second(moments: Iterable[float]) -> int:
    """The most moments within any one second, counted as the emulator counts messages."""
    ordered = sorted(moments)
    first, most = 0, 0
    for last, moment in enumerate(ordered):
        while ordered[first] <= moment - 1.0:
            first += 1
        most = max(most, last - first + 1)
    return most


def busiest_chat_second(records: Iterable[RequestRecord]) -> int:
    """The most messages one chat was shown within one second."""
    by_chat: dict[str, list[float]] = defaultdict(list)
    for record in records:
        if record.ok and record.method.lower() in SENDING_METHODS:
            by_chat[str(record.params.get("chat_id"))].append(record.time)
    return max((busiest_second(moments) for moments in by_chat.values()), default=0)


def make_api(runtime: str, telegram: TelegramEmulator) -> TelegramApi:
    if runtime == "aiogram":
        from bot.telegram.aiogram_api import AiogramApi

        return AiogramApi(telegram.token, telegram.base_url, 10.0, 1)
    from bot.telegram.ptb_api import PtbApi

    return PtbApi(telegram.token, telegram.base_url, 10.0, 1)


async def database(
    url: str,
) -> tuple[Callable[[], Awaitable[None]], async_sessionmaker[AsyncSession]]:
    engine = create_engine(url)
    await upgrade(engine)
    return engine.dispose, session_factory(engine)


def sqlite_url(directory: str, name: str) -> str:
    return f"sqlite+aiosqlite:///{Path(directory) / name}.sqlite3"


async def pending(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        query = select(func.count()).where(OutboxItem.status == OutboxStatus.PENDING)
        return int((await session.execute(query)).scalar_one())


async def until(count: Callable[[], Awaitable[int]], wanted: int) -> None:
    while True:
        if await count() == wanted:
            return
        await asyncio.sleep(0.02)


def first_to_last(records: Iterable[RequestRecord]) -> float:
    """Seconds between the first and the last message Telegram accepted."""
    times = [r.time for r in records if r.ok and r.method.lower() in SENDING_METHODS]
    return max(times) - min(times) if times else 0.0


async def deliver(
    runtime: str, sessions: async_sessionmaker[AsyncSession], chats: Iterable[int]
) -> Delivery:
    """Every pending row sent to people who opened the bot, at Telegram's default limits."""
    async with TelegramEmulator(EmulatorConfig()) as telegram:
        for chat in set(chats):
            telegram.register_user(chat)
        api = make_api(runtime, telegram)
        await api.start()
        client = TelegramClient(api, Translator("vi"), stored_files(sessions))
        sender = Sender(sessions, client, limits=TELEGRAM_LIMITS)
        sender.limiter = turns = TurnLog(TELEGRAM_LIMITS)
        stop, bell = asyncio.Event(), asyncio.Event()
        started = time.perf_counter()
        running = asyncio.create_task(sender.run(stop, bell, idle=0.05))
        await until(lambda: pending(sessions), 0)
        wall = time.perf_counter() - started
        stop.set()
        await running
        await api.close()
        return Delivery(
            messages=telegram.stats.messages_sent,
            seconds=first_to_last(telegram.requests),
            wall=wall,
            peak=telegram.stats.max_messages_per_second,
            turns_peak=busiest_second(turns.turns),
            chat_peak=busiest_chat_second(telegram.requests),
            refused=telegram.stats.rate_limited,
        )
