"""What tests read back: messages the bot sent, its calls, answers, commands, stats."""

from collections.abc import Callable

from .jsontypes import JSONDict
from .methods_bot import commands_key
from .state import BotState, ChatActionRecord
from .stats import EmulatorStats, RequestRecord, WebhookDelivery
from .store import CallbackAnswer, StoredMessage

DEFAULT_WAIT_SECONDS = 5.0


class Inspection:
    _state: BotState

    def sent_messages(self, chat_id: int, *, include_deleted: bool = True) -> list[StoredMessage]:
        """Messages the bot sent to the chat, oldest first, in their current (edited) form."""
        return [
            message
            for message in self._state.store.chat_messages(chat_id)
            if message.from_bot and (include_deleted or not message.deleted)
        ]

    def last_message(self, chat_id: int) -> StoredMessage | None:
        messages = self.sent_messages(chat_id, include_deleted=False)
        return messages[-1] if messages else None

    def chat_history(self, chat_id: int) -> list[StoredMessage]:
        """Both sides of the conversation, oldest first."""
        return self._state.store.chat_messages(chat_id)

    @property
    def requests(self) -> list[RequestRecord]:
        return list(self._state.requests)

    def requests_for(self, method: str) -> list[RequestRecord]:
        return [
            record for record in self._state.requests if record.method.lower() == method.lower()
        ]

    @property
    def stats(self) -> EmulatorStats:
        return self._state.stats

    @property
    def callback_answers(self) -> list[CallbackAnswer]:
        return list(self._state.callback_answers)

    @property
    def my_commands(self) -> dict[tuple[str, str], list[JSONDict]]:
        """Commands per (scope as canonical JSON, language_code)."""
        return dict(self._state.commands)

    def commands_for(
        self, scope: JSONDict | None = None, language_code: str = ""
    ) -> list[JSONDict]:
        return list(self._state.commands.get(commands_key(scope, language_code), []))

    def pending_updates(self) -> list[JSONDict]:
        """Updates not yet confirmed by getUpdates' offset nor delivered to the webhook."""
        return self._state.updates.peek(len(self._state.updates))

    @property
    def filtered_updates(self) -> list[JSONDict]:
        """Updates dropped because allowed_updates excluded their type, as Telegram does."""
        return list(self._state.updates.filtered_out)

    @property
    def long_poll_active(self) -> bool:
        """Whether a getUpdates call is waiting right now."""
        return self._state.updates.poll_active

    @property
    def webhook_deliveries(self) -> list[WebhookDelivery]:
        return list(self._state.webhook.deliveries)

    @property
    def webhook_most_at_once(self) -> int:
        """The most webhook requests that were in flight together."""
        return self._state.webhook.most_at_once

    @property
    def chat_actions(self) -> list[ChatActionRecord]:
        return list(self._state.chat_actions)

    @property
    def internal_errors(self) -> list[Exception]:
        """Bugs of the emulator itself (answered as 500); tests may assert it stays empty."""
        return list(self._state.internal_errors)

    async def wait_until(
        self,
        predicate: Callable[[], bool],
        timeout: float = DEFAULT_WAIT_SECONDS,  # noqa: ASYNC109 - the tests' API is a plain timeout
        description: str = "condition",
    ) -> None:
        await self._state.notifier.wait_until(predicate, timeout, description)

    async def wait_for_messages(
        self,
        chat_id: int,
        n: int = 1,
        timeout: float = DEFAULT_WAIT_SECONDS,  # noqa: ASYNC109 - the tests' API is a plain timeout
    ) -> list[StoredMessage]:
        """Wait until the bot has sent at least n messages to the chat; return them all."""
        await self.wait_until(
            lambda: len(self.sent_messages(chat_id)) >= n,
            timeout,
            f"{n} bot message(s) in chat {chat_id}",
        )
        return self.sent_messages(chat_id)

    async def wait_for_requests(
        self,
        method: str,
        n: int = 1,
        timeout: float = DEFAULT_WAIT_SECONDS,  # noqa: ASYNC109 - the tests' API is a plain timeout
    ) -> list[RequestRecord]:
        await self.wait_until(
            lambda: len(self.requests_for(method)) >= n, timeout, f"{n} {method} call(s)"
        )
        return self.requests_for(method)
