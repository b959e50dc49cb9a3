"""The durable record of scheduled runs: each (job, period) is claimed once, ever."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import JobRun


async def claim(session: AsyncSession, job: str, period: str, now: datetime) -> JobRun | None:
    """The new run record, or None when this job already ran for this period.

    Claimed in the transaction that writes the job's messages: a crash before the commit
    leaves neither, so the run is caught up later; after it, never repeated.
    """
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = (
        insert(JobRun)
        .values(job=job, period=period, ran_at=now, messages=0)
        .on_conflict_do_nothing(index_elements=["job", "period"])
        .returning(JobRun.id)
    )
    new_id = (await session.execute(statement)).scalar_one_or_none()
    if new_id is None:
        return None
    return await session.get_one(JobRun, new_id)


async def has_run(session: AsyncSession, job: str, period: str) -> bool:
    query = select(JobRun.id).where(JobRun.job == job, JobRun.period == period)
    return (await session.execute(query)).first() is not None
