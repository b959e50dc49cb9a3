"""The Monday digests, one commune per transaction: every text first, then the charts.

The run is claimed in `job_runs` and committed before any digest, and finished after the
last. Each commune's texts are committed as soon as they are written, so the sender starts
on the first within a second of the slot, and the charts (a few hundred milliseconds each,
drawn by `scheduler.drawing`) follow while the texts go out. A run cut short stays unfinished
and the next catch-up takes it up: the communes already written are skipped, and every row
and file has a key that makes writing it twice a no-op.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncGenerator, Awaitable, Callable, Sequence
from contextlib import aclosing
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers.channels import traits_for
from handlers.choices import with_letters_hint
from handlers.context import Notice
from handlers.digest import build_many
from handlers.digest_contents import Digest
from handlers.digest_delivery import chart_message, text_message, workbook_message
from handlers.i18n import Translator
from handlers.messages import OutMessage
from handlers.periods import Period, month_period, week_of, week_period
from scheduler.drawing import Drawer
from storage import failpoints, files, jobruns, outbox, people
from storage.alerts import OFFICER_ROLES
from storage.models import Identity, OutboxItem, RoleAssignment
from storage.people import holds_role
from storage.schedules import ScheduleBook, WeeklyTime

# Units whose digests are read with one set of statements: enough that the statements' cost
# is spread thin, few enough that the first texts are written within a second.
READ_TOGETHER = 25


_Group = TypeVar("_Group")
_Built = TypeVar("_Built")


async def read_ahead(
    groups: Sequence[_Group],
    read: Callable[[_Group], Awaitable[_Built]],
    concurrent: bool,
) -> AsyncGenerator[tuple[_Group, _Built], None]:
    """Each group with what was read for it. When `concurrent`, the next group is read while
    the caller works on this one, so the database and Python work at once."""
    ahead: asyncio.Task[_Built] | None = None
    try:
        for number, group in enumerate(groups):
            built = await ahead if ahead is not None else await read(group)
            ahead = None
            if concurrent and number + 1 < len(groups):
                ahead = asyncio.ensure_future(read(groups[number + 1]))
            yield group, built
    finally:
        if ahead is not None:
            ahead.cancel()


@dataclass(frozen=True)
class Part:
    """A digest the slot sends: last week's, and on a month's first such day last month's."""

    kind: str  # the first word of its rows' keys
    period: Period
    workbook: bool = False

    def key(self, suffix: str, unit_id: int, identity_id: int | str) -> str:
        return f"{self.kind}{suffix}:{self.period.key}:{unit_id}:{identity_id}"

    def prefix(self, suffix: str) -> str:
        return f"{self.kind}{suffix}:{self.period.key}:"


def parts_for(occurrence: datetime) -> list[Part]:
    found = [Part("digest", week_period(week_of(occurrence.date() - timedelta(days=7))))]
    if occurrence.day <= 7:
        before = occurrence.date().replace(day=1) - timedelta(days=1)
        found.append(Part("digest-month", month_period(before.year, before.month), True))
    return found


@dataclass(frozen=True)
class Unit:
    id: int
    by_locale: dict[str, list[Identity]]


