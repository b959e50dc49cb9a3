"""Polling with our own getUpdates loop: the offset moves past an update only once it is stored.

Telegram confirms every update below the offset of the next getUpdates call. Each batch
is committed to the inbox before that call is made, so a crash at any instant leaves each
update either stored or still waiting at Telegram, to be fetched again.
"""

from __future__ import annotations

import asyncio
import logging

from bot.sender import RetryAfter
from bot.telegram.api import TelegramApi, Unauthorized
from bot.telegram.incoming import ALLOWED_UPDATES
from bot.telegram.ingest import Ingest
from bot.telegram.waiting import Backoff, Stopped, persist, unless_stopped
from bot.waiting import sleep_or_stop

log = logging.getLogger(__name__)
POLL_SECONDS = 25


async def run_polling(
    api: TelegramApi, ingest: Ingest, stop: asyncio.Event, poll_seconds: int = POLL_SECONDS
) -> None:
    # A webhook left from an earlier run would make every getUpdates fail.
    if not await persist(stop, api.delete_webhook, "deleteWebhook", fatal=(Unauthorized,)):
        return
    log.info("receiving updates by polling (%s)", api.runtime)
    offset: int | None = None
    backoff = Backoff()
    while not stop.is_set():
        try:
            updates = await unless_stopped(
                api.get_updates(offset, poll_seconds, ALLOWED_UPDATES), stop
            )
        except Stopped:
            return
        except Unauthorized:
            raise
        except RetryAfter as wait:
            await sleep_or_stop(stop, wait.seconds)
            continue
        except Exception as error:
            pause = backoff.next()
            log.warning("getUpdates failed (%s); again in %.0fs", error, pause)
            await sleep_or_stop(stop, pause)
            continue
        if not updates:
            backoff.reset()
            continue
        try:
            await ingest.store(updates)
        except Exception:
            pause = backoff.next()
            log.exception(
                "could not store %s updates; fetching them again in %.0fs", len(updates), pause
            )
            await sleep_or_stop(stop, pause)
            continue
        backoff.reset()
        ids = [
            update["update_id"] for update in updates if isinstance(update.get("update_id"), int)
        ]
        if ids:
            offset = max(ids) + 1
