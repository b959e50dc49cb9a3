"""getUpdates in a loop: one update per call, 408 when a long poll ends empty, no offset.

With no offset there is no confirmation: an update the server has handed out is ours to
keep. So the next poll starts only after the previous update is committed, and a poll in
flight when the bot is told to stop is let to finish and its update stored.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from bot.waiting import sleep_or_stop
from bot.zalo.api import ZaloApi, ZaloApiError, ZaloUnreachable
from bot.zalo.updates import Incoming, parse

log = logging.getLogger(__name__)

Keeper = Callable[[Incoming], Awaitable[object]]
FIRST_BACKOFF_SECONDS = 1.0
MAX_BACKOFF_SECONDS = 60.0


class Poller:
    def __init__(self, api: ZaloApi, keep: Keeper, *, poll_seconds: int = 30) -> None:
        self.api = api
        self.keep = keep
        self.poll_seconds = poll_seconds

    async def run(self, stop: asyncio.Event) -> None:
        await _without_webhook(self.api)
        backoff = FIRST_BACKOFF_SECONDS
        while not stop.is_set():
            try:
                update = await self.api.get_update(self.poll_seconds)
            except (ZaloApiError, ZaloUnreachable) as error:
                log.warning("Zalo getUpdates failed (%s); again in %ss", error, backoff)
                await sleep_or_stop(stop, backoff)
                backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)
                continue
            backoff = FIRST_BACKOFF_SECONDS
            if update is None:
                continue
            incoming = parse(update)
            if incoming is None:
                log.info("Zalo update without a person's message skipped")
                continue
            await self.keep(incoming)


async def _without_webhook(api: ZaloApi) -> None:
    """getUpdates answers nothing while a webhook is set: polling removes it first."""
    try:
        if await api.get_webhook_info() is not None:
            await api.delete_webhook()
            log.warning("Zalo webhook removed: this bot now polls")
    except (ZaloApiError, ZaloUnreachable) as error:
        # Polling still starts: if a webhook really is set, getUpdates will say so.
        log.warning("could not check the Zalo webhook: %s", error)
