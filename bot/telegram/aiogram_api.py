"""The Bot API through aiogram: aiogram.Bot for calls, Update.model_validate for reading."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    AiogramError,
    ClientDecodeError,
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramUnauthorizedError,
)
from aiogram.methods.base import TelegramMethod
from aiogram.types import BotCommand as AiogramBotCommand
from aiogram.types import (
    BotCommandScopeChat,
    BotCommandScopeDefault,
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
    WebAppInfo,
)

from bot.sender import Blocked, Rejected, RetryAfter, Transient
from bot.telegram.api import (
    BotCommand,
    BotInfo,
    Conflict,
    RawUpdate,
    Unauthorized,
    is_not_modified,
)
from bot.telegram.incoming import Incoming
from bot.telegram.redaction import redact
from bot.telegram.rendering import (
    Chunk,
    InlineButton,
    InlineKeyboard,
    Markup,
    RemoveKeyboard,
    ReplyKeyboard,
)
from bot.telegram.updates import incoming

AiogramMarkup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | None


class RawGetUpdates(TelegramMethod[list[dict[str, Any]]]):
    """getUpdates answered as plain JSON, read one update at a time afterwards."""

    __returning__ = list[dict[str, Any]]
    __api_method__ = "getUpdates"

    offset: int | None = None
    timeout: int | None = None
    allowed_updates: list[str] | None = None


class AiogramApi:
    runtime = "aiogram"

    def __init__(self, token: str, api_root: str, timeout: float, poll_timeout: int) -> None:
        self.timeout = timeout
        self.poll_timeout = poll_timeout
        session = AiohttpSession(
            api=TelegramAPIServer.from_base(api_root.rstrip("/")), timeout=timeout
        )
        self.bot = Bot(token, session=session)

    async def start(self) -> BotInfo:
        me = await self._call(self.bot.get_me())
        return BotInfo(id=me.id, username=me.username or "")

    async def close(self) -> None:
        await self.bot.session.close()

    async def get_updates(
        self, offset: int | None, poll_seconds: int, allowed: Sequence[str]
    ) -> list[RawUpdate]:
        method = RawGetUpdates(offset=offset, timeout=poll_seconds, allowed_updates=list(allowed))
        # aiogram types the per-call timeout as int; any number works.
        wait: Any = poll_seconds + self.timeout
        result = await self._call(self.bot(method, request_timeout=wait))
        return [update for update in result if isinstance(update, dict)]

    def read(self, raw: RawUpdate) -> Incoming | None:
        return incoming(Update.model_validate(raw, context={"bot": self.bot}))

    async def set_webhook(self, url: str, secret: str, allowed: Sequence[str]) -> None:
        await self._call(
            self.bot.set_webhook(url, secret_token=secret, allowed_updates=list(allowed))
        )

    async def delete_webhook(self) -> None:
        await self._call(self.bot.delete_webhook())

    async def send(self, chat_id: int, chunk: Chunk, *, html: bool = True) -> int:
        sent = await self._call(
            self.bot.send_message(
                chat_id,
                chunk.html,
                parse_mode="HTML" if html else None,
                reply_markup=markup(chunk.markup),
            )
        )
        return int(sent.message_id)

    async def send_file(
        self, chat_id: int, kind: str, name: str, content: bytes, caption_html: str
    ) -> int:
        upload = BufferedInputFile(content, filename=name)
        caption = caption_html or None
        if kind == "photo":
            sent = await self._call(
                self.bot.send_photo(chat_id, upload, caption=caption, parse_mode="HTML")
            )
        else:
            sent = await self._call(
                self.bot.send_document(chat_id, upload, caption=caption, parse_mode="HTML")
            )
        return int(sent.message_id)

    async def edit_text(self, chat_id: int, message_id: int, chunk: Chunk) -> None:
        keyboard = inline(chunk.markup) if isinstance(chunk.markup, InlineKeyboard) else None
        try:
            await self._call(
                self.bot.edit_message_text(
                    text=chunk.html,
                    chat_id=chat_id,
                    message_id=message_id,
                    parse_mode="HTML",
                    reply_markup=keyboard,
                )
            )
        except Rejected as error:
            if not is_not_modified(str(error)):
                raise

    async def remove_inline_keyboard(self, chat_id: int, message_id: int) -> None:
        try:
            await self._call(
                self.bot.edit_message_reply_markup(
                    chat_id=chat_id, message_id=message_id, reply_markup=None
                )
            )
        except Rejected as error:
            if not is_not_modified(str(error)):
                raise

    async def answer_callback(self, query_id: str) -> None:
        await self._call(self.bot.answer_callback_query(query_id))

    async def set_commands(
        self, commands: Sequence[BotCommand], *, chat_id: int | None, language: str
    ) -> None:
        scope = (
            BotCommandScopeDefault() if chat_id is None else BotCommandScopeChat(chat_id=chat_id)
        )
        listed = [AiogramBotCommand(command=c.command, description=c.description) for c in commands]
        await self._call(
            self.bot.set_my_commands(listed, scope=scope, language_code=language or None)
        )

    async def delete_commands(self, *, chat_id: int) -> None:
        await self._call(self.bot.delete_my_commands(scope=BotCommandScopeChat(chat_id=chat_id)))

    @staticmethod
    async def _call(call: Any) -> Any:
        try:
            return await call
        except AiogramError as error:
            raise _mapped(error) from error


def inline(spec: InlineKeyboard) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[_button(b) for b in row] for row in spec.rows])


def _button(button: InlineButton) -> InlineKeyboardButton:
    if button.web_app:
        return InlineKeyboardButton(text=button.label, web_app=WebAppInfo(url=button.web_app))
    if button.url:
        return InlineKeyboardButton(text=button.label, url=button.url)
    return InlineKeyboardButton(text=button.label, callback_data=button.data)


def markup(spec: Markup) -> AiogramMarkup:
    if isinstance(spec, InlineKeyboard):
        return inline(spec)
    if isinstance(spec, ReplyKeyboard):
        return ReplyKeyboardMarkup(
            keyboard=[
                [
                    KeyboardButton(
                        text=b.label,
                        request_location=b.request_location or None,
                        request_contact=b.request_contact or None,
                    )
                    for b in row
                ]
                for row in spec.rows
            ],
            resize_keyboard=True,
            one_time_keyboard=spec.one_time,
            is_persistent=spec.persistent,
        )
    if isinstance(spec, RemoveKeyboard):
        return ReplyKeyboardRemove(remove_keyboard=True)
    return None


def _mapped(error: AiogramError) -> Exception:
    text = redact(str(getattr(error, "message", None) or error))
    if isinstance(error, TelegramRetryAfter):
        return RetryAfter(float(error.retry_after))
    if isinstance(error, TelegramForbiddenError):
        return Blocked(text)
    if isinstance(error, TelegramUnauthorizedError | TelegramNotFound):
        return Unauthorized(text)
    if isinstance(error, TelegramConflictError):
        return Conflict(text)
    if isinstance(error, TelegramBadRequest | TelegramMigrateToChat):
        return Rejected(text)
    if isinstance(error, ClientDecodeError):
        return Transient(f"unreadable answer: {text}")
    return Transient(text)
