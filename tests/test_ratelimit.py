"""The overall limit: a steady rate that a late sender makes up, never a burst past it."""

from __future__ import annotations

import pytest

from bot.ratelimit import Limits, RateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def limiter(overall_burst: int, clock: Clock) -> RateLimiter:
    limits = Limits(per_second=10, per_chat_per_second=100, overall_burst=overall_burst)
    return RateLimiter(limits, clock=clock)


async def test_paced_strictly_a_late_turn_pushes_every_later_one_back() -> None:
    clock = Clock()
    strict = limiter(1, clock)
    await strict.acquire("1")
    clock.now = 0.15  # the turn was at 0.1; the sender woke 50 ms late
    await strict.acquire("2")
    assert strict.overall.wait_time() == pytest.approx(0.1)  # the next at 0.25, not 0.2


async def test_with_a_burst_of_two_the_next_turn_makes_up_for_a_late_one() -> None:
    clock = Clock()
    paced = limiter(2, clock)
    await paced.acquire("1")
    await paced.acquire("2")
    assert paced.overall.wait_time() == pytest.approx(0.1)
    clock.now = 0.15  # the turn was at 0.1; the sender woke 50 ms late
    await paced.acquire("3")
    assert paced.overall.wait_time() == pytest.approx(0.05)  # the next at 0.2, on time again


async def test_after_a_pause_no_more_than_the_burst_go_at_once() -> None:
    clock = Clock()
    paced = limiter(2, clock)
    clock.now = 60.0  # a quiet minute: the bucket holds two, not six hundred
    await paced.acquire("1")
    await paced.acquire("2")
    assert paced.overall.wait_time() == pytest.approx(0.1)
