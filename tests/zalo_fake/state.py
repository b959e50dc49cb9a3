"""What the fake Zalo server knows: queued updates, sent messages, webhook, limits, photos."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Literal

Json = dict[str, Any]
BodyShape = Literal["flat", "wrapped"]
# A predicate may depend on the bot's database too, which sends no notification.
RECHECK_SECONDS = 0.02


@dataclass(frozen=True)
class Sent:
    chat_id: str
    text: str
    message_id: str
    method: str = "sendMessage"
    photo: str | None = None


@dataclass(frozen=True)
class WebhookDelivery:
    message_id: str
    status: int | None
    shape: BodyShape


@dataclass(frozen=True)
class Photo:
    data: bytes
    content_type: str


@dataclass
class Webhook:
    url: str
    secret: str
    updated_at: int


@dataclass
class FakeState:
    token: str
    # How error answers look over HTTP: the status mirrors error_code, or 200 with ok=false.
    error_status: Literal["mirror", "200"] = "mirror"
    webhook_shape: BodyShape = "flat"
    webhook_retry_delay: float = 0.05
    rate_per_second: int | None = None
    queue: deque[Json] = field(default_factory=deque)
    created: dict[str, Json] = field(default_factory=dict)
    sent: list[Sent] = field(default_factory=list)
    rejected: list[tuple[str, int, str]] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)
    blocked: set[str] = field(default_factory=set)
    known_chats: set[str] = field(default_factory=set)
    photos: dict[str, Photo] = field(default_factory=dict)
    photo_failures: dict[str, int] = field(default_factory=dict)
    photo_requests: list[str] = field(default_factory=list)
    webhook: Webhook | None = None
    deliveries: list[WebhookDelivery] = field(default_factory=list)
    recent_sends: deque[float] = field(default_factory=deque)
    next_id: int = 1
    poll_generation: int = 0
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    def new_id(self, prefix: str) -> str:
        self.next_id += 1
        return f"{prefix}{self.next_id:010x}"

    def changed(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait_change(self, at_most: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._changed.wait(), at_most)

    def push(self, update: Json) -> None:
        self.queue.append(copy.deepcopy(update))
        self.changed()

    def over_rate(self) -> bool:
        """A sliding one-second window over accepted sends."""
        if self.rate_per_second is None:
            return False
        now = time.monotonic()
        while self.recent_sends and now - self.recent_sends[0] > 1.0:
            self.recent_sends.popleft()
        return len(self.recent_sends) >= self.rate_per_second
