"""The durable record of scheduled runs: each (job, period) is claimed once, ever."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import JobRun


async def claim(session: AsyncSession, job: str, period: str, now: datetime) -> JobRun | None:
    """The new run record, or None when this job already ran for this period.

    Claimed in the transaction that writes the job's messages: a crash before the commit
    leaves neither, so the run is caught up later; after it, never repeated.
    """
    new_id = await _insert(session, job, period, now, finished=True)
    if new_id is None:
        return None
    return await session.get_one(JobRun, new_id)


async def start_or_resume(
    session: AsyncSession, job: str, period: str, now: datetime
) -> tuple[int, bool] | None:
    """(run id, whether it was started before) for a run written in several transactions;
    None when it has finished. Commit this first: the run's parts then belong to it."""
    new_id = await _insert(session, job, period, now, finished=False)
    if new_id is not None:
        return new_id, False
    query = select(JobRun.id, JobRun.finished_at).where(JobRun.job == job, JobRun.period == period)
    run_id, finished_at = (await session.execute(query)).one()
    return None if finished_at is not None else (run_id, True)


async def count_messages(session: AsyncSession, run_id: int, written: int) -> None:
    if written:
        await session.execute(
            update(JobRun).where(JobRun.id == run_id).values(messages=JobRun.messages + written)
        )


async def finish(session: AsyncSession, run_id: int, now: datetime) -> int:
    """Mark the run done; the messages it wrote in all its parts."""
    await session.execute(update(JobRun).where(JobRun.id == run_id).values(finished_at=now))
    query = select(JobRun.messages).where(JobRun.id == run_id)
    return int((await session.execute(query)).scalar_one())


async def has_run(session: AsyncSession, job: str, period: str) -> bool:
    query = select(JobRun.id).where(JobRun.job == job, JobRun.period == period)
    return (await session.execute(query)).first() is not None


async def _insert(
    session: AsyncSession, job: str, period: str, now: datetime, *, finished: bool
) -> int | None:
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = (
        insert(JobRun)
        .values(
            job=job, period=period, ran_at=now, messages=0, finished_at=now if finished else None
        )
        .on_conflict_do_nothing(index_elements=["job", "period"])
        .returning(JobRun.id)
    )
    return (await session.execute(statement)).scalar_one_or_none()
