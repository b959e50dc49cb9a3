"""A loopback emulator of the Telegram Bot API for testing the bot over real HTTP.

Typical fixture (pytest-asyncio)::

    @pytest_asyncio.fixture
    async def telegram() -> AsyncIterator[TelegramEmulator]:
        async with TelegramEmulator() as emulator:
            yield emulator

python-telegram-bot:  Bot(telegram.token, base_url=telegram.ptb_base_url,
                          base_file_url=telegram.ptb_base_file_url)
aiogram:              Bot(telegram.token, session=AiohttpSession(
                          api=TelegramAPIServer.from_base(telegram.base_url)))

Simulated users act with ``telegram.user_sends_text(user_id, "/start")`` and friends;
tests read back ``telegram.sent_messages(chat_id)``, ``telegram.requests`` and
``telegram.stats``, and arm failures with ``fail_next``, ``hang_next``, ``drop_next``,
``block_chat`` and ``set_rate_limits``.
"""

from .config import EmulatorConfig
from .emulator import TelegramEmulator
from .errors import BotApiError, EmulatorUsageError
from .flood import RateLimits
from .html_parser import FormattedText, parse_html
from .stats import EmulatorStats, RequestRecord, WebhookDelivery
from .store import CallbackAnswer, MessageRevision, SimulatedUser, StoredMessage

__all__ = [
    "BotApiError",
    "CallbackAnswer",
    "EmulatorConfig",
    "EmulatorStats",
    "EmulatorUsageError",
    "FormattedText",
    "MessageRevision",
    "RateLimits",
    "RequestRecord",
    "SimulatedUser",
    "StoredMessage",
    "TelegramEmulator",
    "WebhookDelivery",
    "parse_html",
]
