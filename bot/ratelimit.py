"""Token buckets for the platforms' flood limits: overall, per chat, per group."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Limits:
    """Telegram's published limits by default; Zalo's come from settings."""

    per_second: float = 30.0
    per_chat_per_second: float = 1.0
    chat_burst: int = 3
    group_per_minute: float = 20.0
    # Messages that may go back to back overall. 1 paces strictly, and every time the sender
    # wakes late for its turn is lost for good; 2 lets the next message make up for it.
    overall_burst: int = 1


@dataclass
class Bucket:
    rate: float
    capacity: float
    tokens: float = field(init=False)
    updated: float = field(init=False)
    clock: Callable[[], float] = time.monotonic

    def __post_init__(self) -> None:
        self.tokens = self.capacity
        self.updated = self.clock()

    def wait_time(self) -> float:
        """Seconds until a token is free (0 when one is free now)."""
        now = self.clock()
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate

    def take(self) -> None:
        self.tokens -= 1


class RateLimiter:
    """Waits until a message to `chat` fits every limit, then counts it."""

    def __init__(self, limits: Limits, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self.clock = clock
        # A steady rate, never more than `overall_burst` at once: bursting past the overall
        # limit is what earns a 429.
        self.overall = Bucket(limits.per_second, float(limits.overall_burst), clock=clock)
        self.chats: dict[str, Bucket] = {}
        self._lock = asyncio.Lock()

    def _chat_bucket(self, chat: str, is_group: bool) -> Bucket:
        bucket = self.chats.get(chat)
        if bucket is None:
            if is_group:
                per_minute = self.limits.group_per_minute
                bucket = Bucket(per_minute / 60, min(per_minute, 3.0), clock=self.clock)
            else:
                rate = self.limits.per_chat_per_second
                bucket = Bucket(rate, float(self.limits.chat_burst), clock=self.clock)
            self.chats[chat] = bucket
        return bucket

    async def acquire(self, chat: str, *, is_group: bool = False) -> None:
        chat_bucket = self._chat_bucket(chat, is_group)
        while True:
            async with self._lock:
                delay = max(chat_bucket.wait_time(), self.overall.wait_time())
                if delay <= 0:
                    chat_bucket.take()
                    self.overall.take()
                    return
            await asyncio.sleep(delay)
