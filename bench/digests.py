"""Digests: every commune digest of a province on SQLite, or of the nation on PostgreSQL.

The data come from bench.data: a synthetic province of 100 communes and 2,000 hamlets on
SQLite, or (`--nation`) the 3,321 official communes with 100,000 hamlets and a year of reports
on PostgreSQL, each hamlet with a head, two models and weekly reports (quiet weeks,
activities, incidents, silences). Timed: building and rendering the text digest of every
commune, one after the other as the Monday job does; the SQL statements each one takes; the
province digest; and the chart of each commune.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import event, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bench.data import NATION_DATABASE, NOW, TZ, build_nation, build_province
from bench.machine import describe
from bench.results import write_section
from handlers.charts import render_png
from handlers.digest import build
from handlers.digest_contents import Digest
from handlers.digest_text import render
from handlers.i18n import Translator
from handlers.periods import last_week
from storage.db import create_engine, session_factory
from storage.enums import UnitKind
from storage.migrate import upgrade
from storage.models import Unit


class Statements:
    """Counts what the driver runs, as it runs it."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.count = 0
        event.listen(engine.sync_engine, "before_cursor_execute", self._seen)

    def _seen(self, *_: Any) -> None:
        self.count += 1


async def every_commune(
    sessions: async_sessionmaker[AsyncSession], statements: Statements, commune_ids: list[int]
) -> tuple[float, list[float], list[int], list[Digest]]:
    """Total time, each digest's time and statements, and the digests, one after the other."""
    period = last_week(NOW.astimezone(TZ))
    t = Translator("vi")
    per_digest: list[float] = []
    counts: list[int] = []
    digests: list[Digest] = []
    started = time.perf_counter()
    for commune_id in commune_ids:
        statements.count = 0
        one_started = time.perf_counter()
        async with sessions() as session:
            digest = await build(session, commune_id, period, NOW, TZ)
        render(digest, t, NOW, TZ)
        per_digest.append(time.perf_counter() - one_started)
        counts.append(statements.count)
        digests.append(digest)
    return time.perf_counter() - started, per_digest, counts, digests


def p95(values: list[float]) -> float:
    return sorted(values)[min(len(values) - 1, int(len(values) * 0.95))]


def statement_range(counts: list[int]) -> str:
    low, high = min(counts), max(counts)
    return str(low) if low == high else f"{low}–{high}"


async def measure(
    url: str, communes: int, hamlets_each: int, weeks: int, charts: int, runs: int
) -> dict[str, Any]:
    engine = create_engine(url)
    await upgrade(engine)
    sessions = session_factory(engine)
    started = time.perf_counter()
    province_id, commune_ids, report_count = await build_province(
        sessions, communes, communes * hamlets_each, weeks
    )
    setup = time.perf_counter() - started
    statements = Statements(engine)
    totals: list[float] = []
    per_digest: list[float] = []
    for _ in range(runs):
        total, each, counts, digests = await every_commune(sessions, statements, commune_ids)
        totals.append(total)
        per_digest += each
    period = last_week(NOW.astimezone(TZ))
    t = Translator("vi")
    province_started = time.perf_counter()
    statements.count = 0
    async with sessions() as session:
        province = await build(session, province_id, period, NOW, TZ)
    render(province, t, NOW, TZ)
    province_time = time.perf_counter() - province_started
    province_statements = statements.count
    chart_started = time.perf_counter()
    for digest in digests[:charts]:
        render_png(digest, t)
    chart_each = (time.perf_counter() - chart_started) / max(1, min(charts, len(digests)))
    await engine.dispose()
    assert province.completeness.expected == communes * hamlets_each
    return {
        "setup": setup,
        "reports": report_count,
        "total": statistics.median(totals),
        "median": statistics.median(per_digest),
        "p95": p95(per_digest),
        "statements": statement_range(counts),
        "province": province_time,
        "province_statements": province_statements,
        "chart": chart_each,
    }


