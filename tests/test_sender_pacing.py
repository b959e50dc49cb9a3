"""Pacing per platform message: a row that Telegram shows as several messages takes as many
turns, each right before its call, and no second (by the limiter's clock) holds more calls
than the limits allow."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Iterable
from typing import cast

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.ratelimit import Limits, RateLimiter
from bot.sender import Sender
from bot.telegram.api import TelegramApi
from bot.telegram.client import TelegramClient
from bot.telegram.rendering import Chunk, render
from bot.telegram.service import TELEGRAM_LIMITS
from handlers.i18n import Translator
from handlers.messages import Attachment, Choice, OutMessage
from storage import outbox
from storage.enums import FileKind
from storage.models import StoredFile
from tests.databases import SEED_TIME
from tests.support import MutableClock

T = Translator("vi")
LONG_TEXT = "\n".join(f"Dòng {n}: báo cáo của thôn" for n in range(400))  # three messages
MENU_BELOW = OutMessage(
    text="Chọn một việc",
    choices=[Choice(id="a", label="Báo cáo sự việc")],
    choice_token="t1",
    menu=["Danh bạ", "Trợ giúp"],
)
LONG_CAPTION = OutMessage(
    text="Biểu đồ tuần. " * 100, attachment=Attachment(kind="photo", file_id=1, name="w.png")
)


class VirtualTime:
    """The limiter's clock: a sleep moves it on instead of waiting, so a test of many seconds
    of pacing runs at once and counts by this clock alone. Sleepers wake in the order of
    their wake times: the clock moves to a sleeper's wake only when no one sleeps for less."""

    def __init__(self) -> None:
        self.now = 0.0
        self.asleep: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        wake = self.now + seconds
        self.asleep.append(wake)
        try:
            while True:
                await asyncio.sleep(0)
                if wake <= min(self.asleep):
                    break
        finally:
            self.asleep.remove(wake)
        self.now = max(self.now, wake)


class TurnLog(RateLimiter):
    """The sender's limiter, noting each turn it gives by its own clock."""

    def __init__(self, limits: Limits, time: VirtualTime) -> None:
        super().__init__(limits, clock=time, sleep=time.sleep)
        self.turns: list[tuple[str, float]] = []

    async def acquire(self, chat: str, *, is_group: bool = False) -> float:
        given = await super().acquire(chat, is_group=is_group)
        self.turns.append((chat, self.clock()))
        return given


class RecordingApi:
    """The Bot API calls that show a message, each noted with the limiter's clock."""

    runtime = "recording"

    def __init__(self, time: VirtualTime) -> None:
        self.time = time
        self.shown: list[tuple[int, float]] = []

    async def send(self, chat_id: int, chunk: Chunk, *, html: bool = True) -> int:
        return self._show(chat_id)

    async def send_file(
        self, chat_id: int, kind: str, name: str, content: bytes, caption_html: str
    ) -> int:
        return self._show(chat_id)

    async def edit_text(self, chat_id: int, message_id: int, chunk: Chunk) -> None:
        self._show(chat_id)

    def _show(self, chat_id: int) -> int:
        self.shown.append((chat_id, self.time.now))
        return len(self.shown)


async def a_chart(file_id: int) -> StoredFile:
    return StoredFile(id=file_id, key="chart", kind=FileKind.PHOTO, name="w.png", content=b"png")


def client_on(api: RecordingApi) -> TelegramClient:
    # Only the calls a send makes are recorded; the rest of the Bot API is never called.
    return TelegramClient(cast(TelegramApi, api), T, a_chart)


async def enqueue(
    sessions: async_sessionmaker[AsyncSession], rows: Iterable[tuple[str, OutMessage]]
) -> None:
    async with sessions() as session, session.begin():
        for number, (chat, message) in enumerate(rows):
            await outbox.enqueue(
                session,
                idempotency_key=f"pacing:{number}",
                channel="telegram",
                chat_key=chat,
                identity_id=None,
                message=message.model_dump(),
                now=SEED_TIME,
            )


def busiest(moments: Iterable[float], seconds: float = 1.0) -> int:
    """The most moments within any window (t - seconds, t], its edge found as the limiter
    finds it (t - seconds rounds otherwise than the moment plus seconds)."""
    ordered = sorted(moments)
    first, most = 0, 0
    for last, moment in enumerate(ordered):
        while ordered[first] + seconds <= moment:
            first += 1
        most = max(most, last - first + 1)
    return most


