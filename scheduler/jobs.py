"""The timed work: reminders, digests and escalations, each written as outbox rows.

A run of a weekly job is claimed in `job_runs` under (job, occurrence) in the transaction
that writes its messages, so a crash leaves neither and a repeated run writes nothing.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers import alerts, reminders
from handlers.channels import traits_for
from handlers.choices import with_letters_hint
from handlers.context import Notice
from handlers.digest import build
from handlers.digest_delivery import Extras, messages
from handlers.i18n import Translator
from handlers.messages import OutMessage
from handlers.periods import Period, month_period, week_of, week_period
from storage import failpoints, jobruns, outbox, people, retention, schedules
from storage.alerts import OFFICER_ROLES
from storage.clock import Clock, iso_week, system_clock
from storage.enums import UnitKind
from storage.models import Identity, RoleAssignment, Unit
from storage.people import holds_role
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
        async with self.sessions() as session, session.begin():
            run = await jobruns.claim(session, name, period, now)
            if run is None:
                return Outcome(name, period, "already")
            book = await ScheduleBook.load(session)
            if kind in REMINDER_KINDS:
                written = await self._reminders(session, book, kind, moment, occurrence, now)
            else:
                written = await self._digests(session, book, moment, occurrence, now)
            run.messages = written
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

    async def _digests(
        self,
        session: AsyncSession,
        book: ScheduleBook,
        moment: WeeklyTime,
        occurrence: datetime,
        now: datetime,
    ) -> int:
        """Last week's digest to every officer whose unit's digest time this is; on the first
        such day of a month, last month's too, with the workbook."""
        week = week_period(week_of(occurrence.date() - timedelta(days=7)))
        month: Period | None = None
        if occurrence.day <= 7:
            before = occurrence.date().replace(day=1) - timedelta(days=1)
            month = month_period(before.year, before.month)
        officers = await _officers_by_unit(session, now)
        written = 0
        for unit_id, accounts in sorted(officers.items()):
            if book.of(unit_id).digest_at != moment:
                continue
            written += await self._send(session, unit_id, week, "digest", accounts, now)
            failpoints.hit("digest_unit_written")
            if month is not None:
                written += await self._send(
                    session, unit_id, month, "digest-month", accounts, now, workbook=True
                )
        return written

    async def _send(
        self,
        session: AsyncSession,
        unit_id: int,
        period: Period,
        kind: str,
        accounts: list[Identity],
        now: datetime,
        *,
        workbook: bool = False,
    ) -> int:
        digest = await build(session, unit_id, period, now, self.tz)
        by_locale: dict[str, list[Identity]] = defaultdict(list)
        for identity in accounts:
            by_locale[identity.locale or self.locale].append(identity)
        notices: list[Notice] = []
        for locale, group in sorted(by_locale.items()):
            t = Translator(locale)
            _, found = await messages(
                session,
                unit_id,
                period,
                now,
                self.tz,
                t,
                file_key=f"{kind}:{period.key}:{unit_id}:{locale}",
                extras=Extras(chart=True, workbook=workbook),
                digest=digest,
            )
            for identity in group:
                shown = [with_letters_hint(m, t, traits_for(identity.channel)) for m in found]
                notices += _numbered(kind, period, unit_id, identity, shown)
        return await write(session, notices, now)


def _numbered(
    kind: str, period: Period, unit_id: int, identity: Identity, found: list[OutMessage]
) -> list[Notice]:
    """kind:period:unit:recipient, with the part of the digest when it has several."""
    parts = ("", "-chart", "-xlsx")
    return [
        Notice(
            f"{kind}{parts[n] if n < len(parts) else f'-{n}'}:{period.key}:{unit_id}:{identity.id}",
            identity.id,
            identity.channel,
            identity.chat_key,
            message,
        )
        for n, message in enumerate(found)
    ]


async def _officers_by_unit(session: AsyncSession, now: datetime) -> dict[int, list[Identity]]:
    query = (
        select(RoleAssignment.unit_id, RoleAssignment.person_id)
        .where(RoleAssignment.role.in_(OFFICER_ROLES), holds_role(now))
        .order_by(RoleAssignment.id)
    )
    rows = (await session.execute(query)).all()
    accounts: dict[int, list[Identity]] = defaultdict(list)
    for identity in await people.identities_of(session, {person for _, person in rows}):
        accounts[identity.person_id].append(identity)
    found: dict[int, list[Identity]] = defaultdict(list)
    for unit_id, person_id in rows:
        for identity in accounts[person_id]:
            if identity not in found[unit_id]:
                found[unit_id].append(identity)
    return found
