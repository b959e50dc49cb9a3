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


async def test_a_chats_next_turn_is_paced_from_when_its_last_call_returned() -> None:
    """A photo that took 0.4 s to upload reached Telegram late: paced from its turn, the
    next message would arrive 0.7 s after it."""
    clock = Clock()
    limits = Limits(per_second=30, per_chat_per_second=0.9, chat_burst=1)
    paced = RateLimiter(limits, clock=clock)
    await paced.acquire("7")
    clock.now = 0.4
    paced.delivered("7")
    [bucket] = paced.chats["7"]
    assert bucket.wait_time() == pytest.approx(1 / 0.9)
    clock.now = 0.4 + 1 / 0.9
    assert paced.chat_free("7")
    # Another chat is not held back by it.
    assert paced.chat_free("8")


async def test_a_turn_holds_its_place_in_the_second_until_its_call_returned() -> None:
    """Thirty turns in a second whose calls returned late could all arrive in the next
    second with the thirty turns after them; each counts from its return instead."""
    clock = Clock()
    limits = Limits(per_second=2, per_chat_per_second=100, overall_burst=2)
    paced = RateLimiter(limits, clock=clock)
    first = await paced.acquire("1")
    await paced.acquire("2")
    clock.now = 0.6  # the first call returns 0.6 s after its turn
    paced.delivered("1", first)
    clock.now = 1.0
    # The second turn has left the window; the first counts from 0.6.
    assert paced.overall_window.wait_time() == 0
    await paced.acquire("3")
    assert paced.overall_window.wait_time() == pytest.approx(0.6)
