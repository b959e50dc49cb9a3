"""APScheduler in the bot's process, in the configured zone whatever the host's, run by one
process only.

Jobs live in memory and are added at start with fixed ids (replace_existing); what ran is in
`job_runs`, so at start every slot whose latest time is within its grace is caught up once.
On PostgreSQL the process that holds an advisory lock, on a connection kept for the
scheduler's life, is the one that schedules; the others keep trying, to take over.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from scheduler.jobs import KINDS, Jobs, job_id
from storage.schedules import WeeklyTime

log = logging.getLogger(__name__)

# 'tuquan' as a number: the advisory lock that elects the one scheduler of a database.
LEADER_LOCK = 0x74_75_71_75_61_6E
SLOT_PREFIXES = tuple(f"{kind}@" for kind in KINDS)
ESCALATIONS = "escalations"
SCHEDULE_SYNC = "schedule-sync"
RETENTION = "retention"
# Clean-up runs when nobody reports: three in the morning, local time.
RETENTION_AT = {"hour": 3, "minute": 0}
MISFIRE_GRACE_SECONDS = 300
LEADER_RETRY_SECONDS = 30


def weekly_trigger(moment: WeeklyTime, tz: ZoneInfo) -> CronTrigger:
    return CronTrigger(
        day_of_week=str(moment.weekday), hour=moment.hour, minute=moment.minute, timezone=tz
    )


def new_scheduler(tz: ZoneInfo) -> AsyncIOScheduler:
    return AsyncIOScheduler(
        timezone=tz,
        job_defaults={
            "coalesce": True,
            "max_instances": 1,
            "misfire_grace_time": MISFIRE_GRACE_SECONDS,
        },
    )


class Leadership:
    """The right to run the scheduler: a PostgreSQL advisory lock, or simply yes on SQLite."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.connection: AsyncConnection | None = None

    async def acquire(self) -> bool:
        if self.engine.dialect.name != "postgresql":
            return True
        connection = await self.engine.connect()
        result = await connection.execute(
            text("SELECT pg_try_advisory_lock(:key)"), {"key": LEADER_LOCK}
        )
        if result.scalar_one():
            await connection.commit()
            self.connection = connection
            return True
        await connection.rollback()
        await connection.close()
        return False

    async def release(self) -> None:
        if self.connection is None:
            return
        with contextlib.suppress(Exception):
            await self.connection.execute(
                text("SELECT pg_advisory_unlock(:key)"), {"key": LEADER_LOCK}
            )
            await self.connection.commit()
        await self.connection.close()
        self.connection = None


class SchedulerService:
    def __init__(self, jobs: Jobs, engine: AsyncEngine) -> None:
        self.jobs = jobs
        self.tz = ZoneInfo(jobs.timezone)
        self.scheduler = new_scheduler(self.tz)
        self.leadership = Leadership(engine)
        self._waiting: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Lead now if no other process does; otherwise keep trying in the background."""
        if await self.leadership.acquire():
            await self._lead()
        else:
            log.info("another process runs the scheduler; this one waits")
            self._waiting = asyncio.create_task(self._wait_for_leadership())

    async def _wait_for_leadership(self) -> None:
        while True:
            await asyncio.sleep(LEADER_RETRY_SECONDS)
            if await self.leadership.acquire():
                await self._lead()
                return

    async def _lead(self) -> None:
        self.add_startup_jobs()
        await self.sync_slots()
        self.scheduler.start()
        for outcome in await self.jobs.catch_up():
            if outcome.status == "ran":
                log.info("caught up %s for %s", outcome.job, outcome.period)
        await self.jobs.escalate()

    def add_startup_jobs(self) -> None:
        self.scheduler.add_job(
            self.jobs.escalate,
            IntervalTrigger(minutes=1, timezone=self.tz),
            id=ESCALATIONS,
            replace_existing=True,
        )
        self.scheduler.add_job(
            self.sync_slots,
            IntervalTrigger(minutes=1, timezone=self.tz),
            id=SCHEDULE_SYNC,
            replace_existing=True,
        )
        self.scheduler.add_job(
            self.jobs.clean_up,
            CronTrigger(timezone=self.tz, **RETENTION_AT),
            id=RETENTION,
            replace_existing=True,
        )

    async def sync_slots(self) -> None:
        """One job per moment some unit asks for; a moment nobody asks for any more goes."""
        wanted: dict[str, tuple[str, WeeklyTime]] = {}
        for kind, moments in (await self.jobs.moments()).items():
            for moment in moments:
                wanted[job_id(kind, moment)] = (kind, moment)
        for job in self.scheduler.get_jobs():
            if job.id.startswith(SLOT_PREFIXES) and job.id not in wanted:
                job.remove()
        for name, (kind, moment) in wanted.items():
            if self.scheduler.get_job(name) is None:
                self.scheduler.add_job(
                    self.jobs.run_slot,
                    weekly_trigger(moment, self.tz),
                    args=(kind, moment),
                    id=name,
                    replace_existing=True,
                )

    async def stop(self) -> None:
        if self._waiting is not None:
            self._waiting.cancel()
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        await self.leadership.release()
