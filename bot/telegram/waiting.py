"""Calls that give way when the process is asked to stop, and retrying them until they succeed."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from bot.waiting import sleep_or_stop

T = TypeVar("T")
log = logging.getLogger(__name__)


class Stopped(Exception):
    """`stop` was set before the call finished; the call was cancelled."""


async def unless_stopped(call: Awaitable[T], stop: asyncio.Event) -> T:
    task = asyncio.ensure_future(call)
    stopping = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({task, stopping}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopping.cancel()
    if task.done():
        return task.result()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    raise Stopped


class Backoff:
    """1, 2, 4 ... up to `ceiling` seconds between failed attempts; reset on success."""

    def __init__(self, first: float = 1.0, ceiling: float = 30.0) -> None:
        self.first, self.ceiling = first, ceiling
        self.failures = 0

    def next(self) -> float:
        self.failures += 1
        return float(min(self.first * 2 ** (self.failures - 1), self.ceiling))

    def reset(self) -> None:
        self.failures = 0


async def persist(
    stop: asyncio.Event,
    call: Callable[[], Awaitable[object]],
    what: str,
    fatal: tuple[type[Exception], ...] = (),
) -> bool:
    """Try `call` until it succeeds (True) or `stop` is set (False); `fatal` errors propagate."""
    backoff = Backoff()
    while not stop.is_set():
        try:
            await unless_stopped(call(), stop)
            return True
        except Stopped:
            return False
        except fatal:
            raise
        except Exception as error:
            pause = backoff.next()
            log.warning("%s failed (%s); again in %.0fs", what, error, pause)
            await sleep_or_stop(stop, pause)
    return False
