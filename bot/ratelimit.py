"""The platforms' flood limits, counted per platform message: overall, per chat, per group.

A token bucket of burst B and rate r lets B + r go within the first second after a quiet
spell: the overall bucket of TELEGRAM_LIMITS (30 a second, 2 back to back) gave 31-32 in a
second against Telegram's 30. So the overall limit and a group's are also windows: no more
than `per_second` turns within any one second, nor `group_per_minute` within any minute,
while the bucket keeps the pace steady between them.
"""

from __future__ import annotations

import asyncio
import bisect
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol

Sleep = Callable[[float], Awaitable[None]]
ROUNDING = 1e-9


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
    # The overall limit holds within any window of this many seconds: a little over one
    # when calls reach the platform some milliseconds apart from the turns they were given.
    overall_window: float = 1.0


class Gate(Protocol):
    def wait_time(self) -> float:
        """Seconds until a turn is free (0 when one is free now)."""
        ...

    def take(self) -> None: ...


@dataclass
class Bucket:
    rate: float
    capacity: float
    tokens: float = field(init=False)
    left: float = field(init=False)
    updated: float = field(init=False)
    clock: Callable[[], float] = time.monotonic

    def __post_init__(self) -> None:
        self.tokens = self.capacity
        self.left = self.capacity  # what the last turn left in the bucket
        self.updated = self.clock()

    def wait_time(self) -> float:
        now = self.clock()
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        # A token short by a rounding is whole: waiting for it could not move a clock on.
        return 0.0 if self.tokens >= 1 - ROUNDING else (1 - self.tokens) / self.rate

    def take(self) -> None:
        self.tokens -= 1
        self.left = self.tokens

    def hold(self) -> None:
        """Refill from now, as if the last turn were taken now: the time its call took is
        not counted as waited."""
        self.wait_time()
        self.tokens = min(self.tokens, self.left)
        self.updated = self.clock()


@dataclass
class Window:
    """At most `limit` turns within any `seconds`, counted as (now - seconds, now]."""

    limit: int
    seconds: float
    clock: Callable[[], float] = time.monotonic
    turns: deque[float] = field(default_factory=deque)

    def wait_time(self) -> float:
        now = self.clock()
        # Compared as the moment each turn leaves the window: the wait returned is then
        # exactly what brings the clock to that moment, never short of it by a rounding.
        while self.turns and self.turns[0] + self.seconds <= now:
            self.turns.popleft()
        return 0.0 if len(self.turns) < self.limit else self.turns[0] + self.seconds - now

    def take(self) -> None:
        self.turns.append(self.clock())

    def settle(self, taken: float) -> None:
        """The call of the turn taken at `taken` has returned: it counts from now, for it
        may have reached the platform as late as now."""
        try:
            self.turns.remove(taken)
        except ValueError:  # already out of the window
            return
        bisect.insort(self.turns, self.clock())


class RateLimiter:
    """Waits until one more platform message to `chat` fits every limit, then counts it."""

    def __init__(
        self,
        limits: Limits,
        clock: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.limits = limits
        self.clock = clock
        self.sleep = sleep
        # A steady rate, never more than `overall_burst` at once: bursting past the overall
        # limit is what earns a 429.
        self.overall = Bucket(limits.per_second, float(limits.overall_burst), clock=clock)
        self.overall_window = Window(_whole(limits.per_second), limits.overall_window, clock=clock)
        self.chats: dict[str, list[Gate]] = {}
        self._lock = asyncio.Lock()

    def _chat_gates(self, chat: str, is_group: bool) -> list[Gate]:
        gates = self.chats.get(chat)
        if gates is None:
            if is_group:
                per_minute = self.limits.group_per_minute
                gates = [
                    Bucket(per_minute / 60, min(per_minute, 3.0), clock=self.clock),
                    Window(_whole(per_minute), 60.0, clock=self.clock),
                ]
            else:
                rate = self.limits.per_chat_per_second
                # Below one a second, a bucket alone keeps any second within the burst.
                gates = [Bucket(rate, float(self.limits.chat_burst), clock=self.clock)]
            self.chats[chat] = gates
        return gates

    def chat_free(self, chat: str, *, is_group: bool = False) -> bool:
        """Whether the chat's own limits would give a turn now."""
        return all(gate.wait_time() <= 0 for gate in self._chat_gates(chat, is_group))

    async def chat_ready(self, chat: str, *, is_group: bool = False) -> None:
        """Until the chat's own limits would give a turn; takes none. A sender waits here,
        before it takes one of its few slots, so a chat paced a second apart does not hold a
        slot that another chat could send with."""
        gates = self._chat_gates(chat, is_group)
        while (delay := max(gate.wait_time() for gate in gates)) > 0:
            await self.sleep(delay)

    def delivered(self, chat: str, turn: float | None = None, *, is_group: bool = False) -> None:
        """The call of the chat's last turn (given at `turn`) has returned: the chat's next
        turn is paced from now, and that turn holds its place in the overall window from
        now. A call that took a while (a photo uploaded, a loop busy elsewhere) reaches the
        platform late; counted from its turn, the next could arrive less than a second
        after it, and a second could hold more than the limit."""
        for gate in self._chat_gates(chat, is_group):
            if isinstance(gate, Bucket):
                gate.hold()
        if turn is not None:
            self.overall_window.settle(turn)

    async def acquire(self, chat: str, *, is_group: bool = False) -> float:
        """One turn: call once for each platform message, right before sending it; the
        moment it was given, for `delivered`."""
        gates: list[Gate] = [
            self.overall,
            self.overall_window,
            *self._chat_gates(chat, is_group),
        ]
        while True:
            async with self._lock:
                delay = max(gate.wait_time() for gate in gates)
                if delay <= 0:
                    for gate in gates:
                        gate.take()
                    return self.overall_window.turns[-1]
            await self.sleep(delay)


def _whole(per_period: float) -> int:
    return max(1, math.floor(per_period))
