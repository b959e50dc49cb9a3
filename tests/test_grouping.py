"""Concurrent writes committed together, and one that fails failing only its own caller."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from bot.grouping import Grouped


async def test_items_that_arrive_while_a_write_is_under_way_go_together() -> None:
    written: list[list[int]] = []

    async def write(items: Sequence[int]) -> None:
        written.append(list(items))
        await asyncio.sleep(0.01)

    grouped = Grouped(write)
    first = asyncio.create_task(grouped.submit(0))
    await asyncio.sleep(0.001)  # its write is under way
    await asyncio.gather(first, *(grouped.submit(n) for n in range(1, 40)))
    # The first went alone, at once; the other 39 arrived while it was written.
    assert written == [[0], list(range(1, 40))]
    assert grouped.writes == 2
    # Those of one moment go in one write.
    await asyncio.gather(*(grouped.submit(n) for n in range(40, 50)))
    assert written[-1] == list(range(40, 50))


async def test_an_item_that_cannot_be_written_fails_alone() -> None:
    kept: list[int] = []

    async def write(items: Sequence[int]) -> None:
        await asyncio.sleep(0)
        if 13 in items:
            raise ValueError("not storable")
        kept.extend(items)

    grouped = Grouped(write)
    results = await asyncio.gather(*(grouped.submit(n) for n in range(20)), return_exceptions=True)
    failed = [n for n, result in enumerate(results) if isinstance(result, Exception)]
    assert failed == [13]
    assert sorted(kept) == [n for n in range(20) if n != 13]


async def test_a_caller_that_goes_away_leaves_its_item_to_be_written() -> None:
    kept: list[int] = []
    release = asyncio.Event()

    async def write(items: Sequence[int]) -> None:
        await release.wait()
        kept.extend(items)

    grouped = Grouped(write)
    first = asyncio.create_task(grouped.submit(1))
    await asyncio.sleep(0)
    first.cancel()
    with pytest.raises(asyncio.CancelledError):
        await first
    second = asyncio.create_task(grouped.submit(2))
    release.set()
    await second
    assert kept == [1, 2]