async def measure_nation(admin_url: str, runs: int, reuse: bool) -> dict[str, Any]:
    """Every commune digest of the national data set, on its own PostgreSQL database."""
    base = admin_url.replace("postgresql+asyncpg://", "postgresql://", 1).rpartition("/")[0]
    url = f"{base.replace('postgresql://', 'postgresql+asyncpg://', 1)}/{NATION_DATABASE}"
    setup: float | None = None
    if not (reuse and await _nation_present(url)):
        built = await build_nation(admin_url)
        url, setup = built.url, built.seconds
    engine = create_engine(url)
    sessions = session_factory(engine)
    async with sessions() as session:
        commune_ids = list(
            (
                await session.execute(
                    select(Unit.id).where(Unit.kind == UnitKind.COMMUNE).order_by(Unit.id)
                )
            ).scalars()
        )
        counts_row = (
            await session.execute(
                text(
                    "SELECT (SELECT count(*) FROM units WHERE kind = 'hamlet'),"
                    " (SELECT count(*) FROM reports), current_setting('server_version')"
                )
            )
        ).one()
    statements = Statements(engine)
    totals: list[float] = []
    per_digest: list[float] = []
    counts: list[int] = []
    loads: list[float] = []
    for _ in range(runs):
        loads.append(os.getloadavg()[0])
        total, each, counts, _digests = await every_commune(sessions, statements, commune_ids)
        totals.append(total)
        per_digest += each
        print(f"  run: {total:.1f} s for {len(commune_ids):,} commune digests", flush=True)
    await engine.dispose()
    return {
        "setup": setup,
        "communes": len(commune_ids),
        "hamlets": counts_row[0],
        "reports": counts_row[1],
        "version": str(counts_row[2]).split()[0],
        "totals": totals,
        "loads": loads,
        "total": statistics.median(totals),
        "median": statistics.median(per_digest),
        "p95": p95(per_digest),
        "statements": statement_range(counts),
    }


async def _nation_present(url: str) -> bool:
    try:
        engine = create_engine(url)
        async with engine.connect() as connection:
            found = (await connection.execute(text("SELECT count(*) FROM reports"))).scalar_one()
        await engine.dispose()
    except Exception:
        return False
    return bool(found)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench digests")
    parser.add_argument("--communes", type=int, default=100)
    parser.add_argument("--hamlets", type=int, default=20, help="hamlets per commune")
    parser.add_argument("--weeks", type=int, default=52)
    parser.add_argument("--charts", type=int, default=100, help="commune charts to draw")
    parser.add_argument("--runs", type=int, default=3, help="times every digest is built")
    parser.add_argument(
        "--nation",
        action="store_true",
        help="the national data set on PostgreSQL instead (minutes to build)",
    )
    parser.add_argument(
        "--reuse", action="store_true", help="with --nation: keep the national database if built"
    )
    parser.add_argument(
        "--postgres",
        default=os.environ.get(
            "TUQUAN_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
        ),
        help="admin URL of the server; the national data set gets its own database",
    )
    args = parser.parse_args(argv)
    if args.nation:
        nation(args)
        return
    with tempfile.TemporaryDirectory() as directory:
        url = f"sqlite+aiosqlite:///{Path(directory) / 'bench.sqlite3'}"
        result = asyncio.run(
            measure(url, args.communes, args.hamlets, args.weeks, args.charts, args.runs)
        )
    hamlets = args.communes * args.hamlets
    goal = "under 2 s"
    body = "\n".join(
        [
            "## Digests: every commune digest of a province",
            "",
            f"`python -m bench digests --communes {args.communes} --hamlets {args.hamlets} "
            f"--weeks {args.weeks} --runs {args.runs}`; {describe()}.",
            f"A synthetic province of {args.communes} communes and {hamlets:,} hamlets, "
            f"{int(result['reports']):,} reports over {args.weeks} weeks, on SQLite (WAL, "
            f"synchronous=FULL); the digest of last week, built (queries and arithmetic) and "
            f"rendered as text, for each commune in turn; median of {args.runs} runs. "
            "Statements are counted as the driver runs them, the transaction's BEGIN included.",
            "",
            "| what | result | goal |",
            "|---|---|---|",
            f"| every commune digest ({args.communes}) | {result['total']:.2f} s | {goal} |",
            f"| per commune digest, median / p95 | {result['median'] * 1000:.1f} ms / "
            f"{result['p95'] * 1000:.1f} ms | |",
            f"| SQL statements per commune digest | {result['statements']} | "
            "fixed, whatever the hamlets |",
            f"| the province digest ({hamlets:,} hamlets) | {result['province'] * 1000:.0f} ms, "
            f"{int(result['province_statements'])} statements | |",
            f"| chart (PNG) per commune | {result['chart'] * 1000:.0f} ms | |",
            f"| building the data set | {result['setup']:.1f} s | |",
        ]
    )
    print(body)
    write_section("digests", body)


