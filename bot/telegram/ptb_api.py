"""The Bot API through python-telegram-bot: telegram.Bot for calls, Update.de_json for reading."""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from telegram import (
    Bot,
    BotCommandScopeChat,
    BotCommandScopeDefault,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
    WebAppInfo,
)
from telegram import BotCommand as PtbBotCommand
from telegram import error as ptb_errors
from telegram.constants import ParseMode
from telegram.request import HTTPXRequest

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

# Bot API method names are case-insensitive. Spelled like this, PTB does not take the raw
# call (deliberate: one unreadable update must not block the batch) for a typo of
# Bot.get_updates and warn about it.
RAW_GET_UPDATES = "getupdates"
# Time periods (retry_after) as timedelta, PTB's coming default, instead of a deprecation
# warning on every flood wait. PTB reads this at each access.
os.environ.setdefault("PTB_TIMEDELTA", "true")
PtbMarkup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | None
CONNECTIONS = 64


class PtbApi:
    runtime = "ptb"

    def __init__(self, token: str, api_root: str, timeout: float, poll_timeout: int) -> None:
        root = api_root.rstrip("/")
        self.timeout = timeout
        # PTB joins base_url + token + "/" + method; our setting is the server's root.
        # Only PTB's own get_updates takes its get_updates_request: the raw call goes through
        # `request`, and get_updates gives it the long poll's read timeout itself.
        self.bot = Bot(
            token,
            base_url=f"{root}/bot",
            base_file_url=f"{root}/file/bot",
            request=HTTPXRequest(
                connection_pool_size=CONNECTIONS,
                read_timeout=timeout,
                write_timeout=timeout,
                connect_timeout=timeout,
                pool_timeout=timeout,
            ),
        )

    async def start(self) -> BotInfo:
        try:
            await self.bot.initialize()
        except ptb_errors.TelegramError as error:
            raise _mapped(error) from error
        return BotInfo(id=self.bot.id, username=self.bot.username)

    async def close(self) -> None:
        await self.bot.shutdown()

    async def get_updates(
        self, offset: int | None, poll_seconds: int, allowed: Sequence[str]
    ) -> list[RawUpdate]:
        arguments: dict[str, Any] = {"timeout": poll_seconds, "allowed_updates": list(allowed)}
        if offset is not None:
            arguments["offset"] = offset
        # Telegram holds a long poll `poll_seconds` when nothing is waiting: read that long.
        call = self.bot.do_api_request(
            RAW_GET_UPDATES, api_kwargs=arguments, read_timeout=poll_seconds + self.timeout
        )
        result = await self._call(call)
        if not isinstance(result, list):
            raise Transient(f"getUpdates answered {type(result).__name__}")
        return [update for update in result if isinstance(update, dict)]

    def read(self, raw: RawUpdate) -> Incoming | None:
        update = Update.de_json(raw, self.bot)
        return incoming(update)

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
                parse_mode=ParseMode.HTML if html else None,
                reply_markup=markup(chunk.markup),
            )
        )
        return int(sent.message_id)

    async def send_file(
        self, chat_id: int, kind: str, name: str, content: bytes, caption_html: str
    ) -> int:
        upload = InputFile(content, filename=name)
        send = self.bot.send_photo if kind == "photo" else self.bot.send_document
        sent = await self._call(
            send(chat_id, upload, caption=caption_html or None, parse_mode=ParseMode.HTML)
        )
        return int(sent.message_id)

    async def edit_text(self, chat_id: int, message_id: int, chunk: Chunk) -> None:
        keyboard = inline(chunk.markup) if isinstance(chunk.markup, InlineKeyboard) else None
        try:
            await self._call(
                self.bot.edit_message_text(
                    chunk.html,
                    chat_id=chat_id,
                    message_id=message_id,
                    parse_mode=ParseMode.HTML,
                    reply_markup=keyboard,
                )
            )
        except Rejected as error:
            if not is_not_modified(str(error)):
                raise

    async def remove_inline_keyboard(self, chat_id: int, message_id: int) -> None:
        try:
            await self._call(
                self.bot.edit_message_reply_markup(chat_id, message_id, reply_markup=None)
            )
        except Rejected as error:
            if not is_not_modified(str(error)):
                raise

    async def answer_callback(self, query_id: str) -> None:
        await self._call(self.bot.answer_callback_query(query_id))

    async def set_commands(
        self, commands: Sequence[BotCommand], *, chat_id: int | None, language: str
    ) -> None:
        scope = BotCommandScopeDefault() if chat_id is None else BotCommandScopeChat(chat_id)
        listed = [PtbBotCommand(c.command, c.description) for c in commands]
        await self._call(
            self.bot.set_my_commands(listed, scope=scope, language_code=language or None)
        )

    async def delete_commands(self, *, chat_id: int) -> None:
        await self._call(self.bot.delete_my_commands(scope=BotCommandScopeChat(chat_id)))

    @staticmethod
    async def _call(call: Any) -> Any:
        try:
            return await call
        except ptb_errors.TelegramError as error:
            raise _mapped(error) from error


def inline(spec: InlineKeyboard) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[_button(button) for button in row] for row in spec.rows])


def _button(button: InlineButton) -> InlineKeyboardButton:
    if button.web_app:
        return InlineKeyboardButton(button.label, web_app=WebAppInfo(button.web_app))
    if button.url:
        return InlineKeyboardButton(button.label, url=button.url)
    return InlineKeyboardButton(button.label, callback_data=button.data)


def markup(spec: Markup) -> PtbMarkup:
    if isinstance(spec, InlineKeyboard):
        return inline(spec)
    if isinstance(spec, ReplyKeyboard):
        return ReplyKeyboardMarkup(
            [
                [
                    KeyboardButton(
                        b.label,
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
        return ReplyKeyboardRemove()
    return None


def _mapped(error: ptb_errors.TelegramError) -> Exception:
    text = redact(error.message)
    if isinstance(error, ptb_errors.RetryAfter):
        wait = error.retry_after
        seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
        return RetryAfter(seconds)
    if isinstance(error, ptb_errors.Forbidden):
        return Blocked(text)
    if isinstance(error, ptb_errors.InvalidToken):
        return Unauthorized(text)
    if isinstance(error, ptb_errors.Conflict):
        return Conflict(text)
    if isinstance(error, ptb_errors.BadRequest | ptb_errors.ChatMigrated):
        return Rejected(text)
    return Transient(text)