@pytest.mark.parametrize(
    ("message", "messages"),
    [(OutMessage(text=LONG_TEXT), 3), (MENU_BELOW, 2), (LONG_CAPTION, 2)],
    ids=["split-text", "menu-below", "caption-then-file"],
)
async def test_a_row_shown_as_several_messages_takes_a_turn_for_each(
    sessions: async_sessionmaker[AsyncSession],
    clock: MutableClock,
    message: OutMessage,
    messages: int,
) -> None:
    if message.attachment is None:
        assert len(render(message, T)) == messages
    time = VirtualTime()
    api = RecordingApi(time)
    sender = Sender(sessions, client_on(api), clock=clock)
    sender.limiter = limiter = TurnLog(TELEGRAM_LIMITS, time)
    await enqueue(sessions, [("501", message)])

    await sender.drain()

    assert len(api.shown) == messages
    assert len(limiter.turns) == messages


async def test_rows_of_several_messages_keep_every_second_within_the_limits(
    sessions: async_sessionmaker[AsyncSession], clock: MutableClock
) -> None:
    chats = [str(600 + n) for n in range(40)]
    kinds = [OutMessage(text=LONG_TEXT), MENU_BELOW, OutMessage(text="Chào")]
    await enqueue(sessions, [(chat, kinds[n % 3]) for n in range(4) for chat in chats])
    time = VirtualTime()
    api = RecordingApi(time)
    sender = Sender(sessions, client_on(api), clock=clock)
    sender.limiter = limiter = TurnLog(TELEGRAM_LIMITS, time)

    await sender.drain()

    by_chat: dict[str, list[float]] = defaultdict(list)
    for chat_id, moment in api.shown:
        by_chat[str(chat_id)].append(moment)
    assert {chat: len(moments) for chat, moments in by_chat.items()} == {
        chat: 3 + 2 + 1 + 3 for chat in chats
    }
    assert sorted(moment for _, moment in limiter.turns) == sorted(m for _, m in api.shown)
    assert busiest(moment for _, moment in api.shown) <= TELEGRAM_LIMITS.per_second
    assert max(busiest(moments) for moments in by_chat.values()) == 1
    # One at a time to a chat, a little slower than once a second: nine take eight gaps.
    gap = 1 / TELEGRAM_LIMITS.per_chat_per_second
    assert min(max(moments) - min(moments) for moments in by_chat.values()) >= 8 * gap - 1e-6


async def test_the_overall_limit_holds_in_the_first_second_too() -> None:
    """A bucket of burst 2 refilled at 30 a second gave 31 within the first second."""
    time = VirtualTime()
    limiter = RateLimiter(TELEGRAM_LIMITS, clock=time, sleep=time.sleep)
    moments: list[float] = []
    for chat in range(300):
        await limiter.acquire(str(chat))
        moments.append(time.now)
    assert busiest(moments) == 30
    assert time.now < 300 / 30 * TELEGRAM_LIMITS.overall_window  # 30 a window over the run


async def test_chats_waiting_their_turn_together_fill_the_overall_limit_and_no_more() -> None:
    """As the sender waits: each chat until its own turn, then for the overall one."""
    time = VirtualTime()
    limiter = RateLimiter(TELEGRAM_LIMITS, clock=time, sleep=time.sleep)
    moments: dict[str, list[float]] = defaultdict(list)

    async def one_chat(chat: str) -> None:
        for _ in range(9):
            await limiter.chat_ready(chat)
            await limiter.acquire(chat)
            moments[chat].append(time.now)

    await asyncio.gather(*(one_chat(str(700 + n)) for n in range(60)))

    every = [moment for chat_moments in moments.values() for moment in chat_moments]
    assert len(every) == 60 * 9
    assert busiest(every) == TELEGRAM_LIMITS.per_second
    assert max(busiest(chat_moments) for chat_moments in moments.values()) == 1
    assert time.now < 60 * 9 / TELEGRAM_LIMITS.per_second * TELEGRAM_LIMITS.overall_window + 1


async def test_a_group_gets_no_more_than_its_limit_in_any_minute() -> None:
    time = VirtualTime()
    limiter = RateLimiter(TELEGRAM_LIMITS, clock=time, sleep=time.sleep)
    moments: list[float] = []
    for _ in range(60):
        await limiter.acquire("-100", is_group=True)
        moments.append(time.now)
    assert busiest(moments, seconds=60.0) == TELEGRAM_LIMITS.group_per_minute