@dataclass
class DigestRun:
    sessions: async_sessionmaker[AsyncSession]
    run_id: int
    now: datetime
    tz: ZoneInfo
    locale: str
    drawer: Drawer

    async def write(self, moment: WeeklyTime, occurrence: datetime) -> int:
        """Every digest of this slot not yet written; the messages of the whole run."""
        parts = parts_for(occurrence)
        async with self.sessions() as session:
            book = await ScheduleBook.load(session)
            officers = await officers_by_unit(session, self.now)
            finished = {part: await self._finished_units(session, part) for part in parts}
        units = [
            Unit(unit_id, self._by_locale(accounts))
            for unit_id, accounts in sorted(officers.items())
            if book.of(unit_id).digest_at == moment
        ]
        waiting = [
            (unit, todo)
            for unit in units
            if (todo := [part for part in parts if unit.id not in finished[part]])
        ]
        drawing: list[tuple[Part, Unit, Digest]] = []
        groups = [
            waiting[start : start + READ_TOGETHER]
            for start in range(0, len(waiting), READ_TOGETHER)
        ]
        # Closed as soon as the loop ends, by an error too: the read ahead is then cancelled.
        async with aclosing(read_ahead(groups, self._build, await self._concurrent())) as reads:
            async for group, built in reads:
                for unit, todo in group:
                    texts = [(part, built[part, unit.id]) for part in todo]
                    drawing += await self._texts(unit, texts)
                    failpoints.hit("digest_unit_written")
        await self._draw_all(drawing)
        async with self.sessions() as session, session.begin():
            return await jobruns.finish(session, self.run_id, self.now)

    def _by_locale(self, accounts: list[Identity]) -> dict[str, list[Identity]]:
        found: dict[str, list[Identity]] = defaultdict(list)
        for identity in accounts:
            found[identity.locale or self.locale].append(identity)
        return dict(sorted(found.items()))

    async def _concurrent(self) -> bool:
        """Whether a read may run beside the writes: not on SQLite, where every session
        takes the write lock as it begins."""
        async with self.sessions() as session:
            return session.get_bind().dialect.name != "sqlite"

    async def _build(self, group: list[tuple[Unit, list[Part]]]) -> dict[tuple[Part, int], Digest]:
        """The digests of a group of units, read together: a few statements for them all."""
        built: dict[tuple[Part, int], Digest] = {}
        async with self.sessions() as session:
            for part in {part for _, todo in group for part in todo}:
                ids = [unit.id for unit, todo in group if part in todo]
                digests = await build_many(session, ids, part.period, self.now, self.tz)
                built.update(((part, unit_id), d) for unit_id, d in zip(ids, digests, strict=True))
        return built

    async def _texts(
        self, unit: Unit, parts: list[tuple[Part, Digest]]
    ) -> list[tuple[Part, Unit, Digest]]:
        """The unit's texts, committed; what is left to draw for it."""
        drawing: list[tuple[Part, Unit, Digest]] = []
        async with self.sessions() as session, session.begin():
            notices: list[Notice] = []
            for part, digest in parts:
                for locale, group in unit.by_locale.items():
                    t = Translator(locale)
                    text = text_message(
                        digest, t, self.now, self.tz, workbook_attached=part.workbook
                    )
                    notices += self._notices(part, "", unit.id, group, text, t)
                if not digest.is_empty:
                    drawing.append((part, unit, digest))
            await self._enqueue(session, notices)
        return drawing

    async def _draw_all(self, drawing: list[tuple[Part, Unit, Digest]]) -> None:
        """Charts and workbooks, as many at once as the drawer takes, each unit committed."""
        waiting = iter(drawing)

        async def keep_drawing() -> None:
            for part, unit, digest in waiting:
                await self._extras(part, unit, digest)

        async with asyncio.TaskGroup() as group:
            for _ in range(self.drawer.at_once):
                group.create_task(keep_drawing())

    async def _extras(self, part: Part, unit: Unit, digest: Digest) -> None:
        async with self.sessions() as session:
            # No session stays open while drawing: on SQLite it would hold the write lock.
            stored = {
                locale: await files.exists(session, f"{self._file_key(part, unit, locale)}:chart")
                for locale in unit.by_locale
            }
        drawn = {
            locale: None if stored[locale] else await self.drawer.png(digest, locale)
            for locale in unit.by_locale
        }
        async with self.sessions() as session, session.begin():
            notices: list[Notice] = []
            for locale, group in unit.by_locale.items():
                t, file_key = Translator(locale), self._file_key(part, unit, locale)
                chart = await chart_message(session, digest, t, file_key, self.now, drawn[locale])
                notices += self._notices(part, "-chart", unit.id, group, chart, t)
                if part.workbook:
                    book = await workbook_message(session, digest, t, self.tz, file_key, self.now)
                    notices += self._notices(part, "-xlsx", unit.id, group, book, t)
            await self._enqueue(session, notices)
        failpoints.hit("digest_chart_written")

    def _file_key(self, part: Part, unit: Unit, locale: str) -> str:
        return f"{part.kind}:{part.period.key}:{unit.id}:{locale}"

    def _notices(
        self,
        part: Part,
        suffix: str,
        unit_id: int,
        group: list[Identity],
        message: OutMessage,
        t: Translator,
    ) -> list[Notice]:
        return [
            Notice(
                part.key(suffix, unit_id, identity.id),
                identity.id,
                identity.channel,
                identity.chat_key,
                with_letters_hint(message, t, traits_for(identity.channel)),
            )
            for identity in group
        ]

    async def _enqueue(self, session: AsyncSession, notices: list[Notice]) -> None:
        written = 0
        for notice in notices:
            written += await outbox.enqueue_one(session, notice.outgoing(), self.now)
        await jobruns.count_messages(session, self.run_id, written)

    async def _finished_units(self, session: AsyncSession, part: Part) -> set[int]:
        """Units whose last message of this part is written: the workbook of a month's
        digest, the chart of a week's. An empty digest has neither and is built again,
        which writes nothing twice."""
        last = part.prefix("-xlsx" if part.workbook else "-chart")
        query = select(OutboxItem.idempotency_key).where(
            OutboxItem.idempotency_key.startswith(last, autoescape=True)
        )
        keys = (await session.execute(query)).scalars()
        return {int(key[len(last) :].split(":")[0]) for key in keys}


async def officers_by_unit(session: AsyncSession, now: datetime) -> dict[int, list[Identity]]:
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
