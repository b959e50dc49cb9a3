"""Drains the outbox through a platform client, within its limits, marking rows only when sent.

Each sender holds the rows it took under its own owner id and renews their lease while it
works, so a long paced backlog is never taken over by another sender; rows are released,
at a stop or when a chat must wait, only by the sender that holds them.

The limits count platform messages, not rows: a row may become several (a long text split,
a "menu below" message, a caption then its file), and a PacedClient waits for the sender's
turn before each of them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol, runtime_checkable

from sqlalchemy import update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.ratelimit import Limits, RateLimiter
from bot.telegram.redaction import redact
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
        """Deliver; the platform's message id. Raises one of the errors above; anything
        else it raises is counted and retried as `Transient` is.

        `replacing`: the platform's id of the earlier message this one redraws (see
        `OutMessage.replaces`); a client that cannot edit, or finds it gone, sends anew.
        """
        ...


Pace = Callable[[], Awaitable[None]]
"""Waits for the turn of one more platform message; may raise RetryAfter (sending paused)."""


@runtime_checkable
class PacedClient(ChannelClient, Protocol):
    """A client whose one row may become several platform messages.

    The client awaits the sender's `pace` right before each API call rather than telling how
    many messages a row will be: tokens taken all at once up front would let the messages go
    back to back after the last one, bunched beyond what the limiter counted (a five-part
    text to a chat whose burst is three). The pace is still decided in one place, the
    sender's limiter; the client only says when a message is about to go.
    """

    async def send_paced(
        self, chat_key: str, message: OutMessage, replacing: str | None, pace: Pace
    ) -> str | None:
        """As `send`, awaiting `pace()` before each call that makes a platform message."""
        ...


async def unpaced() -> None:
    """The pace of a caller that keeps no limits (tests, a direct send)."""


@dataclass(frozen=True)
class SenderPolicy:
    max_attempts: int = 8
    first_backoff: timedelta = timedelta(seconds=2)
    max_backoff: timedelta = timedelta(minutes=10)
    # How long rows stay with a sender that stopped renewing them (one killed): short, since
    # a live sender renews every third of it and before each send.
    lease: timedelta = timedelta(seconds=10)
    batch: int = 200
    concurrency: int = 16

    def backoff(self, attempts: int) -> timedelta:
        return min(self.first_backoff * (1 << max(attempts - 1, 0)), self.max_backoff)

    @property
    def renew_every(self) -> float:
        """Seconds between renewals of the rows a sender still holds."""
        return self.lease.total_seconds() / 3


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
        owner: str | None = None,
    ) -> None:
        """`owner`: whose leases this sender holds; its own by default. Only a sender that
        takes over from a run of itself that died (a console for the same person) passes one."""
        self.owner = owner or uuid.uuid4().hex
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
        """Send every row that is due now, or stop once the rows taken are sent when `stop`
        is set (a backlog leaves at the platform's rate: a digest to every head takes an
        hour); how many were handled.

        Rows are taken while others are still being sent, whenever half a batch is done:
        waiting for a whole batch to end left its last chats sending alone, a message
        every 1.1 s each, while the overall limit had room for 30."""
        handled = 0
        batch = Batch(self, asyncio.Semaphore(self.policy.concurrency))
        keeper = asyncio.create_task(self._keep(batch.held))
        try:
            while True:
                taking = not self.paused and not (stop is not None and stop.is_set())
                if taking and len(batch.held) <= self.policy.batch // 2:
                    rows = await self._claim(self.policy.batch - len(batch.held))
                    handled += len(rows)
                    batch.start(rows)
                    if not rows and not await batch.finish_all():
                        return handled
                    continue
                if not await batch.finish_some() and not taking:
                    return handled
        except Exception:
            # One chat's failure (the database away): the others end as they would have.
            with contextlib.suppress(Exception):
                await batch.finish_all()
            raise
        except BaseException:
            await batch.cancel()
            raise
        finally:
            keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await keeper

    async def _claim(self, limit: int) -> list[OutboxItem]:
        async with self.sessions() as session, session.begin():
            return await outbox.claim(
                session,
                self.client.channel,
                self.clock(),
                self.policy.lease,
                limit,
                owner=self.owner,
                chat_key=self.chat_key,
            )

    async def run(
        self, stop: asyncio.Event, bell: asyncio.Event | None = None, idle: float = 0.5
    ) -> None:
        """Until `stop`: send what is due, then wait for the bell (new rows) or `idle` seconds."""
        try:
            await self._run(stop, bell or asyncio.Event(), idle)
        finally:
            # What a stop or a failure leaves leased is due for the next sender at once.
            with contextlib.suppress(Exception):
                await self.release_leases()

    async def release_leases(self) -> None:
        """Every row this sender's owner holds is due again now; no other sender's."""
        async with self.sessions() as session, session.begin():
            await outbox.release_leases(session, self.owner, self.client.channel)

    async def _run(self, stop: asyncio.Event, bell: asyncio.Event, idle: float) -> None:
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

    async def _keep(self, held: set[int]) -> None:
        """Renew the lease of the rows still waiting their turn (chats paced, or waiting for
        a free slot), until cancelled."""
        while True:
            await asyncio.sleep(self.policy.renew_every)
            try:
                await self._renew(list(held))
            except Exception:
                log.warning("leases of %s outbox rows not renewed", len(held), exc_info=True)

    async def _renew(self, ids: list[int]) -> set[int]:
        async with self.sessions() as session, session.begin():
            return await outbox.renew(session, ids, self.owner, self.clock(), self.policy.lease)

    async def _send(
        self, row: OutboxItem, chat_rest: list[int], slot: asyncio.Semaphore | None = None
    ) -> bool:
        """One row; False when the chat's later rows must wait (order is kept per chat).

        `chat_rest`: this row and the chat's later rows in the batch. Their lease is renewed
        just before the send, so no other sender can take the chat up while it is sent.
        """
        if self.paused:
            await self._release([row])
            return False
        if row.id not in await self._renew(chat_rest):
            log.warning("outbox row %s is another sender's now; its chat is left to it", row.id)
            return False
        try:
            message = OutMessage.model_validate(row.message)
            replacing = await self._shown_as(message.replaces)
            platform_id = await self._deliver(row.chat_key, message, replacing, slot)
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
        except SQLAlchemyError:
            # Our database, not the message: nothing is counted, the lease runs out.
            raise
        except Exception as error:
            # Whatever no client mapped (a bug in rendering, a library's own error) is retried
            # and given up like a transient one, or the row would stop its chat for good.
            described = redact(f"{type(error).__name__}: {error}")
            log.error("outbox row %s not sent: %s", row.id, described, exc_info=error)
            await self._later(row, None, described, count=True)
            return False
        failpoints.hit("after_send_before_mark")
        await self._finish(row, OutboxStatus.SENT, None, platform_id)
        self.sent += 1
        return True

    async def _deliver(
        self,
        chat_key: str,
        message: OutMessage,
        replacing: str | None,
        slot: asyncio.Semaphore | None,
    ) -> str | None:
        """The row's messages, each in its turn, taken right before its call: a turn taken
        earlier (before the leases are renewed or a chart is loaded) would let the calls
        reach the platform bunched closer than the turns were given."""
        pace = self._turns(chat_key, slot)
        try:
            if not isinstance(self.client, PacedClient):
                await pace()
                return await self.client.send(chat_key, message, replacing)
            return await self.client.send_paced(chat_key, message, replacing, pace)
        finally:
            pace.returned()

    def _turns(self, chat_key: str, slot: asyncio.Semaphore | None) -> Turns:
        return Turns(self, chat_key, slot)

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
                stored.claimed_until, stored.claimed_by = None, None

    async def _later(
        self, row: OutboxItem, wait: timedelta | None, error: str, *, count: bool
    ) -> None:
        async with self.sessions() as session, session.begin():
            stored = await session.get_one(OutboxItem, row.id)
            if stored.claimed_by != self.owner:
                log.warning("outbox row %s was taken over while sent; left to its holder", row.id)
                return
            if count:
                stored.attempts += 1
            stored.last_error = error[:2000]
            stored.claimed_until, stored.claimed_by = None, None
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
            await outbox.release(session, [row.id for row in rows], self.owner)

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
                    claimed_by=None,
                )
            )


class Turns:
    """The pace of one row's calls to one chat. `slot`: the sender's slot the send holds,
    given back while the chat waits for its own next turn (the second part of a long text),
    so other chats can send meanwhile."""

    def __init__(self, sender: Sender, chat_key: str, slot: asyncio.Semaphore | None) -> None:
        self.sender, self.chat_key, self.slot = sender, chat_key, slot
        self.is_group = sender.client.is_group(chat_key)
        self.last: float | None = None  # when the turn of the call under way was given
        self.taken = False

    async def __call__(self) -> None:
        limiter = self.sender.limiter
        self.returned()
        if self.slot is not None and not limiter.chat_free(self.chat_key, is_group=self.is_group):
            self.slot.release()
            try:
                await limiter.chat_ready(self.chat_key, is_group=self.is_group)
            finally:
                await self.slot.acquire()
        self.last = await limiter.acquire(self.chat_key, is_group=self.is_group)
        self.taken = True
        if self.sender.paused_until is not None and self.sender.paused:
            # Another chat's 429 while this one waited: nobody is sent anything now.
            raise RetryAfter((self.sender.paused_until - self.sender.clock()).total_seconds())

    def returned(self) -> None:
        """The call of the last turn has returned (or never went): pace the next from now."""
        if self.taken:
            self.sender.limiter.delivered(self.chat_key, self.last, is_group=self.is_group)
            self.taken = False


class Batch:
    """The rows a sender has taken and is sending: each chat's in order, chats in parallel,
    at most `slots` of them sending at once; the rows not done yet stay leased (`held`)."""

    def __init__(self, sender: Sender, slots: asyncio.Semaphore) -> None:
        self.sender = sender
        self.slots = slots
        self.held: set[int] = set()
        self.running: set[asyncio.Task[None]] = set()

    def start(self, rows: list[OutboxItem]) -> None:
        by_chat: dict[str, list[OutboxItem]] = defaultdict(list)
        for row in rows:
            by_chat[row.chat_key].append(row)
        self.held.update(row.id for row in rows)
        for chat_rows in by_chat.values():
            self.running.add(asyncio.create_task(self._one_chat(chat_rows)))

    async def finish_some(self) -> bool:
        """Until at least one chat is done; False when none was being sent."""
        if not self.running:
            return False
        done, self.running = await asyncio.wait(self.running, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            task.result()
        return True

    async def finish_all(self) -> bool:
        """Until every chat is done; False when none was being sent."""
        if not self.running:
            return False
        running, self.running = self.running, set()
        results = await asyncio.gather(*running, return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException):
                raise result
        return True

    async def cancel(self) -> None:
        """The drain is cancelled: the chats still sending stop where they are; their rows'
        leases run out, and a message sent but not yet marked may go again."""
        running, self.running = self.running, set()
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)

    async def _one_chat(self, chat_rows: list[OutboxItem]) -> None:
        sender = self.sender
        for position, row in enumerate(chat_rows):
            is_group = sender.client.is_group(row.chat_key)
            await sender.limiter.chat_ready(row.chat_key, is_group=is_group)
            async with self.slots:
                going_on = await sender._send(row, [r.id for r in chat_rows[position:]], self.slots)
            self.held.discard(row.id)
            if not going_on:
                await sender._release(chat_rows[position + 1 :])
                self.held.difference_update(r.id for r in chat_rows[position + 1 :])
                return