def nation(args: argparse.Namespace) -> None:
    result = asyncio.run(measure_nation(args.postgres, args.runs, args.reuse))
    built = (
        f"{result['setup']:.0f} s (COPY)"
        if result["setup"] is not None
        else "reused from an earlier run of bench.data"
    )
    runs = ", ".join(f"{t:.1f}" for t in result["totals"])
    over = sum(t >= 60 for t in result["totals"])
    body = "\n".join(
        [
            "## Digests: every commune digest of the nation",
            "",
            f"`python -m bench digests --nation --runs {args.runs}"
            f"{' --reuse' if args.reuse else ''}`; "
            f"{describe(result['version'])}.",
            f"The {result['communes']:,} official communes with {result['hamlets']:,} hamlets "
            f"and {result['reports']:,} reports over a year, in their own PostgreSQL database "
            f"({NATION_DATABASE}, loaded with COPY by bench.data); the digest of last week, "
            "built and rendered as text, for each commune in turn, one connection, as the "
            f"Monday job does; median of {args.runs} runs ({runs} s; load average when each "
            f"began: {', '.join(f'{load:.1f}' for load in result['loads'])}, on "
            f"{os.cpu_count()} cores shared with the database server and other work).",
            "",
            "| what | result | goal |",
            "|---|---|---|",
            f"| every commune digest ({result['communes']:,}) | {result['total']:.1f} s | "
            "under 60 s |",
            f"| per commune digest, median / p95 | {result['median'] * 1000:.1f} ms / "
            f"{result['p95'] * 1000:.1f} ms | under 18 ms on average |",
            f"| SQL statements per commune digest | {result['statements']} | "
            "fixed, whatever the hamlets |",
            f"| building the data set | {built} | |",
            "",
            "Found while measuring (EXPLAIN ANALYZE and cProfile on this data set): a third "
            "of each digest's time was the text renderer formatting every open incident "
            "(about a hundred per commune here) and keeping ten; it now formats only the lines "
            "shown. The models query grouped a year of activity reports to find each model's "
            "last one; it now asks per model through the index "
            "ix_reports_model_instance_occurred. What is left per commune is the database "
            "(six statements over the commune's subtree) and Python (SQLAlchemy, the digest's "
            "arithmetic, the text), one after the other, on 2 cores shared with the database "
            "server. "
            + (
                "The goal is met."
                if max(result["totals"]) < 60
                else f"The goal is met by the median only (runs over 60 s: {over} of "
                f"{args.runs}): there is no margin. Building the digests in two or three "
                "concurrent connections (the server has idle cores when the machine has "
                "more than two) or preparing the six statements once per job would give one."
                if result["total"] < 60
                else "The goal is missed: building the digests in two or three concurrent "
                "connections (the server has idle cores when the machine has more than two) "
                "or preparing the six statements once per job would close it."
            ),
        ]
    )
    print(body)
    write_section("digests-nation", body)
