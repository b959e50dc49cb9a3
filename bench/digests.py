"""Digests: every commune digest of a province-sized data set on SQLite.

A synthetic province of 100 communes and 2,000 hamlets, each with a head, two models and a
year of weekly reports (quiet weeks, activities, incidents, silences). Timed: building and
rendering the text digest of every commune, one after the other as the Monday job does; the
SQL statements each one takes; the province digest; and the chart of each commune.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import event, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bench.machine import describe
from bench.results import write_section
from handlers.charts import render_png
from handlers.digest import build
from handlers.digest_text import render
from handlers.i18n import Translator
from handlers.periods import last_week
from storage import demo
from storage.clock import iso_week
from storage.db import create_engine, session_factory
from storage.enums import IncidentCategory, IncidentStatus, ModelStatus, ReportKind, Role, UnitKind
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
NOW = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)
CHUNK = 5_000


async def build_province(
    sessions: async_sessionmaker[AsyncSession], communes: int, hamlets_each: int, weeks: int
) -> tuple[int, list[int], int]:
    """The province id, its commune ids, and how many reports were written."""
    rng = random.Random(48)
    async with sessions() as session, session.begin():
        for model, rows in ((ModelType, demo.MODEL_TYPES), (Organization, demo.ORGANIZATIONS)):
            await session.execute(insert(model), [{"code": c, "name": n} for c, n in rows])
        type_codes = dict((await session.execute(select(ModelType.id, ModelType.code))).all())
        org_ids = list((await session.execute(select(Organization.id))).scalars())
        province = _unit(UnitKind.PROVINCE, "tỉnh", "Thử Nghiệm", None)
        session.add(province)
        await session.flush()
        commune_units = [
            _unit(UnitKind.COMMUNE, "xã", f"Xã {n:03d}", province.id) for n in range(communes)
        ]
        session.add_all(commune_units)
        await session.flush()
        hamlet_rows = [
            {**_unit_values(UnitKind.HAMLET, "thôn", f"Thôn {c.id}-{n:02d}", c.id)}
            for c in commune_units
            for n in range(hamlets_each)
        ]
        await session.execute(insert(Unit), hamlet_rows)
        hamlet_ids = list(
            (
                await session.execute(
                    select(Unit.id).where(Unit.kind == UnitKind.HAMLET).order_by(Unit.id)
                )
            ).scalars()
        )
        await session.execute(
            insert(Person),
            [{"full_name": f"Trưởng thôn {h}", "created_at": NOW} for h in hamlet_ids],
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
                for p, h in zip(person_ids, hamlet_ids, strict=True)
            ],
        )
        instances: list[dict[str, Any]] = []
        for h in hamlet_ids:
            for code in rng.sample(sorted(type_codes.values()), 2):
                instances.append(
                    {
                        "model_type_id": _type_id(type_codes, code),
                        "hamlet_id": h,
                        "organization_id": rng.choice(org_ids),
                        "started_on": (NOW - timedelta(days=700)).date(),
                        "status": ModelStatus.ACTIVE,
                    }
                )
        await session.execute(insert(ModelInstance), instances)
        own = dict(
            (
                await session.execute(
                    select(ModelInstance.hamlet_id, func.min(ModelInstance.id)).group_by(
                        ModelInstance.hamlet_id
                    )
                )
            ).all()
        )
        reports = _reports(rng, hamlet_ids, person_ids, own, weeks)
        for start in range(0, len(reports), CHUNK):
            await session.execute(insert(Report), reports[start : start + CHUNK])
    return province.id, [c.id for c in commune_units], len(reports)


def _type_id(type_codes: dict[int, str], code: str) -> int:
    return next(i for i, c in type_codes.items() if c == code)


def _unit_values(kind: UnitKind, division: str, name: str, parent: int | None) -> dict[str, Any]:
    return {
        "kind": kind,
        "division_type": division,
        "name": name,
        "search_name": fold(name),
        "parent_id": parent,
        "is_demo": False,
    }


def _unit(kind: UnitKind, division: str, name: str, parent: int | None) -> Unit:
    return Unit(**_unit_values(kind, division, name, parent))


def _reports(
    rng: random.Random,
    hamlet_ids: list[int],
    person_ids: list[int],
    instance_of: dict[int, int],
    weeks: int,
) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    categories = [c.value for c in IncidentCategory]
    statuses = [IncidentStatus.RESOLVED] * 3 + [IncidentStatus.IN_PROGRESS, IncidentStatus.OPEN]
    for back in range(weeks, 0, -1):
        for hamlet, person in zip(hamlet_ids, person_ids, strict=True):
            roll = rng.random()
            if roll < 0.15:
                continue
            moment = NOW - timedelta(weeks=back, hours=rng.randint(0, 120))
            base = {
                "unit_id": hamlet,
                "reporter_id": person,
                "occurred_at": moment,
                "received_at": moment + timedelta(hours=2),
                "week": iso_week(moment.astimezone(TZ)),
                "urgent": False,
                "sensitive": False,
                "is_demo": False,
            }
            if roll < 0.5:
                found.append({**base, "kind": ReportKind.NOTHING, "text": ""})
                continue
            found.append(
                {
                    **base,
                    "kind": ReportKind.ACTIVITY,
                    "category": "tieng_mo",
                    "text": "Tuần tra đêm",
                    "model_instance_id": instance_of[hamlet],
                    "participants": rng.randint(5, 40),
                }
            )
            if roll > 0.8:
                category = rng.choice(categories)
                found.append(
                    {
                        **base,
                        "kind": ReportKind.INCIDENT,
                        "category": category,
                        "text": "Sự việc thử",
                        "status": rng.choice(statuses),
                        "urgent": category == IncidentCategory.DISASTER.value,
                        "sensitive": category == IncidentCategory.SOCIAL_EVILS.value,
                    }
                )
    return found


async def measure(
    url: str, communes: int, hamlets_each: int, weeks: int, charts: int
) -> dict[str, float]:
    engine = create_engine(url)
    await upgrade(engine)
    sessions = session_factory(engine)
    started = time.perf_counter()
    province_id, commune_ids, report_count = await build_province(
        sessions, communes, hamlets_each, weeks
    )
    setup = time.perf_counter() - started
    statements: list[int] = []
    counter = {"n": 0}

    def count(*_: Any) -> None:
        counter["n"] += 1

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    period = last_week(NOW.astimezone(TZ))
    t = Translator("vi")
    per_digest: list[float] = []
    digests = []
    total_started = time.perf_counter()
    for commune_id in commune_ids:
        counter["n"] = 0
        one_started = time.perf_counter()
        async with sessions() as session:
            digest = await build(session, commune_id, period, NOW, TZ)
        render(digest, t, NOW, TZ)
        per_digest.append(time.perf_counter() - one_started)
        statements.append(counter["n"])
        digests.append(digest)
    total = time.perf_counter() - total_started
    province_started = time.perf_counter()
    counter["n"] = 0
    async with sessions() as session:
        province = await build(session, province_id, period, NOW, TZ)
    render(province, t, NOW, TZ)
    province_time = time.perf_counter() - province_started
    province_statements = counter["n"]
    chart_started = time.perf_counter()
    for digest in digests[:charts]:
        render_png(digest, t)
    chart_each = (time.perf_counter() - chart_started) / max(1, min(charts, len(digests)))
    await engine.dispose()
    assert province.completeness.expected == communes * hamlets_each
    return {
        "setup": setup,
        "reports": report_count,
        "total": total,
        "median": statistics.median(per_digest),
        "p95": sorted(per_digest)[int(len(per_digest) * 0.95)],
        "statements_min": min(statements),
        "statements_max": max(statements),
        "province": province_time,
        "province_statements": province_statements,
        "chart": chart_each,
    }


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench digests")
    parser.add_argument("--communes", type=int, default=100)
    parser.add_argument("--hamlets", type=int, default=20, help="hamlets per commune")
    parser.add_argument("--weeks", type=int, default=52)
    parser.add_argument("--charts", type=int, default=100, help="commune charts to draw")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as directory:
        url = f"sqlite+aiosqlite:///{Path(directory) / 'bench.sqlite3'}"
        result = asyncio.run(measure(url, args.communes, args.hamlets, args.weeks, args.charts))
    hamlets = args.communes * args.hamlets
    body = "\n".join(
        [
            "## Digests: every commune digest of a province",
            "",
            f"`python -m bench digests --communes {args.communes} --hamlets {args.hamlets} "
            f"--weeks {args.weeks}`; {describe()}.",
            f"A synthetic province of {args.communes} communes and {hamlets:,} hamlets, "
            f"{int(result['reports']):,} reports over {args.weeks} weeks, on SQLite (WAL, "
            f"synchronous=FULL); the digest of last week, built (queries and arithmetic) and "
            f"rendered as text, for each commune in turn. Statements are counted as the "
            f"driver runs them, the transaction's BEGIN included.",
            "",
            "| what | result |",
            "|---|---|",
            f"| every commune digest ({args.communes}) | {result['total']:.2f} s |",
            f"| per commune digest, median / p95 | {result['median'] * 1000:.1f} ms / "
            f"{result['p95'] * 1000:.1f} ms |",
            f"| SQL statements per commune digest | {int(result['statements_min'])}"
            + (
                ""
                if result["statements_min"] == result["statements_max"]
                else f"–{int(result['statements_max'])}"
            )
            + " |",
            f"| the province digest ({hamlets:,} hamlets) | {result['province'] * 1000:.0f} ms, "
            f"{int(result['province_statements'])} statements |",
            f"| chart (PNG) per commune | {result['chart'] * 1000:.0f} ms |",
            f"| building the data set | {result['setup']:.1f} s |",
        ]
    )
    print(body)
    write_section("digests", body)
