"""Keeping a Zalo update: committed to the inbox (with its photos queued) before it is confirmed."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from bot.app import Hub
from bot.waiting import sleep_or_stop
from bot.zalo.updates import CHANNEL, Incoming
from storage import failpoints, inbox, media

log = logging.getLogger(__name__)

FIRST_RETRY_SECONDS = 0.5
MAX_RETRY_SECONDS = 30.0
MAX_REFUSALS = 5


async def store(hub: Hub, incoming: Incoming) -> bool:
    """Commit the update; False when it was already kept (Zalo delivered it again)."""
    return await store_all(hub, [incoming]) == 1


async def store_all(hub: Hub, incomings: Sequence[Incoming]) -> int:
    """Commit the updates in one transaction; how many were new."""
    now = hub.clock()
    new = 0
    async with hub.sessions() as session, session.begin():
        for incoming in incomings:
            inbox_id = await inbox.store(
                session,
                channel=CHANNEL,
                update_key=incoming.update_key,
                user_key=incoming.user_key,
                chat_key=incoming.chat_key,
                event=incoming.event.model_dump(exclude_defaults=True),
                now=now,
                payload=incoming.payload,
            )
            if inbox_id is not None and incoming.photo_urls:
                await media.queue(
                    session, inbox_id=inbox_id, channel=CHANNEL, urls=incoming.photo_urls, now=now
                )
            new += inbox_id is not None
    for _ in range(new):
        failpoints.hit("after_inbox_commit")
    if new:
        hub.inbox_changed()
    return new


async def store_until_kept(hub: Hub, incoming: Incoming, stop: asyncio.Event) -> bool:
    """Store, retrying while the database is away: a polled update has no second delivery.

    Gives up (and logs the loss) only when told to stop while the database still refuses, or
    when this one update keeps failing although the database answers: one message that can
    never be stored must not stop every later one from arriving.
    """
    delay = FIRST_RETRY_SECONDS
    refusals = 0
    while True:
        try:
            return await store(hub, incoming)
        except Exception as error:
            refusals += 0 if _database_away(error) else 1
            if stop.is_set() or refusals >= MAX_REFUSALS:
                log.error(
                    "Zalo message %s dropped: it could not be stored (%s)",
                    incoming.update_key,
                    type(error).__name__,
                )
                return False
            log.warning("inbox unavailable (%s); retrying in %ss", type(error).__name__, delay)
        await sleep_or_stop(stop, delay)
        delay = min(delay * 2, MAX_RETRY_SECONDS)


def _database_away(error: Exception) -> bool:
    if isinstance(error, OSError | TimeoutError | InterfaceError):
        return True
    return isinstance(error, DBAPIError) and (
        error.connection_invalidated or isinstance(error, OperationalError)
    )
