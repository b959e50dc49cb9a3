"""Reports: the Front's report in Word for a commune and for a province, on SQLite.

The data come from bench.data's synthetic province. Timed, each end to end as the officer's
step makes it: the digest of the period built, the report drafted, the chart drawn and the
document written. Also the size of each document, which is what a weak line has to carry.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.data import NOW, TZ, build_province
from bench.machine import describe
from bench.results import write_section
from handlers.i18n import Translator
from handlers.periods import Period, last_month, last_quarter, last_year
from handlers.report_delivery import draft_report
from storage.db import create_engine, session_factory
from storage.migrate import upgrade


async def _time(
    sessions: Any, unit_id: int, period: Period, runs: int, t: Translator
) -> tuple[float, int, int]:
    """Median seconds, the document's bytes and the rows of its annex table."""
    seconds: list[float] = []
    size = 0
    for _ in range(runs):
        started = time.perf_counter()
        async with sessions() as session:
            drafted = await draft_report(session, unit_id, period, NOW, TZ, t)
        seconds.append(time.perf_counter() - started)
        size = len(drafted.docx)
    annex = drafted.draft.annex.table
    return statistics.median(seconds), size, len(annex.rows) if annex else 0


async def measure(communes: int, hamlets_each: int, weeks: int, runs: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        engine = create_engine(f"sqlite+aiosqlite:///{Path(folder) / 'bench.sqlite3'}")
        await upgrade(engine)
        sessions = session_factory(engine)
        province_id, commune_ids, reports = await build_province(
            sessions, communes, communes * hamlets_each, weeks
        )
        t = Translator("vi")
        local = NOW.astimezone(TZ)
        found: dict[str, Any] = {"reports": reports, "timings": {}}
        for name, unit_id, period in (
            ("commune, month", commune_ids[0], last_month(local)),
            ("commune, quarter", commune_ids[0], last_quarter(local)),
            ("commune, year", commune_ids[0], last_year(local)),
            ("province, month", province_id, last_month(local)),
            ("province, year", province_id, last_year(local)),
        ):
            found["timings"][name] = await _time(sessions, unit_id, period, runs, t)
        await engine.dispose()
    return found


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench reports")
    parser.add_argument("--communes", type=int, default=20)
    parser.add_argument("--hamlets", type=int, default=20, help="hamlets per commune")
    parser.add_argument("--weeks", type=int, default=104)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    result = asyncio.run(measure(args.communes, args.hamlets, args.weeks, args.runs))
    rows = "\n".join(
        f"| {name} | {seconds * 1000:,.0f} ms | {size / 1024:,.0f} kB | {annex:,} |"
        for name, (seconds, size, annex) in result["timings"].items()
    )
    body = (
        "## Reports: the Front's report in Word\n\n"
        f"`python -m bench reports --communes {args.communes} --hamlets {args.hamlets} "
        f"--weeks {args.weeks} --runs {args.runs}`; {describe()}.\n"
        f"A synthetic province of {args.communes} communes and "
        f"{args.communes * args.hamlets:,} hamlets, {result['reports']:,} reports over "
        f"{args.weeks} weeks, on SQLite. Each report end to end as the officer's step makes it "
        "(the period's digest built, the report drafted, the chart drawn, the document "
        f"written), median of {args.runs} runs.\n\n"
        "| report | time | document | annex rows |\n|---|---|---|---|\n"
        f"{rows}\n"
    )
    write_section("reports", body)
    print(body)
