"""The timed work: reminders, digests and escalations, each written as outbox rows.

A run of a weekly job is claimed in `job_runs` under (job, occurrence): a reminder run in the
transaction that writes its messages, so a crash leaves neither; a digest run before its
communes, each committed alone, so a crash leaves it unfinished and the next catch-up resumes
it (`scheduler.digest_run`). A run that finished is never repeated.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers import alerts, reminders
from handlers.context import Notice
from scheduler.digest_run import DigestRun
from scheduler.drawing import Drawer, InThread
from storage import jobruns, outbox, retention, schedules
from storage.clock import Clock, iso_week, system_clock
from storage.enums import UnitKind
from storage.models import Unit
from storage.retention import RetentionPolicy
from storage.schedules import ScheduleBook, WeeklyTime

log = logging.getLogger(__name__)

REMINDER_KINDS = {"first_reminder": 1, "second_reminder": 2}
DIGEST_KIND = "digest_at"
KINDS = (*REMINDER_KINDS, DIGEST_KIND)
GRACE = {
    "first_reminder": timedelta(hours=4),
    "second_reminder": timedelta(hours=4),
    DIGEST_KIND: timedelta(hours=12),
}


def job_id(kind: str, moment: WeeklyTime) -> str:
    return f"{kind}@{moment.weekday}-{moment.hour:02d}{moment.minute:02d}"


@dataclass(frozen=True)
class Outcome:
    job: str
    period: str
    status: str  # "ran", "already", "not_due"
    messages: int = 0


async def write(session: AsyncSession, notices: list[Notice], now: datetime) -> int:
    written = 0
    for notice in notices:
        written += await outbox.enqueue_one(session, notice.outgoing(), now)
    return written


@dataclass
class Jobs:
    sessions: async_sessionmaker[AsyncSession]
    timezone: str = "Asia/Ho_Chi_Minh"
    locale: str = "vi"
    clock: Clock = system_clock
    retention: RetentionPolicy = field(default_factory=RetentionPolicy)
    drawer: Drawer = field(default_factory=InThread)

    def close(self) -> None:
        self.drawer.close()

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    async def clean_up(self) -> dict[str, int]:
        """Delete personal data past its keeping time (TUQUAN_RETENTION_*)."""
        cleaned = await retention.clean(self.sessions, self.clock(), self.retention)
        log.info("retention clean-up: %s", cleaned.counts)
        return cleaned.counts

    async def moments(self) -> dict[str, set[WeeklyTime]]:
        async with self.sessions() as session:
            return await schedules.weekly_times_in_use(session)

    async def run_slot(self, kind: str, moment: WeeklyTime) -> Outcome:
        """The latest occurrence of this slot, once, if it is still within its grace time."""
        now = self.clock()
        occurrence = moment.latest(now.astimezone(self.tz))
        name, period = job_id(kind, moment), occurrence.strftime("%Y-%m-%dT%H:%M")
        if now - occurrence > GRACE[kind]:
            return Outcome(name, period, "not_due")
        if kind in REMINDER_KINDS:
            async with self.sessions() as session, session.begin():
                run = await jobruns.claim(session, name, period, now)
                if run is None:
                    return Outcome(name, period, "already")
                book = await ScheduleBook.load(session)
                written = await self._reminders(session, book, kind, moment, occurrence, now)
                run.messages = written
        else:
            async with self.sessions() as session, session.begin():
                started = await jobruns.start_or_resume(session, name, period, now)
            if started is None:
                return Outcome(name, period, "already")
            run_id, resumed = started
            if resumed:
                log.warning("%s for %s was cut short: resuming it", name, period)
            digests = DigestRun(self.sessions, run_id, now, self.tz, self.locale, self.drawer)
            written = await digests.write(moment, occurrence)
        log.info("%s for %s: %d messages", name, period, written)
        return Outcome(name, period, "ran", written)

    async def catch_up(self) -> list[Outcome]:
        """Every slot in use whose latest occurrence is within grace and has not run."""
        found: list[Outcome] = []
        for kind, moments in (await self.moments()).items():
            for moment in sorted(moments):
                found.append(await self.run_slot(kind, moment))
        return found

    async def escalate(self) -> int:
        now = self.clock()
        async with self.sessions() as session, session.begin():
            notices = await alerts.escalate_due(session, now, self.tz, self.locale)
            return await write(session, notices, now)

    async def _reminders(
        self,
        session: AsyncSession,
        book: ScheduleBook,
        kind: str,
        moment: WeeklyTime,
        occurrence: datetime,
        now: datetime,
    ) -> int:
        hamlets = (
            await session.execute(select(Unit.id).where(Unit.kind == UnitKind.HAMLET))
        ).scalars()
        mine = {h for h in hamlets if getattr(book.of(h), kind) == moment}
        notices = await reminders.notices(
            session,
            number=REMINDER_KINDS[kind],
            week=iso_week(occurrence),
            hamlet_ids=mine,
            book=book,
            now=now,
            tz=self.tz,
            default_locale=self.locale,
        )
        return await write(session, notices, now)
