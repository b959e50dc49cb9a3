"""`tuquan run` with a Telegram token: the runtime chosen in settings, served by bot/app."""

from __future__ import annotations

import asyncio
import logging
import re

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import Hub
from bot.ratelimit import Limits
from bot.sender import RetryAfter, SenderPolicy, Transient
from bot.settings import Settings
from bot.telegram.api import BotInfo, TelegramApi
from bot.telegram.client import FileSource, TelegramClient
from bot.telegram.commands import SYNC_SECONDS, CommandSync
from bot.telegram.polling import POLL_SECONDS
from bot.telegram.redaction import protect_logs, register_secret
from bot.telegram.transport import Polling, TelegramTransport, Webhook
from bot.telegram.waiting import Backoff
from handlers.i18n import Translator
from storage import files
from storage.models import StoredFile

log = logging.getLogger(__name__)
# Telegram's limits. Overall, 30 messages within any 1.02 s: a call reaches Telegram some
# milliseconds after its turn, and a window of exactly one second let 31 arrive within one.
# Two may go back to back: paced one at a time, an event loop busy with the sending itself
# wakes about a millisecond late for each turn, and the Monday digests took 3-8 % longer
# than 30 a second allow (bench/fanout.py). To a chat, one message at a time ("avoid sending
# more than one message per second"; the bursts Telegram tolerates are not counted on),
# refilled a little slower than once a second: a message timed to the instant of our refill
# arrives a few milliseconds early by Telegram's clock.
TELEGRAM_LIMITS = Limits(
    per_second=30.0,
    per_chat_per_second=0.9,
    chat_burst=1,
    overall_burst=2,
    overall_window=1.02,
)
# What Telegram accepts as X-Telegram-Bot-Api-Secret-Token.
_SECRET_SHAPE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


class SetupError(Exception):
    """A setting is missing or wrong; the message says which."""


def make_api(settings: Settings, poll_seconds: int = POLL_SECONDS) -> TelegramApi:
    token = settings.telegram_token
    if token is None:
        raise SetupError("TELEGRAM_BOT_TOKEN is not set")
    protect_logs(token)
    if settings.telegram_runtime == "aiogram":
        from bot.telegram.aiogram_api import AiogramApi

        return AiogramApi(token, settings.telegram_api_url, settings.telegram_timeout, poll_seconds)
    from bot.telegram.ptb_api import PtbApi

    return PtbApi(token, settings.telegram_api_url, settings.telegram_timeout, poll_seconds)


def way_in(
    settings: Settings, *, webhook: bool, poll_seconds: int = POLL_SECONDS
) -> Polling | Webhook:
    if not webhook:
        return Polling(poll_seconds)
    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else ""
    if not settings.webhook_url:
        raise SetupError("--webhook needs TUQUAN_WEBHOOK_URL, the public https address")
    if not _SECRET_SHAPE.match(secret):
        raise SetupError(
            "--webhook needs TUQUAN_WEBHOOK_SECRET: 1-256 characters A-Z, a-z, 0-9, _ or -"
        )
    register_secret(secret)  # the libraries log setWebhook's parameters at DEBUG
    return Webhook(settings.webhook_url, secret, settings.webhook_listen, settings.webhook_port)


def telegram_transport(
    api: TelegramApi,
    hub: Hub,
    settings: Settings,
    way: Polling | Webhook,
    *,
    limits: Limits | None = None,
    policy: SenderPolicy | None = None,
    command_interval: float = SYNC_SECONDS,
    bot_username: str | None = None,
) -> TelegramTransport:
    client = TelegramClient(
        api, Translator(settings.locale), stored_files(hub.sessions), bot_username=bot_username
    )
    return TelegramTransport(
        api=api,
        client=client,
        way_in=way,
        commands=CommandSync(
            api,
            hub.sessions,
            default_locale=settings.locale,
            interval=command_interval,
            clock=hub.clock,
        ),
        limits=limits or TELEGRAM_LIMITS,
        policy=policy,
    )


async def bot_username(settings: Settings) -> str | None:
    """The bot's @username for t.me links: from settings, else asked of Telegram (getMe)."""
    if settings.telegram_bot_username:
        return settings.telegram_bot_username.lstrip("@")
    if settings.telegram_token is None:
        return None
    api = make_api(settings)
    try:
        info = await api.start()
    finally:
        await api.close()
    return info.username or None


def stored_files(sessions: async_sessionmaker[AsyncSession]) -> FileSource:
    """Charts and workbooks sent with messages are kept in the database until sent."""

    async def load(file_id: int) -> StoredFile | None:
        async with sessions() as session:
            return await files.load(session, file_id)

    return load


def invite_link(username: str, code: str) -> str:
    return f"https://t.me/{username}?start={code}"


async def sign_in(api: TelegramApi, backoff: Backoff | None = None) -> BotInfo:
    """getMe until Telegram answers: a weak connection at start is waited out, not fatal."""
    backoff = backoff or Backoff(ceiling=60.0)
    while True:
        try:
            return await api.start()
        except (Transient, RetryAfter) as error:
            pause = backoff.next()
            log.warning("Telegram cannot be reached (%s); again in %.0fs", error, pause)
            await asyncio.sleep(pause)
