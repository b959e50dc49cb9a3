"""Writes that arrive together, committed together: one transaction for the concurrent
webhook requests of a moment, each answered only once the commit holding its own row is done.

While one write is under way, the items that arrive wait for the next, which takes them all;
a lone item is written at once, so an idle bot adds no delay. When a group's write fails,
each of its items is tried alone, so one update that cannot be stored fails only its own
request.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

Item = TypeVar("Item")


class Grouped(Generic[Item]):
    def __init__(self, write: Callable[[Sequence[Item]], Awaitable[object]]) -> None:
        self._write = write
        self._waiting: list[tuple[Item, asyncio.Future[None]]] = []
        self._writing: asyncio.Task[None] | None = None
        self.writes = 0  # how many times it wrote, for tests and benchmarks

    async def submit(self, item: Item) -> None:
        """Returns once `item` is written; raises what its write raised."""
        written: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, written))
        if self._writing is None:
            self._writing = asyncio.create_task(self._write_all())
        # A caller that goes away (the request was dropped) leaves its item to be written;
        # the platform sends it again and the unique key keeps it once.
        await asyncio.shield(written)

    async def _write_all(self) -> None:
        try:
            while self._waiting:
                group, self._waiting = self._waiting, []
                await self._write_group(group)
        finally:
            self._writing = None

    async def _write_group(self, group: list[tuple[Item, asyncio.Future[None]]]) -> None:
        try:
            self.writes += 1
            await self._write([item for item, _ in group])
        except Exception as error:
            if len(group) == 1:
                _settle(group[0][1], error)
                return
            for item, written in group:
                try:
                    self.writes += 1
                    await self._write([item])
                except Exception as alone:
                    _settle(written, alone)
                else:
                    _settle(written, None)
        else:
            for _, written in group:
                _settle(written, None)


def _settle(written: asyncio.Future[None], error: Exception | None) -> None:
    if written.done():
        return
    if error is None:
        written.set_result(None)
    else:
        written.set_exception(error)
