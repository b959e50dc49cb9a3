"""The running bot: transports ingest into the inbox, one engine worker, one sender per channel."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.ratelimit import Limits
from bot.sender import ChannelClient, Sender, SenderPolicy
from bot.waiting import sleep_or_stop
from handlers.engine import DatabaseUnavailable, Engine
from storage.clock import Clock

log = logging.getLogger(__name__)

ENGINE_IDLE_SECONDS = 0.5
DATABASE_RETRY_SECONDS = 2.0


@dataclass
class Hub:
    """What every transport shares: the database, the engine, and a bell to ring on new rows."""

    sessions: async_sessionmaker[AsyncSession]
    engine: Engine
    inbox_bell: asyncio.Event = field(default_factory=asyncio.Event)
    outbox_bell: asyncio.Event = field(default_factory=asyncio.Event)

    def inbox_changed(self) -> None:
        self.inbox_bell.set()

    @property
    def clock(self) -> Clock:
        """The process's one clock: the engine's, so every part agrees on what time it is."""
        return self.engine.clock


class Transport(Protocol):
    """A platform's way in (polling or webhook) and its client for the way out."""

    @property
    def channel(self) -> str: ...

    @property
    def client(self) -> ChannelClient: ...

    @property
    def limits(self) -> Limits: ...

    @property
    def policy(self) -> SenderPolicy | None:
        """None: the sender's defaults. Tests shorten the backoff; production keeps it."""
        ...

    async def run(self, hub: Hub, stop: asyncio.Event) -> None:
        """Store every update in the inbox, then confirm it to the platform; until `stop`."""
        ...


async def engine_worker(hub: Hub, stop: asyncio.Event) -> None:
    """Processes the inbox whenever a transport rings, and every half second regardless,
    so rows stored by another process (or left by a crash) are not forgotten."""
    while not stop.is_set():
        # Cleared before the pass: a row stored during it rings again and is not left waiting.
        hub.inbox_bell.clear()
        try:
            # The sender hears of each batch's replies at once, not after the whole queue.
            while await hub.engine.process_batch():
                hub.outbox_bell.set()
        except DatabaseUnavailable:
            log.warning("database unavailable; retrying in %ss", DATABASE_RETRY_SECONDS)
            await sleep_or_stop(stop, DATABASE_RETRY_SECONDS)
            continue
        except Exception:
            log.exception("engine pass failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(hub.inbox_bell.wait(), ENGINE_IDLE_SECONDS)


async def serve(
    hub: Hub, transports: Sequence[Transport], stop: asyncio.Event | None = None
) -> None:
    """Run until SIGINT/SIGTERM (or `stop`), then let every loop finish its current step."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    handled: list[signal.Signals] = []
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, stop.set)
            handled.append(signum)
    # What start-up loaded lives as long as the process; frozen, the collector stops
    # rescanning it on every full collection while updates stream through.
    gc.freeze()
    senders = [
        Sender(
            hub.sessions,
            transport.client,
            limits=transport.limits,
            policy=transport.policy,
            clock=hub.clock,
        )
        for transport in transports
    ]
    tasks = [
        asyncio.create_task(engine_worker(hub, stop), name="engine"),
        *(asyncio.create_task(t.run(hub, stop), name=f"ingest-{t.channel}") for t in transports),
        *(
            asyncio.create_task(s.run(stop, hub.outbox_bell), name=f"sender-{s.client.channel}")
            for s in senders
        ),
    ]
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
        for task in done:
            error = task.exception()
            if error is not None:
                raise error
    finally:
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)
        for signum in handled:
            loop.remove_signal_handler(signum)
