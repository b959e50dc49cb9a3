"""The sender's way out to Zalo: render, split, send, and say which failures are worth a retry."""

from __future__ import annotations

import hashlib
import logging

from bot.sender import Blocked, Pace, Rejected, RetryAfter, Transient, unpaced
from bot.zalo.api import ZaloApi, ZaloApiError, ZaloUnreachable
from bot.zalo.render import render, split
from bot.zalo.updates import CHANNEL
from handlers.messages import OutMessage

log = logging.getLogger(__name__)

# Zalo does not say how long to wait after a 429; this is long enough for a per-second limit
# to recover, short enough that a hamlet head waiting for an answer does not notice much.
RETRY_AFTER_SECONDS = 5.0


class ZaloClient:
    """A PacedClient for bot.sender.Sender."""

    channel = CHANNEL

    def __init__(self, api: ZaloApi, *, retry_after: float = RETRY_AFTER_SECONDS) -> None:
        self.api = api
        self.retry_after = retry_after
        self.groups: set[str] = set()
        # A long reply goes out in parts; if a later part fails, the retry of the same row
        # must not send the earlier parts again. Rows of one chat are sent strictly in
        # order, so one unfinished reply per chat is all there can be.
        self._unfinished: dict[str, tuple[str, int]] = {}

    def is_group(self, chat_key: str) -> bool:
        return chat_key in self.groups

    async def send(
        self, chat_key: str, message: OutMessage, replacing: str | None = None
    ) -> str | None:
        return await self.send_paced(chat_key, message, replacing, unpaced)

    async def send_paced(
        self, chat_key: str, message: OutMessage, replacing: str | None, pace: Pace
    ) -> str | None:
        """Zalo cannot edit a message it showed: a redraw goes as a new one. Each part waits
        for its own turn under the sender's limits."""
        parts = split(render(message))
        digest = hashlib.sha256("\x00".join(parts).encode()).hexdigest()
        started_digest, already_sent = self._unfinished.pop(chat_key, ("", 0))
        first = already_sent if started_digest == digest else 0
        message_id: str | None = None
        for index in range(first, len(parts)):
            try:
                await pace()
            except RetryAfter:
                if index:
                    self._unfinished[chat_key] = (digest, index)
                raise
            try:
                message_id = await self.api.send_message(chat_key, parts[index])
            except (ZaloApiError, ZaloUnreachable) as error:
                if index and _retryable(error):
                    self._unfinished[chat_key] = (digest, index)
                raise _for_sender(error, self.retry_after) from None
        return message_id


def _retryable(error: Exception) -> bool:
    return isinstance(error, ZaloUnreachable) or (
        isinstance(error, ZaloApiError) and (error.code == 429 or error.code >= 500)
    )


def _for_sender(error: ZaloApiError | ZaloUnreachable, retry_after: float) -> Exception:
    """What the sender should do: wait, retry later, stop writing to this person, or drop."""
    if isinstance(error, ZaloUnreachable):
        return Transient(str(error))
    if error.code == 429:
        return RetryAfter(retry_after)
    if error.code == 403:
        return Blocked(error.description)
    if error.code == 401:
        log.error("Zalo refused the bot token (401); check ZALO_BOT_TOKEN")
        return Transient(str(error))
    if error.code >= 500 or error.code == 408:
        return Transient(str(error))
    return Rejected(str(error))
