"""Everything one emulated bot account holds, shared by the HTTP side and the test side."""

import asyncio
import contextlib
import secrets
import time
from dataclasses import dataclass

from .config import EmulatorConfig
from .faults import FaultInjector
from .files import FileStore
from .flood import FloodControl
from .jsontypes import JSONDict
from .stats import EmulatorStats, RequestRecord
from .store import CallbackAnswer, ChatStore
from .update_queue import UpdateQueue
from .waiting import ChangeNotifier
from .webhook import WebhookDeliverer


@dataclass(frozen=True)
class ChatActionRecord:
    chat_id: int
    action: str
    time: float


def make_token(bot_id: int) -> str:
    # Same shape as real tokens; aiogram refuses tokens that do not look like one.
    return f"{bot_id}:{secrets.token_urlsafe(27)[:35]}"


class BotState:
    def __init__(self, config: EmulatorConfig) -> None:
        self.config = config
        self.token = config.token or make_token(config.bot_id)
        self.notifier = ChangeNotifier()
        self.store = ChatStore()
        self.files = FileStore()
        self.updates = UpdateQueue(self.notifier, config.first_update_id)
        self.webhook = WebhookDeliverer(
            self.updates,
            self.notifier,
            config.webhook_retry_delay,
            config.webhook_timeout,
            parallel=config.webhook_parallel,
        )
        self.flood = FloodControl(config.rate_limits)
        self.faults = FaultInjector()
        self.stats = EmulatorStats()
        self.requests: list[RequestRecord] = []
        self.callback_answers: list[CallbackAnswer] = []
        self.commands: dict[tuple[str, str], list[JSONDict]] = {}
        self.bot_texts: dict[tuple[str, str], str] = {}
        self.chat_actions: list[ChatActionRecord] = []
        self.internal_errors: list[Exception] = []
        self.closing = asyncio.Event()

    def bot_user(self) -> JSONDict:
        return {
            "id": self.config.bot_id,
            "is_bot": True,
            "first_name": self.config.bot_first_name,
            "username": self.config.bot_username,
        }

    @staticmethod
    def unix_time() -> int:
        return int(time.time())

    def record(self, request: RequestRecord) -> None:
        self.requests.append(request)
        self.stats.responses_by_status[request.status] += 1
        self.notifier.notify()

    async def sleep(self, seconds: float) -> None:
        """Sleep, but end early when the emulator shuts down so no request lingers."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.closing.wait(), seconds)
