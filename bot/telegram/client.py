"""The sender's way out to Telegram: one outbox row may become several Telegram messages."""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Awaitable, Callable

from bot.sender import Blocked, Pace, Rejected, RetryAfter, Transient, unpaced
from bot.telegram.api import TelegramApi, is_unparsable_html
from bot.telegram.incoming import CHANNEL
from bot.telegram.rendering import Chunk, InlineKeyboard, RemoveKeyboard, ReplyKeyboard, render
from handlers.i18n import Translator
from handlers.messages import OutMessage
from storage.models import StoredFile

log = logging.getLogger(__name__)
# Telegram's caption limit, less room for the entities the markup becomes.
CAPTION_LIMIT = 1000
FileSource = Callable[[int], Awaitable[StoredFile | None]]
_TAG = re.compile(r"<[^>]*>")


def as_plain_text(markup: str) -> str:
    return html.unescape(_TAG.sub("", markup))


class TelegramClient:
    """Implements the sender's PacedClient; group chats have negative ids on Telegram."""

    channel = CHANNEL

    def __init__(
        self,
        api: TelegramApi,
        t: Translator,
        files: FileSource | None = None,
        bot_username: str | None = None,
    ) -> None:
        self.api = api
        self.t = t
        self.files = files
        self.bot_username = bot_username
        # Parts of a long message already delivered, so that a retry after a failure in
        # the middle sends only the rest (kept in memory: a crash may repeat a part).
        self._delivered_parts: dict[tuple[str, str], int] = {}
        # Chats shown a one-time keyboard (the place question's) not yet taken away. In
        # memory: after a restart it stays until the next menu replaces it.
        self._one_time_keyboards: set[str] = set()

    def is_group(self, chat_key: str) -> bool:
        return chat_key.startswith("-")

    async def send(
        self, chat_key: str, message: OutMessage, replacing: str | None = None
    ) -> str | None:
        return await self.send_paced(chat_key, message, replacing, unpaced)

    async def send_paced(
        self, chat_key: str, message: OutMessage, replacing: str | None, pace: Pace
    ) -> str | None:
        try:
            chat_id = int(chat_key)
        except ValueError as error:
            raise Rejected(f"not a Telegram chat id: {chat_key!r}") from error
        if message.attachment is not None:
            return await self._send_attachment(chat_key, chat_id, message, pace)
        if replacing is not None and await self._redraw(chat_id, replacing, message, pace):
            return replacing
        return await self._send_text(chat_key, chat_id, message, pace)

    async def _redraw(self, chat_id: int, message_id: str, message: OutMessage, pace: Pace) -> bool:
        """Edit the message in place; False when it must go anew (too long for one message,
        or Telegram no longer has it)."""
        chunks = render(message, self.t)
        if len(chunks) != 1 or not isinstance(chunks[0].markup, InlineKeyboard | None):
            return False
        await pace()
        try:
            await self.api.edit_text(chat_id, int(message_id), chunks[0])
        except Rejected as error:
            log.info("redrawing message %s failed (%s); sending it anew", message_id, error)
            return False
        return True

    async def _send_attachment(
        self, chat_key: str, chat_id: int, message: OutMessage, pace: Pace
    ) -> str:
        """The file with the text as its caption; a text too long for a caption goes first."""
        attachment = message.attachment
        assert attachment is not None
        stored = await self.files(attachment.file_id) if self.files is not None else None
        if stored is None:
            raise Rejected(f"the attached file {attachment.file_id} is no longer stored")
        caption = message.text
        if len(as_plain_text(caption)) > CAPTION_LIMIT:
            await self._send_text(
                chat_key, chat_id, message.model_copy(update={"attachment": None}), pace
            )
            caption = ""
        await pace()
        sent = await self.api.send_file(
            chat_id, attachment.kind, attachment.name, stored.content, caption
        )
        return str(sent)

    async def _send_text(
        self, chat_key: str, chat_id: int, message: OutMessage, pace: Pace
    ) -> str | None:
        chunks = render(
            message,
            self.t,
            close_keyboard=chat_key in self._one_time_keyboards,
            bot_username=self.bot_username,
        )
        progress = (chat_key, message.model_dump_json())
        last_id: int | None = None
        try:
            for index in range(self._delivered_parts.get(progress, 0), len(chunks)):
                await pace()
                last_id = await self._send_chunk(chat_id, chunks[index])
                self._delivered_parts[progress] = index + 1
        except (RetryAfter, Transient):
            raise
        except (Blocked, Rejected):
            self._delivered_parts.pop(progress, None)
            raise
        self._delivered_parts.pop(progress, None)
        self._remember_keyboard(chat_key, chunks)
        return str(last_id) if last_id is not None else None

    def _remember_keyboard(self, chat_key: str, chunks: list[Chunk]) -> None:
        shown = [
            chunk.markup
            for chunk in chunks
            if isinstance(chunk.markup, ReplyKeyboard | RemoveKeyboard)
        ]
        if not shown:
            return
        latest = shown[-1]
        if isinstance(latest, ReplyKeyboard) and latest.one_time:
            self._one_time_keyboards.add(chat_key)
        else:
            self._one_time_keyboards.discard(chat_key)

    async def _send_chunk(self, chat_id: int, chunk: Chunk) -> int:
        try:
            return await self.api.send(chat_id, chunk)
        except Rejected as error:
            if not is_unparsable_html(str(error)):
                raise
            # Never expected (every value is escaped), but a person must still get the words.
            log.error("Telegram refused the markup of a message (%s); sending it as text", error)
            return await self.api.send(
                chat_id, Chunk(as_plain_text(chunk.html), chunk.markup), html=False
            )
