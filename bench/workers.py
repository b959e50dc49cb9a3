"""Several engines: 1, 2 and 4 processes on one PostgreSQL over the same burst.

The burst is bench.ingest's: hamlet heads each filing an incident in nine updates,
interleaved as they arrive, all in the inbox before the clock starts. Each process runs the
real Engine (handlers.engine) as `tuquan run` does, claiming with FOR UPDATE SKIP LOCKED
the head of each person's queue. Checked after each run: every update done once, each
person's updates processed in the order they arrived, one report per person, and as many
replies as one process writes.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import statistics
import time
from collections import defaultdict
from dataclasses import dataclass
from multiprocessing.synchronize import Event

from sqlalchemy import func, select, text

from bench.data import fresh_database
from bench.ingest import fill_inbox, prepare
from bench.machine import describe
from bench.results import write_section
from handlers.engine import Engine
from storage.db import create_engine, session_factory
from storage.enums import InboxStatus
from storage.models import InboxItem, OutboxItem, Report


@dataclass(frozen=True)
class Run:
    processes: int
    updates: int
    seconds: float
    replies: int
    in_order: bool
    reports: int
    postgres_version: str

    @property
    def rate(self) -> float:
        return self.updates / self.seconds


def engine_process(url: str, start: Event) -> None:
    """One engine, from the start signal until no update is left for anyone."""

    async def work() -> None:
        database = create_engine(url)
        sessions = session_factory(database)
        engine = Engine(sessions)
        start.wait()
        while True:
            if await engine.process_batch():
                continue
            async with sessions() as session:
                query = select(func.count()).where(InboxItem.status == InboxStatus.PENDING)
                if not (await session.execute(query)).scalar_one():
                    break
            # The rows left are another engine's heads: as `tuquan run` would when its bell
            # rings for updates another process stored, look again shortly.
            await asyncio.sleep(0.02)
        await database.dispose()

    asyncio.run(work())


async def filled(admin: str, reporters: int) -> tuple[str, int]:
    url = await fresh_database(admin, "tuquan_bench_workers")
    sessions = await prepare(url, reporters)
    updates = await fill_inbox(sessions, reporters, 0)
    await sessions.kw["bind"].dispose()
    return url, updates


async def checked(url: str, processes: int, updates: int, seconds: float) -> Run:
    database = create_engine(url)
    sessions = session_factory(database)
    async with sessions() as session:
        rows = (
            await session.execute(
                select(InboxItem.user_key, InboxItem.processed_at, InboxItem.status).order_by(
                    InboxItem.id
                )
            )
        ).all()
        replies = (await session.execute(select(func.count()).select_from(OutboxItem))).scalar()
        reports = (
            await session.execute(
                select(func.count()).select_from(Report).where(Report.text.like("Xe tải%"))
            )
        ).scalar()
        version = (await session.execute(text("SHOW server_version"))).scalar_one()
    await database.dispose()
    assert all(status == InboxStatus.DONE for _, _, status in rows), "an update was left"
    moments: dict[str, list[object]] = defaultdict(list)
    for user, processed_at, _ in rows:
        moments[user].append(processed_at)
    in_order = all(times == sorted(times) for times in moments.values())  # type: ignore[type-var]
    return Run(
        processes,
        updates,
        seconds,
        int(replies or 0),
        in_order,
        int(reports or 0),
        str(version).split()[0],
    )


def one_run(admin: str, reporters: int, processes: int) -> Run:
    url, updates = asyncio.run(filled(admin, reporters))
    context = multiprocessing.get_context("spawn")
    start = context.Event()
    workers = [context.Process(target=engine_process, args=(url, start)) for _ in range(processes)]
    for worker in workers:
        worker.start()
    time.sleep(3)  # each has imported the bot and connected
    started = time.perf_counter()
    start.set()
    for worker in workers:
        worker.join()
    seconds = time.perf_counter() - started
    assert all(worker.exitcode == 0 for worker in workers), [w.exitcode for w in workers]
    return asyncio.run(checked(url, processes, updates, seconds))


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench workers")
    parser.add_argument("--reporters", type=int, default=600, help="people in the burst")
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--runs", type=int, default=3, help="each on a fresh database (median)")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("TUQUAN_BENCH_POSTGRES_URL"),
        help="admin URL of a server (required: several engines need PostgreSQL)",
    )
    args = parser.parse_args(argv)
    if not args.postgres:
        print("bench workers needs PostgreSQL: --postgres URL or TUQUAN_BENCH_POSTGRES_URL")
        return
    results: dict[int, list[Run]] = {}
    for processes in args.processes:
        results[processes] = [
            one_run(args.postgres, args.reporters, processes) for _ in range(args.runs)
        ]
        rates = ", ".join(f"{run.rate:.0f}" for run in results[processes])
        print(f"  {processes} engine processes: {rates} updates/s", flush=True)
    body = report(args, results)
    print(body)
    write_section("workers", body)


def report(args: argparse.Namespace, results: dict[int, list[Run]]) -> str:
    one = statistics.median(run.rate for run in results[min(results)])
    cores = os.cpu_count() or 1
    reference = results[min(results)][0]
    lines = [
        "## Several engines on one PostgreSQL",
        "",
        f"`python -m bench workers --reporters {args.reporters} --processes "
        f"{' '.join(map(str, args.processes))} --runs {args.runs}`; "
        f"{describe(reference.postgres_version)}.",
        f"{args.reporters} hamlet heads each filing an incident in nine updates "
        f"({reference.updates:,} updates, interleaved), all in the inbox before the clock "
        "starts; each engine process runs handlers.engine as `tuquan run` does. Median of "
        f"{args.runs} runs, each on a fresh database; the database server runs on the same "
        f"{cores} cores.",
        "",
        "| engine processes | updates/s | to one process | each person in order "
        "| updates done once | reports | replies |",
        "|---|---|---|---|---|---|---|",
    ]
    for processes, runs in results.items():
        rate = statistics.median(run.rate for run in runs)
        lines.append(
            f"| {processes} | {rate:.0f} | {rate / one:.2f}× "
            f"| {'yes' if all(run.in_order for run in runs) else 'NO'} "
            f"| {'yes' if all(run.updates == reference.updates for run in runs) else 'NO'} "
            f"| {', '.join(sorted({str(run.reports) for run in runs}))} "
            f"| {', '.join(sorted({str(run.replies) for run in runs}))} |"
        )
    lines += [
        "",
        f"The ratio to one process is against {cores} cores shared by the engines and the "
        "database server: past the cores, more processes only take turns. Every run "
        "ends with each update done once (a report per person, unique on the inbox row it "
        "came from, and as many replies as with one process) and each person's updates "
        "processed in the order they arrived.",
    ]
    return "\n".join(lines)
