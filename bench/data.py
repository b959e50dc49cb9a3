"""Synthetic data at three sizes, one generator for every benchmark.

- `demo`: the demo district of storage.demo, as `tuquan seed demo` loads it.
- `province`: one province of 100 communes and 2,000 hamlets, a year of weekly reports;
  written through SQLAlchemy, on any database (the digests benchmark uses SQLite).
- `nation`: the 34 official provinces and 3,321 communes, 100,000 hamlets under them and a
  year of weekly reports (about 5 million), loaded into its own PostgreSQL database with COPY.

Every hamlet has a head (a person with the reporter role) and two self-management models;
each week a hamlet is silent (15 %), quiet (35 %), reports an activity (30 %) or an activity
and an incident (20 %). The same seed gives the same data.

`python -m bench data --size nation` builds the national database and leaves it in place.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage import demo, official
from storage.clock import iso_week
from storage.db import create_engine, session_factory
from storage.enums import (
    AlertDuty,
    IncidentCategory,
    IncidentStatus,
    ModelStatus,
    ReportKind,
    Role,
    UnitKind,
)
from storage.migrate import upgrade
from storage.models import (
    ModelInstance,
    ModelType,
    Organization,
    Person,
    Report,
    RoleAssignment,
    Unit,
)
from storage.text import fold

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
# A Monday morning: "last week" is the last full week of the data.
NOW = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)
SEED = 48
CHUNK = 5_000
NATION_DATABASE = "tuquan_bench_nation"
FORBIDDEN_DATABASES = {"postgres", "test", "template0", "template1"}

ACTIVITY_TEXTS = (
    "Tuần tra đêm",
    "Tổng vệ sinh đường làng",
    "Họp tổ tự quản, phổ biến quy ước",
    "Gõ mõ báo giờ, kiểm tra cổng ngõ",
    "Phát quang bụi rậm hai bên đường",
    "Tuyên truyền an toàn giao thông cho học sinh",
)
INCIDENT_TEXTS = (
    "Trộm chó ban đêm ở xóm trên",
    "Xe tải làm gãy cột điện đầu thôn",
    "Đổ rác thải ra suối",
    "Hai hộ tranh chấp ranh giới đất",
    "Nước suối dâng, ngập đường vào thôn",
    "Thanh niên tụ tập gây ồn sau 23 giờ",
    "Va chạm xe máy ở ngã ba, một người bị thương nhẹ",
)


@dataclass(frozen=True)
class Size:
    name: str
    communes: int | None  # None: every official commune
    hamlets: int
    weeks: int


SIZES = {
    "demo": Size("demo", None, 0, 0),
    "province": Size("province", 100, 2_000, 52),
    "nation": Size("nation", None, 100_000, 52),
}


@dataclass(frozen=True)
class Hamlet:
    id: int
    commune_id: int
    head_id: int
    instance_ids: tuple[int, ...]


@dataclass(frozen=True)
class Built:
    """What a generator wrote: the root, the communes and how many rows of each."""

    url: str
    root_id: int | None
    commune_ids: list[int]
    hamlets: int
    reports: int
    seconds: float


def spread(total: int, buckets: int) -> list[int]:
    """`total` split over `buckets` as evenly as whole numbers allow."""
    each, extra = divmod(total, buckets)
    return [each + (1 if n < extra else 0) for n in range(buckets)]


def report_rows(
    rng: random.Random, hamlets: Sequence[Hamlet], weeks: int
) -> Iterator[dict[str, Any]]:
    """A year (or `weeks`) of reports, week by week, every hamlet each week."""
    categories = [c.value for c in IncidentCategory]
    statuses = [IncidentStatus.RESOLVED] * 3 + [IncidentStatus.IN_PROGRESS, IncidentStatus.OPEN]
    moments: dict[tuple[int, int], tuple[datetime, str]] = {}
    for back in range(weeks, 0, -1):
        for hamlet in hamlets:
            roll = rng.random()
            if roll < 0.15:
                continue
            hours = rng.randint(0, 120)
            if (back, hours) not in moments:
                moment = NOW - timedelta(weeks=back, hours=hours)
                moments[back, hours] = (moment, iso_week(moment.astimezone(TZ)))
            moment, week = moments[back, hours]
            base = {
                "unit_id": hamlet.id,
                "reporter_id": hamlet.head_id,
                "occurred_at": moment,
                "received_at": moment + timedelta(hours=2),
                "week": week,
                "urgent": False,
                "sensitive": False,
                "is_demo": False,
            }
            if roll < 0.5:
                yield {**base, "kind": ReportKind.NOTHING, "text": ""}
                continue
            yield {
                **base,
                "kind": ReportKind.ACTIVITY,
                "category": "tieng_mo",
                "text": rng.choice(ACTIVITY_TEXTS),
                "model_instance_id": hamlet.instance_ids[0],
                "participants": rng.randint(5, 40),
            }
            if roll > 0.8:
                category = rng.choice(categories)
                yield {
                    **base,
                    "kind": ReportKind.INCIDENT,
                    "category": category,
                    "text": rng.choice(INCIDENT_TEXTS),
                    "status": rng.choice(statuses),
                    "urgent": IncidentCategory(category).urgent_by_default,
                    "sensitive": IncidentCategory(category).confidential,
                }


def unit_values(kind: UnitKind, division: str, name: str, parent: int | None) -> dict[str, Any]:
    return {
        "kind": kind,
        "division_type": division,
        "name": name,
        "search_name": fold(name),
        "parent_id": parent,
        "is_demo": False,
    }


async def _catalogs(session: AsyncSession) -> tuple[list[int], list[int]]:
    """Model types and member organizations: their ids."""
    for model, rows in ((ModelType, demo.MODEL_TYPES), (Organization, demo.ORGANIZATIONS)):
        await session.execute(insert(model), [{"code": c, "name": n} for c, n in rows])
    type_ids = list((await session.execute(select(ModelType.id).order_by(ModelType.id))).scalars())
    org_ids = list(
        (await session.execute(select(Organization.id).order_by(Organization.id))).scalars()
    )
    return type_ids, org_ids


# -- demo ---------------------------------------------------------------------------------


async def build_demo(url: str) -> Built:
    started = time.perf_counter()
    engine = create_engine(url)
    await upgrade(engine)
    sessions = session_factory(engine)
    async with sessions() as session, session.begin():
        await demo.seed(session, NOW, TZ)
        communes = list(
            (
                await session.execute(
                    select(Unit.id).where(Unit.kind == UnitKind.COMMUNE, Unit.is_demo)
                )
            ).scalars()
        )
        hamlets = (
            await session.execute(
                select(func.count()).select_from(Unit).where(Unit.kind == UnitKind.HAMLET)
            )
        ).scalar_one()
        reports = (await session.execute(select(func.count()).select_from(Report))).scalar_one()
    await engine.dispose()
    return Built(url, None, communes, hamlets, reports, time.perf_counter() - started)


# -- province (any database, through SQLAlchemy) -------------------------------------------


async def build_province(
    sessions: async_sessionmaker[AsyncSession], communes: int, hamlets: int, weeks: int
) -> tuple[int, list[int], int]:
    """The province id, its commune ids, and how many reports were written."""
    rng = random.Random(SEED)
    async with sessions() as session, session.begin():
        type_ids, org_ids = await _catalogs(session)
        province = Unit(**unit_values(UnitKind.PROVINCE, "tỉnh", "Thử Nghiệm", None))
        session.add(province)
        await session.flush()
        commune_units = [
            Unit(**unit_values(UnitKind.COMMUNE, "xã", f"Xã {n:03d}", province.id))
            for n in range(communes)
        ]
        session.add_all(commune_units)
        await session.flush()
        hamlet_rows = [
            unit_values(UnitKind.HAMLET, "thôn", f"Thôn {c.id}-{n:02d}", c.id)
            for c, count in zip(commune_units, spread(hamlets, communes), strict=True)
            for n in range(count)
        ]
        await session.execute(insert(Unit), hamlet_rows)
        placed = (
            await session.execute(
                select(Unit.id, Unit.parent_id)
                .where(Unit.kind == UnitKind.HAMLET)
                .order_by(Unit.id)
            )
        ).all()
        await session.execute(
            insert(Person),
            [{"full_name": f"Trưởng thôn {h}", "created_at": NOW} for h, _ in placed],
        )
        person_ids = list((await session.execute(select(Person.id).order_by(Person.id))).scalars())
        await session.execute(
            insert(RoleAssignment),
            [
                {
                    "person_id": p,
                    "unit_id": h,
                    "role": Role.REPORTER,
                    "valid_from": NOW - timedelta(days=800),
                }
                for p, (h, _) in zip(person_ids, placed, strict=True)
            ],
        )
        instances = [
            {
                "model_type_id": type_id,
                "hamlet_id": h,
                "organization_id": rng.choice(org_ids),
                "started_on": (NOW - timedelta(days=700)).date(),
                "status": ModelStatus.ACTIVE,
            }
            for h, _ in placed
            for type_id in rng.sample(type_ids, 2)
        ]
        await session.execute(insert(ModelInstance), instances)
        own: dict[int, list[int]] = {}
        for instance_id, hamlet_id in (
            await session.execute(
                select(ModelInstance.id, ModelInstance.hamlet_id).order_by(ModelInstance.id)
            )
        ).all():
            own.setdefault(hamlet_id, []).append(instance_id)
        hamlet_list = [
            Hamlet(h, c or 0, p, tuple(own[h]))
            for p, (h, c) in zip(person_ids, placed, strict=True)
        ]
        written = 0
        chunk: list[dict[str, Any]] = []
        for row in report_rows(rng, hamlet_list, weeks):
            chunk.append(row)
            if len(chunk) == CHUNK:
                await session.execute(insert(Report), chunk)
                written, chunk = written + len(chunk), []
        if chunk:
            await session.execute(insert(Report), chunk)
            written += len(chunk)
    return province.id, [c.id for c in commune_units], written


# -- nation (PostgreSQL, COPY) -------------------------------------------------------------


def _plain(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


async def fresh_database(admin_url: str, name: str, template: str | None = None) -> str:
    """A new database beside the admin one, empty or a copy of `template` (dropped first if it
    was there); the benchmarks never write elsewhere."""
    import asyncpg

    if name in FORBIDDEN_DATABASES or not name.startswith("tuquan_bench"):
        raise ValueError(f"refusing to recreate database {name!r}")
    connection = await asyncpg.connect(_plain(admin_url))
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        copied = f' TEMPLATE "{template}"' if template else ""
        await connection.execute(f'CREATE DATABASE "{name}"{copied}')
    finally:
        await connection.close()
    base = _plain(admin_url).rpartition("/")[0]
    return f"{base.replace('postgresql://', 'postgresql+asyncpg://', 1)}/{name}"


UNIT_COLUMNS = ("id", "parent_id", "kind", "division_type", "name", "search_name", "is_demo")
PERSON_COLUMNS = ("id", "full_name", "share_phone", "is_demo", "created_at")
ROLE_COLUMNS = (
    "id",
    "person_id",
    "unit_id",
    "role",
    "valid_from",
    "confidential",
    "alerts",
)
INSTANCE_COLUMNS = (
    "id",
    "model_type_id",
    "hamlet_id",
    "organization_id",
    "started_on",
    "status",
    "is_demo",
)
REPORT_COLUMNS = (
    "id",
    "unit_id",
    "reporter_id",
    "kind",
    "category",
    "urgent",
    "sensitive",
    "text",
    "occurred_at",
    "received_at",
    "week",
    "model_instance_id",
    "participants",
    "status",
    "is_demo",
)
SEQUENCED = ("units", "people", "role_assignments", "model_instances", "reports")


def _report_records(rows: Iterator[dict[str, Any]], first_id: int) -> Iterator[tuple[Any, ...]]:
    for number, row in enumerate(rows, start=first_id):
        status = row.get("status")
        yield (
            number,
            row["unit_id"],
            row["reporter_id"],
            row["kind"].value,
            row.get("category"),
            row["urgent"],
            row["sensitive"],
            row["text"],
            row["occurred_at"],
            row["received_at"],
            row["week"],
            row.get("model_instance_id"),
            row.get("participants"),
            status.value if status is not None else None,
            False,
        )


async def build_nation(
    admin_url: str,
    *,
    name: str = NATION_DATABASE,
    hamlets: int = 100_000,
    weeks: int = 52,
    communes: int | None = None,
) -> Built:
    """The official units, `hamlets` spread over the communes (the first `communes` only,
    when given: a small national-shaped data set for tests), heads, models and reports."""
    import asyncpg

    started = time.perf_counter()
    url = await fresh_database(admin_url, name)
    engine = create_engine(url)
    await upgrade(engine)
    sessions = session_factory(engine)
    async with sessions() as session, session.begin():
        type_ids, org_ids = await _catalogs(session)
        await official.sync(session)
    async with sessions() as session:
        commune_ids = list(
            (
                await session.execute(
                    select(Unit.id).where(Unit.kind == UnitKind.COMMUNE).order_by(Unit.id)
                )
            ).scalars()
        )
        next_unit = (await session.execute(select(func.max(Unit.id)))).scalar_one() + 1
    await engine.dispose()
    if communes is not None:
        commune_ids = commune_ids[:communes]

    placed: list[Hamlet] = []
    unit_records: list[tuple[Any, ...]] = []
    for commune_id, count in zip(commune_ids, spread(hamlets, len(commune_ids)), strict=True):
        for n in range(count):
            number = len(placed)
            hamlet_id = next_unit + number
            name_ = f"Thôn {n + 1} ({commune_id})"
            unit_records.append(
                (hamlet_id, commune_id, UnitKind.HAMLET.value, "thôn", name_, fold(name_), False)
            )
            placed.append(
                Hamlet(hamlet_id, commune_id, number + 1, (2 * number + 1, 2 * number + 2))
            )
    rng = random.Random(SEED)
    instance_records: list[tuple[Any, ...]] = []
    started_on: date = (NOW - timedelta(days=700)).date()
    for hamlet in placed:
        for instance_id, type_id in zip(hamlet.instance_ids, rng.sample(type_ids, 2), strict=True):
            instance_records.append(
                (
                    instance_id,
                    type_id,
                    hamlet.id,
                    rng.choice(org_ids),
                    started_on,
                    ModelStatus.ACTIVE.value,
                    False,
                )
            )
    since = NOW - timedelta(days=800)
    person_records = [(h.head_id, f"Trưởng thôn {h.id}", False, False, NOW) for h in placed]
    role_records = [
        (h.head_id, h.head_id, h.id, Role.REPORTER.value, since, False, AlertDuty.ON_DUTY.value)
        for h in placed
    ]

    connection = await asyncpg.connect(_plain(url))
    try:
        await connection.copy_records_to_table("units", records=unit_records, columns=UNIT_COLUMNS)
        await connection.copy_records_to_table(
            "people", records=person_records, columns=PERSON_COLUMNS
        )
        await connection.copy_records_to_table(
            "role_assignments", records=role_records, columns=ROLE_COLUMNS
        )
        await connection.copy_records_to_table(
            "model_instances", records=instance_records, columns=INSTANCE_COLUMNS
        )
        counter = _Counter()
        records = counter.wrap(_report_records(report_rows(rng, placed, weeks), 1))
        await connection.copy_records_to_table("reports", records=records, columns=REPORT_COLUMNS)
        for table in SEQUENCED:
            await connection.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT coalesce(max(id), 0) + 1 FROM {table}), false)"
            )
        await connection.execute("ANALYZE")
    finally:
        await connection.close()
    return Built(url, None, commune_ids, len(placed), counter.count, time.perf_counter() - started)


class _Counter:
    def __init__(self) -> None:
        self.count = 0

    def wrap(self, records: Iterator[tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
        for record in records:
            self.count += 1
            yield record


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench data")
    parser.add_argument("--size", choices=sorted(SIZES), default="nation")
    parser.add_argument(
        "--postgres",
        default="postgresql://postgres@127.0.0.1:5432/postgres",
        help="admin URL of the server; the national data set gets its own database",
    )
    parser.add_argument("--sqlite", default="data/bench.sqlite3", help="file for demo/province")
    args = parser.parse_args(argv)
    size = SIZES[args.size]
    if size.name == "nation":
        built = asyncio.run(build_nation(args.postgres, hamlets=size.hamlets, weeks=size.weeks))
    elif size.name == "province":
        built = asyncio.run(_province_file(args.sqlite, size))
    else:
        built = asyncio.run(build_demo(f"sqlite+aiosqlite:///{args.sqlite}"))
    print(
        f"{size.name}: {len(built.commune_ids):,} communes, {built.hamlets:,} hamlets, "
        f"{built.reports:,} reports in {built.seconds:.1f} s → {built.url}"
    )


async def _province_file(path: str, size: Size) -> Built:
    started = time.perf_counter()
    url = f"sqlite+aiosqlite:///{path}"
    engine = create_engine(url)
    await upgrade(engine)
    root, communes, reports = await build_province(
        session_factory(engine), size.communes or 100, size.hamlets, size.weeks
    )
    await engine.dispose()
    return Built(url, root, communes, size.hamlets, reports, time.perf_counter() - started)
