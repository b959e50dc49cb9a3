"""Storing updates in the inbox, committed before Telegram is told they arrived."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from bot.app import Hub
from bot.grouping import Grouped
from bot.telegram.api import RawUpdate, TelegramApi
from bot.telegram.incoming import CHANNEL, Incoming, parse_callback_data, to_event, unreadable
from handlers.messages import InEvent, is_standing
from storage import failpoints, inbox

log = logging.getLogger(__name__)
SIDE_CALLS_AT_ONCE = 8


@dataclass(frozen=True)
class _Reading:
    raw: RawUpdate
    incoming: Incoming
    event: InEvent


class Ingest:
    """Both ways in (polling and webhook) store through here.

    After the commit it rings the engine, then answers each button press and takes the
    pressed message's buttons away, so they cannot be pressed twice. Those two calls are
    courtesy: the press is already safe in the inbox, so they run beside the ingest and a
    failure is only logged.
    """

    def __init__(self, hub: Hub, api: TelegramApi) -> None:
        self.hub = hub
        self.api = api
        self._side_calls: set[asyncio.Task[None]] = set()
        self._gate = asyncio.Semaphore(SIDE_CALLS_AT_ONCE)
        self.pushed: Grouped[RawUpdate] = Grouped(self.store)

    async def store_pushed(self, update: RawUpdate) -> None:
        """One update pushed to the webhook, committed with those pushed beside it."""
        await self.pushed.submit(update)

    async def store(self, updates: Sequence[RawUpdate]) -> int:
        """Commit the updates; how many were new (a redelivered one hits the unique key)."""
        readings = [reading for raw in updates if (reading := self._read(raw)) is not None]
        stored = 0
        now = self.hub.clock()
        async with self.hub.sessions() as session, session.begin():
            for reading in readings:
                inbox_id = await inbox.store(
                    session,
                    channel=CHANNEL,
                    update_key=str(reading.incoming.update_id),
                    user_key=reading.event.user_key,
                    chat_key=reading.event.chat_key,
                    event=reading.event.model_dump(exclude_defaults=True),
                    now=now,
                    payload=reading.raw,
                )
                stored += inbox_id is not None
        for _ in readings:
            failpoints.hit("after_inbox_commit")
        if readings:
            self.hub.inbox_changed()
        for reading in readings:
            if reading.incoming.is_press:
                self._acknowledge(reading.incoming)
        return stored

    def _read(self, raw: RawUpdate) -> _Reading | None:
        """The update as an event; one that cannot be read is stored as unsupported."""
        try:
            incoming = self.api.read(raw)
            return None if incoming is None else _Reading(raw, incoming, to_event(incoming))
        except Exception as error:
            log.warning(
                "update %s unreadable by %s: %s", raw.get("update_id"), self.api.runtime, error
            )
        incoming = unreadable(raw)
        return None if incoming is None else _Reading(raw, incoming, to_event(incoming))

    def _acknowledge(self, press: Incoming) -> None:
        task = asyncio.create_task(self._answer(press))
        self._side_calls.add(task)
        task.add_done_callback(self._side_calls.discard)

    async def _answer(self, press: Incoming) -> None:
        async with self._gate:
            if press.callback_query_id is not None:
                try:
                    await self.api.answer_callback(press.callback_query_id)
                except Exception as error:
                    log.info("answering button press %s failed: %s", press.update_id, error)
            if press.message_id is not None and not _redrawn_by_the_engine(press):
                try:
                    await self.api.remove_inline_keyboard(press.chat_id, press.message_id)
                except Exception as error:
                    log.info("removing pressed buttons failed: %s", error)

    async def close(self) -> None:
        """Let answers already under way finish (briefly), then drop the rest."""
        if not self._side_calls:
            return
        _, pending = await asyncio.wait(self._side_calls, timeout=2)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)


def _redrawn_by_the_engine(press: Incoming) -> bool:
    """A question's buttons go once pressed. An alert's, a reminder's or a digest's stay: a
    second officer may press next, and the engine redraws every copy when something changed."""
    token, _ = parse_callback_data(press.callback_data)
    return is_standing(token)
