"""The Bot API calls the bot makes, as one interface each runtime implements.

Failures come back as the sender's errors (RetryAfter, Transient, Blocked, Rejected) plus
the two that stop ingest: a token Telegram does not know, and another consumer of updates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from bot.telegram.incoming import Incoming
from bot.telegram.rendering import Chunk

RawUpdate = dict[str, Any]


class Unauthorized(Exception):
    """401/404 on our own token: nothing will work until the token is fixed."""


class Conflict(Exception):
    """409: a webhook is set, or another process is polling with this token."""


@dataclass(frozen=True)
class BotInfo:
    id: int
    username: str


@dataclass(frozen=True)
class BotCommand:
    command: str
    description: str


class TelegramApi(Protocol):
    runtime: str

    async def start(self) -> BotInfo:
        """Open the client and check the token (getMe)."""
        ...

    async def close(self) -> None: ...

    async def get_updates(
        self, offset: int | None, poll_seconds: int, allowed: Sequence[str]
    ) -> list[RawUpdate]:
        """The raw updates, so that one the framework cannot read does not block the rest."""
        ...

    def read(self, raw: RawUpdate) -> Incoming | None:
        """The update in the framework's types (None: nothing a person sent); may raise."""
        ...

    async def set_webhook(self, url: str, secret: str, allowed: Sequence[str]) -> None: ...

    async def delete_webhook(self) -> None: ...

    async def send(self, chat_id: int, chunk: Chunk, *, html: bool = True) -> int:
        """Send one message; its message id."""
        ...

    async def send_file(
        self, chat_id: int, kind: str, name: str, content: bytes, caption_html: str
    ) -> int:
        """A photo or document (chart, workbook) with an HTML caption; its message id."""
        ...

    async def edit_text(self, chat_id: int, message_id: int, chunk: Chunk) -> None:
        """Redraw a message the bot sent, with the chunk's inline keyboard (or none); a
        redraw that changes nothing is fine."""
        ...

    async def remove_inline_keyboard(self, chat_id: int, message_id: int) -> None:
        """Drop the buttons of a message; a message that has none already is fine."""
        ...

    async def answer_callback(self, query_id: str) -> None: ...

    async def set_commands(
        self, commands: Sequence[BotCommand], *, chat_id: int | None, language: str
    ) -> None:
        """Commands for everyone (chat_id None) or for one chat, in one language ("" = any)."""
        ...

    async def delete_commands(self, *, chat_id: int) -> None: ...


def is_not_modified(description: str) -> bool:
    """Telegram's answer to an edit that changes nothing: the wanted state is already there."""
    return "message is not modified" in description.lower()


def is_unparsable_html(description: str) -> bool:
    return "can't parse entities" in description.lower()
