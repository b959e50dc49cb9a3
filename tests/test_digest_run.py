"""The Monday digests commune by commune: the texts reach the outbox before any chart is
drawn, a run cut short resumes where it stopped, and charts drawn in processes are the same."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import delete, select

from handlers.digest_contents import Digest
from scheduler import digest_run
from scheduler.digest_run import read_ahead
from scheduler.drawing import WORKER_NICENESS, InProcesses, InThread
from scheduler.jobs import Jobs
from storage.models import JobRun, OutboxItem
from storage.schedules import WeeklyTime
from tests.officers import local
from tests.support import Harness

SEVEN = WeeklyTime(0, 7, 0)


async def keys_in_order(harness: Harness) -> list[str]:
    async with harness.sessions() as session:
        query = (
            select(OutboxItem.idempotency_key)
            .where(OutboxItem.idempotency_key.startswith("digest"))
            .order_by(OutboxItem.id)
        )
        return list((await session.execute(query)).scalars())


def unit_of(key: str) -> str:
    return key.split(":")[2]


def charts_of(keys: list[str]) -> set[str]:
    """kind-chart:period:unit, once for all its recipients (the demo speaks one locale)."""
    return {key.rsplit(":", 1)[0] for key in keys if "-chart:" in key}


class Watching(InThread):
    """Draws as the bot does, and notes what the outbox held when each chart was asked for."""

    def __init__(self, harness: Harness, fail_on: int | None = None) -> None:
        self.harness = harness
        self.fail_on = fail_on
        self.seen: list[list[str]] = []

    async def png(self, digest: Digest, locale: str) -> bytes:
        self.seen.append(await keys_in_order(self.harness))
        if len(self.seen) == self.fail_on:
            raise OSError("the disk is full")
        return await super().png(digest, locale)


async def test_every_text_is_committed_before_the_first_chart_is_drawn(harness: Harness) -> None:
    harness.clock.now = local(2026, 11, 30, 7, 0)
    drawer = Watching(harness)
    outcome = await Jobs(harness.sessions, clock=harness.clock, drawer=drawer).run_slot(
        "digest_at", SEVEN
    )
    keys = await keys_in_order(harness)
    texts = [key for key in keys if key.startswith("digest:")]
    charts = [key for key in keys if key.startswith("digest-chart:")]
    assert outcome.status == "ran" and outcome.messages == len(keys) == len(texts) + len(charts)
    assert len({unit_of(key) for key in texts}) >= 3 and charts
    # Seen from another session when the first chart was asked for: every text, no chart.
    assert drawer.seen[0] == texts
    assert keys == texts + charts
    async with harness.sessions() as session:
        [run] = (await session.execute(select(JobRun))).scalars()
    assert run.finished_at is not None and run.messages == len(keys)


async def test_a_run_cut_short_resumes_where_it_stopped(harness: Harness) -> None:
    """The first Monday of December: November's digest and workbook come with the week's."""
    harness.clock.now = local(2026, 12, 7, 7, 0)
    broken = Watching(harness, fail_on=2)
    with pytest.raises(ExceptionGroup):
        await Jobs(harness.sessions, clock=harness.clock, drawer=broken).run_slot(
            "digest_at", SEVEN
        )
    cut_short = await keys_in_order(harness)
    assert [key for key in cut_short if "-chart:" in key] == [
        key for key in broken.seen[1] if "-chart:" in key
    ]
    async with harness.sessions() as session:
        [run] = (await session.execute(select(JobRun))).scalars()
        assert run.finished_at is None

    drawer = Watching(harness)
    jobs = Jobs(harness.sessions, clock=harness.clock, drawer=drawer)
    resumed = await jobs.run_slot("digest_at", SEVEN)
    keys = await keys_in_order(harness)
    assert keys[: len(cut_short)] == cut_short
    assert resumed.status == "ran" and resumed.messages == len(keys)
    # Only the charts not yet written are drawn again: one per digest and locale.
    assert len(drawer.seen) == len(charts_of(keys)) - len(charts_of(cut_short)) > 0
    for kind in ("digest:", "digest-chart:", "digest-month:", "digest-month-chart:"):
        assert any(key.startswith(kind) for key in keys), kind
    assert any(key.startswith("digest-month-xlsx:") for key in keys)
    assert (await jobs.run_slot("digest_at", SEVEN)).status == "already"
    assert await keys_in_order(harness) == keys


async def test_charts_drawn_in_processes_are_the_ones_drawn_in_a_thread(harness: Harness) -> None:
    harness.clock.now = local(2026, 11, 30, 7, 0)
    in_processes = InProcesses(1)
    try:
        outcome = await Jobs(harness.sessions, clock=harness.clock, drawer=in_processes).run_slot(
            "digest_at", SEVEN
        )
        assert outcome.status == "ran"
        digest = await _a_digest(harness)
        drawn_apart = await in_processes.png(digest, "vi")
        assert in_processes._pool is not None
        # The workers give way to the bot's own process, which keeps the sender on its pace.
        niceness = in_processes._pool.submit(os.nice, 0).result(timeout=30)
        assert niceness == min(19, os.nice(0) + WORKER_NICENESS)
    finally:
        in_processes.close()
    drawn_here = await InThread().png(digest, "vi")
    assert drawn_apart.startswith(b"\x89PNG") and drawn_apart == drawn_here
    charts = [key for key in await keys_in_order(harness) if key.startswith("digest-chart:")]
    assert charts


async def _a_digest(harness: Harness) -> Digest:
    from handlers.digest import build
    from handlers.periods import week_period
    from storage.enums import UnitKind
    from storage.models import Unit
    from tests.databases import TZ

    async with harness.sessions() as session:
        query = select(Unit.id).where(Unit.kind == UnitKind.COMMUNE).order_by(Unit.id)
        commune = (await session.execute(query)).scalars().first()
        assert commune is not None
        return await build(session, commune, week_period("2026-W48"), harness.clock(), TZ)


@pytest.mark.parametrize("together", [1, 2])
async def test_communes_read_in_groups_write_what_one_group_writes(
    harness: Harness, monkeypatch: pytest.MonkeyPatch, together: int
) -> None:
    """Read one or two units at a time, the next group read beside the writes on PostgreSQL:
    the same rows in the same order as when every unit is read at once."""
    harness.clock.now = local(2026, 11, 30, 7, 0)
    await Jobs(harness.sessions, clock=harness.clock, drawer=InThread()).run_slot(
        "digest_at", SEVEN
    )
    at_once = await outbox_rows(harness)
    async with harness.sessions() as session, session.begin():
        await session.execute(delete(OutboxItem))
        await session.execute(delete(JobRun))
    monkeypatch.setattr(digest_run, "READ_TOGETHER", together)
    await Jobs(harness.sessions, clock=harness.clock, drawer=InThread()).run_slot(
        "digest_at", SEVEN
    )
    assert len({unit_of(key) for key, _ in at_once}) >= 3
    assert await outbox_rows(harness) == at_once


async def outbox_rows(harness: Harness) -> list[tuple[str, dict[str, object]]]:
    async with harness.sessions() as session:
        query = select(OutboxItem.idempotency_key, OutboxItem.message).order_by(OutboxItem.id)
        return [(key, message) for key, message in (await session.execute(query)).all()]


async def test_the_next_group_is_read_while_this_one_is_used() -> None:
    events: list[str] = []

    async def read(group: str) -> str:
        events.append(f"read {group}")
        await asyncio.sleep(0)
        return group.upper()

    async def use(reading: AsyncIterator[tuple[str, str]]) -> None:
        async for _, built in reading:
            events.append(f"use {built}")
            await asyncio.sleep(0.01)
            events.append(f"used {built}")

    await use(read_ahead(["a", "b", "c"], read, True))
    assert events == [
        *("read a", "use A", "read b", "used A"),
        *("use B", "read c", "used B", "use C", "used C"),
    ]
    events.clear()
    await use(read_ahead(["a", "b"], read, False))
    assert events == ["read a", "use A", "used A", "read b", "use B", "used B"]
