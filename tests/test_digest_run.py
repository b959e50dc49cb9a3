"""The Monday digests commune by commune: the texts reach the outbox before any chart is
drawn, a run cut short resumes where it stopped, and charts drawn in processes are the same."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from handlers.digest_contents import Digest
from scheduler.drawing import InProcesses, InThread
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
