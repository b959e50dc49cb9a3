"""Drains the outbox through a platform client, within its limits, marking rows only when sent."""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.ratelimit import Limits, RateLimiter
from handlers.messages import OutMessage
from storage import failpoints, outbox
from storage.clock import system_clock
from storage.enums import OutboxStatus
from storage.models import Identity, OutboxItem

log = logging.getLogger(__name__)


class RetryAfter(Exception):
    """The platform asks us to wait (429)."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"retry after {seconds}s")
        self.seconds = seconds


class Transient(Exception):
    """5xx, timeouts, a broken connection: worth trying again later."""


class Blocked(Exception):
    """The person blocked the bot or left (403): stop writing to them."""


class Rejected(Exception):
    """The platform refused the message itself (400): retrying would not help."""


class ChannelClient(Protocol):
    channel: str

    def is_group(self, chat_key: str) -> bool: ...

    async def send(
        self, chat_key: str, message: OutMessage, replacing: str | None = None
    ) -> str | None:
        """Deliver; the platform's message id. Raises one of the errors above.

        `replacing`: the platform's id of the earlier message this one redraws (see
        `OutMessage.replaces`); a client that cannot edit, or finds it gone, sends anew.
        """
        ...


@dataclass(frozen=True)
class SenderPolicy:
    max_attempts: int = 8
    first_backoff: timedelta = timedelta(seconds=2)
    max_backoff: timedelta = timedelta(minutes=10)
    lease: timedelta = timedelta(minutes=2)
    batch: int = 200
    concurrency: int = 16

    def backoff(self, attempts: int) -> timedelta:
        return min(self.first_backoff * (1 << max(attempts - 1, 0)), self.max_backoff)


class Sender:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        client: ChannelClient,
        *,
        limits: Limits | None = None,
        policy: SenderPolicy | None = None,
        clock: Callable[[], datetime] = system_clock,
        chat_key: str | None = None,
    ) -> None:
        self.sessions = sessions
        self.chat_key = chat_key
        self.client = client
        self.limiter = RateLimiter(limits or Limits())
        self.policy = policy or SenderPolicy()
        self.clock = clock
        self.sent = 0
        self.paused_until: datetime | None = None

    @property
    def paused(self) -> bool:
        """After a 429 nobody is sent anything until the platform's wait is over."""
        return self.paused_until is not None and self.clock() < self.paused_until

    async def drain(self, stop: asyncio.Event | None = None) -> int:
        """Send every row that is due now, or stop after the batch being sent when `stop` is
        set (a backlog leaves at the platform's rate: a digest to every head takes an hour);
        how many were handled."""
        handled = 0
        while not self.paused and not (stop is not None and stop.is_set()):
            async with self.sessions() as session, session.begin():
                rows = await outbox.claim(
                    session,
                    self.client.channel,
                    self.clock(),
                    self.policy.lease,
                    self.policy.batch,
                    chat_key=self.chat_key,
                )
            if not rows:
                return handled
            await self._send_all(rows)
            handled += len(rows)
        return handled

    async def run(
        self, stop: asyncio.Event, bell: asyncio.Event | None = None, idle: float = 0.5
    ) -> None:
        """Until `stop`: send what is due, then wait for the bell (new rows) or `idle` seconds."""
        bell = bell or asyncio.Event()
        while not stop.is_set():
            bell.clear()
            try:
                if await self.drain(stop):
                    continue
            except Exception:
                log.exception("sender pass failed; retrying")
            wait = idle
            if self.paused_until is not None and self.paused:
                wait = max(idle, (self.paused_until - self.clock()).total_seconds())
            waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(bell.wait())]
            if self.paused:
                waiters.pop()
            await asyncio.wait(waiters, timeout=wait, return_when=asyncio.FIRST_COMPLETED)
            for waiter in waiters:
                waiter.cancel()

    async def _send_all(self, rows: list[OutboxItem]) -> None:
        """Chats in parallel, each chat's messages in order."""
        by_chat: dict[str, list[OutboxItem]] = defaultdict(list)
        for row in rows:
            by_chat[row.chat_key].append(row)
        gate = asyncio.Semaphore(self.policy.concurrency)

        async def one_chat(chat_rows: list[OutboxItem]) -> None:
            async with gate:
                for position, row in enumerate(chat_rows):
                    if not await self._send(row):
                        await self._release(chat_rows[position + 1 :])
                        return

        await asyncio.gather(*(one_chat(chat_rows) for chat_rows in by_chat.values()))

    async def _send(self, row: OutboxItem) -> bool:
        """One row; False when the chat's later rows must wait (order is kept per chat)."""
        if self.paused:
            await self._release([row])
            return False
        await self.limiter.acquire(row.chat_key, is_group=self.client.is_group(row.chat_key))
        message = OutMessage.model_validate(row.message)
        replacing = await self._shown_as(message.replaces)
        try:
            platform_id = await self.client.send(row.chat_key, message, replacing)
        except RetryAfter as wait:
            resume = self.clock() + timedelta(seconds=wait.seconds)
            self.paused_until = max(self.paused_until or resume, resume)
            await self._later(row, timedelta(seconds=wait.seconds), f"429: {wait}", count=False)
            return False
        except Transient as error:
            await self._later(row, None, f"transient: {error}", count=True)
            return False
        except Blocked as error:
            await self._blocked(row, str(error))
            return False
        except Rejected as error:
            await self._finish(row, OutboxStatus.FAILED, f"rejected: {error}")
            return True
        failpoints.hit("after_send_before_mark")
        await self._finish(row, OutboxStatus.SENT, None, platform_id)
        self.sent += 1
        return True

    async def _shown_as(self, key: str | None) -> str | None:
        """The platform's id of the message sent under this outbox key; None if not sent."""
        if key is None:
            return None
        async with self.sessions() as session:
            return await outbox.platform_id_of(session, key)

    async def _finish(
        self,
        row: OutboxItem,
        status: OutboxStatus,
        error: str | None,
        platform_id: str | None = None,
    ) -> None:
        async with self.sessions() as session, session.begin():
            stored = await session.get_one(OutboxItem, row.id)
            if status is OutboxStatus.SENT:
                outbox.mark_sent(stored, self.clock(), platform_id)
            else:
                stored.status, stored.last_error = status, error
                stored.attempts += 1
                stored.claimed_until = None

    async def _later(
        self, row: OutboxItem, wait: timedelta | None, error: str, *, count: bool
    ) -> None:
        async with self.sessions() as session, session.begin():
            stored = await session.get_one(OutboxItem, row.id)
            if count:
                stored.attempts += 1
            stored.last_error = error[:2000]
            stored.claimed_until = None
            if count and stored.attempts >= self.policy.max_attempts:
                stored.status = OutboxStatus.FAILED
                log.warning("outbox row %s failed after %s attempts", row.id, stored.attempts)
                return
            stored.not_before = self.clock() + (wait or self.policy.backoff(stored.attempts))

    async def _release(self, rows: list[OutboxItem]) -> None:
        """Rows taken but not tried go back to the queue at once, not when the lease ends."""
        if not rows:
            return
        async with self.sessions() as session, session.begin():
            await session.execute(
                update(OutboxItem)
                .where(OutboxItem.id.in_([row.id for row in rows]))
                .values(claimed_until=None)
            )

    async def _blocked(self, row: OutboxItem, error: str) -> None:
        """Mark the identity inactive and fail everything still queued for it."""
        async with self.sessions() as session, session.begin():
            if row.identity_id is not None:
                identity = await session.get(Identity, row.identity_id)
                if identity is not None:
                    identity.active = False
            await session.execute(
                update(OutboxItem)
                .where(
                    OutboxItem.channel == row.channel,
                    OutboxItem.chat_key == row.chat_key,
                    OutboxItem.status == OutboxStatus.PENDING,
                )
                .values(
                    status=OutboxStatus.FAILED,
                    last_error=f"blocked: {error}"[:2000],
                    claimed_until=None,
                )
            )
