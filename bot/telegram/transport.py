"""The Telegram transport for bot/app.serve: ingest (polling or webhook) plus command lists."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any

from bot.app import Hub
from bot.ratelimit import Limits
from bot.sender import SenderPolicy
from bot.telegram.api import TelegramApi
from bot.telegram.client import TelegramClient
from bot.telegram.commands import CommandSync
from bot.telegram.incoming import CHANNEL
from bot.telegram.ingest import Ingest
from bot.telegram.polling import POLL_SECONDS, run_polling


@dataclass(frozen=True)
class Polling:
    poll_seconds: int = POLL_SECONDS


@dataclass(frozen=True)
class Webhook:
    url: str
    secret: str
    listen: str
    port: int


@dataclass
class TelegramTransport:
    """Implements bot.app.Transport; the sender gets `client`, `limits` and `policy`."""

    api: TelegramApi
    client: TelegramClient
    way_in: Polling | Webhook
    commands: CommandSync | None = None
    limits: Limits = field(default_factory=Limits)
    policy: SenderPolicy | None = None
    channel: str = CHANNEL

    async def run(self, hub: Hub, stop: asyncio.Event) -> None:
        ingest = Ingest(hub, self.api)
        jobs: list[Coroutine[Any, Any, None]] = [self._receive(ingest, stop)]
        if self.commands is not None:
            jobs.append(self.commands.run(stop))
        tasks = [asyncio.create_task(job) for job in jobs]
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
            for task in done:
                error = task.exception()
                if error is not None:
                    raise error
        finally:
            for task in tasks:
                task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.gather(*tasks, return_exceptions=True)
            await ingest.close()

    async def _receive(self, ingest: Ingest, stop: asyncio.Event) -> None:
        way_in = self.way_in
        if isinstance(way_in, Webhook):
            # aiohttp's server is imported by the bots that listen, not by every bot.
            from bot.telegram.webhook import run_webhook

            await run_webhook(
                self.api,
                ingest,
                stop,
                url=way_in.url,
                secret=way_in.secret,
                listen=way_in.listen,
                port=way_in.port,
            )
        else:
            await run_polling(self.api, ingest, stop, way_in.poll_seconds)
