"""Telegram's flood limits for outgoing bot messages, as token buckets.

Telegram documents them only roughly (about 30 messages per second overall, about
one per second in a private chat with short bursts tolerated, 20 per minute in a
group), so every number is configurable and the whole check can be switched off.
"""

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class RateLimits:
    enabled: bool = True
    global_per_second: float = 30.0
    private_per_second: float = 1.0
    private_burst: int = 3
    group_per_minute: float = 20.0


class TokenBucket:
    def __init__(self, capacity: float, refill_per_second: float, now: float) -> None:
        self._capacity = capacity
        self._refill_per_second = refill_per_second
        self._tokens = capacity
        self._updated = now

    def seconds_until_available(self, now: float) -> float:
        self._refill(now)
        if self._tokens >= 1:
            return 0.0
        return (1 - self._tokens) / self._refill_per_second

    def take(self, now: float) -> None:
        self._refill(now)
        self._tokens -= 1

    def _refill(self, now: float) -> None:
        elapsed = max(now - self._updated, 0.0)
        self._tokens = min(self._capacity, self._tokens + elapsed * self._refill_per_second)
        self._updated = now


class FloodControl:
    def __init__(self, limits: RateLimits) -> None:
        self.limits = limits
        self._global: TokenBucket | None = None
        self._per_chat: dict[int, TokenBucket] = {}

    def reconfigure(self, limits: RateLimits) -> None:
        self.limits = limits
        self._global = None
        self._per_chat.clear()

    def acquire(self, chat_id: int, is_group: bool, now: float) -> int | None:
        """Take a send slot; return retry_after seconds instead when over a limit."""
        if not self.limits.enabled:
            return None
        buckets = (self._global_bucket(now), self._chat_bucket(chat_id, is_group, now))
        wait = max(bucket.seconds_until_available(now) for bucket in buckets)
        if wait > 0:
            return max(1, math.ceil(wait))
        for bucket in buckets:
            bucket.take(now)
        return None

    def _global_bucket(self, now: float) -> TokenBucket:
        if self._global is None:
            rate = self.limits.global_per_second
            self._global = TokenBucket(rate, rate, now)
        return self._global

    def _chat_bucket(self, chat_id: int, is_group: bool, now: float) -> TokenBucket:
        bucket = self._per_chat.get(chat_id)
        if bucket is None:
            if is_group:
                per_minute = self.limits.group_per_minute
                bucket = TokenBucket(per_minute, per_minute / 60.0, now)
            else:
                bucket = TokenBucket(self.limits.private_burst, self.limits.private_per_second, now)
            self._per_chat[chat_id] = bucket
        return bucket
