"""What the bot asked for and how the emulator answered, for assertions in tests."""

from collections import Counter, deque
from dataclasses import dataclass, field

from .jsontypes import JSONDict


@dataclass(frozen=True)
class RequestRecord:
    method: str
    params: JSONDict
    time: float
    status: int
    response: JSONDict | None
    duration: float
    # "http" for normal calls, "webhook_reply" for a method returned in a webhook answer.
    source: str = "http"
    fault: str | None = None
    # Content type of the call's body, "query" for a bare query string, "none" for neither.
    encoding: str = "none"

    @property
    def ok(self) -> bool:
        return self.status == 200


@dataclass(frozen=True)
class WebhookDelivery:
    update_id: int
    time: float
    status: int | None
    error: str | None

    @property
    def delivered(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class _SlidingWindow:
    """Counts events in the trailing window and remembers the highest count seen."""

    def __init__(self, seconds: float) -> None:
        self._seconds = seconds
        self._events: deque[float] = deque()
        self.peak = 0

    def add(self, now: float) -> None:
        self._events.append(now)
        while self._events and self._events[0] <= now - self._seconds:
            self._events.popleft()
        self.peak = max(self.peak, len(self._events))


@dataclass
class EmulatorStats:
    calls_by_method: Counter[str] = field(default_factory=Counter)
    responses_by_status: Counter[int] = field(default_factory=Counter)
    rate_limited: int = 0
    rate_limited_by_chat: Counter[int] = field(default_factory=Counter)
    injected_faults: int = 0
    messages_sent: int = 0
    _global_second: _SlidingWindow = field(default_factory=lambda: _SlidingWindow(1.0))
    _chat_second: dict[int, _SlidingWindow] = field(default_factory=dict)
    _chat_minute: dict[int, _SlidingWindow] = field(default_factory=dict)

    @property
    def max_messages_per_second(self) -> int:
        return self._global_second.peak

    @property
    def max_messages_per_second_by_chat(self) -> dict[int, int]:
        return {chat_id: window.peak for chat_id, window in self._chat_second.items()}

    @property
    def max_messages_per_minute_by_chat(self) -> dict[int, int]:
        return {chat_id: window.peak for chat_id, window in self._chat_minute.items()}

    def record_message_sent(self, chat_id: int, now: float) -> None:
        self.messages_sent += 1
        self._global_second.add(now)
        self._chat_second.setdefault(chat_id, _SlidingWindow(1.0)).add(now)
        self._chat_minute.setdefault(chat_id, _SlidingWindow(60.0)).add(now)

    def record_rate_limited(self, chat_id: int) -> None:
        self.rate_limited += 1
        self.rate_limited_by_chat[chat_id] += 1
