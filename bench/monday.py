"""The national Monday, scaled: the digest job and the sender running at once, as in `tuquan run`.

The nation has 3,321 communes of about 30 hamlets and some 10,000 officers, three a commune,
each sent a text and a chart: six messages for every chart drawn. This runs a slice of it at
the same proportions (bench.data's synthetic province, its officers on Telegram) with the
real digest job (scheduler.jobs at the default Monday 07:00, each commune committed alone,
the texts before the charts), while the real Sender and TelegramClient send to
tests/telegram_emulator on loopback, at Telegram's limits. Measured from the slot's start:
when the first digest is in the outbox, and when Telegram accepted the last message, against
what 30 messages a second allow for all of them. Once for each way of drawing the charts.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from dataclasses import dataclass

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bench.data import NOW, build_province, fresh_database
from bench.fanout import add_officers, timed_charts
from bench.machine import describe
from bench.results import write_section
from bench.sending import (
    RUNTIMES,
    SENDING_METHODS,
    TurnLog,
    busiest_chat_second,
    database,
    make_api,
    pending,
    sqlite_url,
    until,
)
from bot.sender import Sender
from bot.telegram.client import TelegramClient
from bot.telegram.service import TELEGRAM_LIMITS, stored_files
from handlers.i18n import Translator
from scheduler.drawing import drawer
from scheduler.jobs import DIGEST_KIND, Jobs
from storage.models import OutboxItem, StoredFile
from storage.schedules import DEFAULT
from tests.telegram_emulator import EmulatorConfig, TelegramEmulator

TELEGRAM_RATE = 30.0
GOAL_RATIO = 1.05
FIRST_ROW_GOAL = 30.0  # seconds after the slot
NATION_COMMUNES = 3_321


@dataclass(frozen=True)
class Monday:
    processes: int
    runtime: str
    first_row: float  # seconds from the slot to the first digest committed in the outbox
    job: float  # seconds from the slot until the job finished
    last_sent: float  # seconds from the slot to the last message Telegram accepted
    messages: int
    charts: int
    chart_seconds: float  # drawing in this process; 0 when drawn in others
    refused: int
    peak: int
    chat_peak: int
    postgres_version: str | None = None

    @property
    def allowed(self) -> float:
        return self.messages / TELEGRAM_RATE

    @property
    def ratio(self) -> float:
        return self.last_sent / self.allowed


async def first_row(sessions: async_sessionmaker[AsyncSession], started: float) -> float:
    while True:
        async with sessions() as session:
            found = (await session.execute(select(func.count()).select_from(OutboxItem))).scalar()
        if found:
            return time.perf_counter() - started
        await asyncio.sleep(0.02)


async def one_run(url: str, args: argparse.Namespace, runtime: str, processes: int) -> Monday:
    dispose, sessions = await database(url)
    _, commune_ids, _ = await build_province(
        sessions, args.communes, args.communes * args.hamlets, args.weeks
    )
    chats = await add_officers(sessions, commune_ids, args.officers)
    async with TelegramEmulator(EmulatorConfig()) as telegram:
        for chat in chats:
            telegram.register_user(chat)
        api = make_api(runtime, telegram)
        await api.start()
        sender = Sender(
            sessions,
            TelegramClient(api, Translator("vi"), stored_files(sessions)),
            limits=TELEGRAM_LIMITS,
        )
        sender.limiter = TurnLog(TELEGRAM_LIMITS)
        jobs = Jobs(sessions, clock=lambda: NOW, drawer=drawer(processes))
        stop, bell = asyncio.Event(), asyncio.Event()
        with timed_charts() as drawn:
            started, started_at = time.perf_counter(), time.time()
            sending = asyncio.create_task(sender.run(stop, bell, idle=0.05))
            watching = asyncio.create_task(first_row(sessions, started))
            outcome = await jobs.run_slot(DIGEST_KIND, DEFAULT.digest_at)
            job = time.perf_counter() - started
            await until(lambda: pending(sessions), 0)
            stop.set()
            await sending
        jobs.close()
        await api.close()
    assert outcome.status == "ran", outcome
    accepted = [r.time for r in telegram.requests if r.ok and r.method.lower() in SENDING_METHODS]
    async with sessions() as session:
        query = (
            select(func.count()).select_from(StoredFile).where(StoredFile.key.endswith(":chart"))
        )
        charts = int((await session.execute(query)).scalar_one())
    version = None
    if url.startswith("postgresql"):
        async with sessions() as session:
            setting = text("SELECT current_setting('server_version')")
            version = str((await session.execute(setting)).scalar_one()).split()[0]
    await dispose()
    return Monday(
        processes=processes,
        runtime=runtime,
        first_row=await watching,
        job=job,
        last_sent=max(accepted) - started_at,
        messages=telegram.stats.messages_sent,
        charts=charts,
        chart_seconds=sum(drawn),
        refused=telegram.stats.rate_limited,
        peak=telegram.stats.max_messages_per_second,
        chat_peak=busiest_chat_second(telegram.requests),
        postgres_version=version,
    )


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench monday")
    parser.add_argument("--communes", type=int, default=120)
    parser.add_argument("--officers", type=int, default=3, help="per commune, on Telegram")
    parser.add_argument("--hamlets", type=int, default=30, help="per commune")
    parser.add_argument("--weeks", type=int, default=12, help="of reports before the digest")
    parser.add_argument(
        "--processes",
        type=int,
        nargs="+",
        default=[0, 1, 2],
        help="TUQUAN_CHART_PROCESSES to compare (0: a thread of the bot's process)",
    )
    parser.add_argument("--runtime", choices=RUNTIMES, default="ptb")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("TUQUAN_BENCH_POSTGRES_URL"),
        help="admin URL of a server: run on a database of its own there instead of SQLite",
    )
    args = parser.parse_args(argv)
    runs: list[Monday] = []
    with tempfile.TemporaryDirectory() as directory:
        for processes in args.processes:
            if args.postgres:
                url = asyncio.run(fresh_database(args.postgres, "tuquan_bench_monday"))
            else:
                url = sqlite_url(directory, f"monday-{processes}")
            runs.append(asyncio.run(one_run(url, args, args.runtime, processes)))
            run = runs[-1]
            print(
                f"  {processes} chart processes: first row {run.first_row:.1f} s, "
                f"job {run.job:.1f} s, last sent {run.last_sent:.1f} s ({run.ratio:.2f}×)",
                flush=True,
            )
    body = report(args, runs)
    print(body)
    write_section("monday", body)


def drawing(processes: int) -> str:
    if processes == 0:
        return "in a thread of the bot's process"
    return f"in {processes} process{'es' if processes > 1 else ''} beside it"


def report(args: argparse.Namespace, runs: list[Monday]) -> str:
    first = runs[0]
    command = (
        f"python -m bench monday --communes {args.communes} --officers {args.officers} "
        f"--hamlets {args.hamlets} --weeks {args.weeks} --runtime {args.runtime} "
        f"--processes {' '.join(map(str, args.processes))}"
        + (" --postgres URL" if args.postgres else "")
    )
    lines = [
        "## The national Monday, scaled: the job and the sender at once",
        "",
        f"`{command}`; {describe(first.postgres_version)}.",
        f"{args.communes} communes of {args.hamlets} hamlets with {args.weeks} weeks of "
        f"reports, {args.officers} officers each on Telegram "
        f"({args.communes * args.officers:,} officers, {first.messages:,} messages: the "
        "nation's six messages for every chart), on "
        f"{'PostgreSQL' if args.postgres else 'SQLite (WAL, synchronous=FULL)'}. The digest "
        "job (scheduler.jobs at the default Monday 07:00) and the sender of `tuquan run` "
        f"({args.runtime}, TELEGRAM_LIMITS) run together in one process, the emulator on "
        "loopback in the same event loop; the times count from the slot.",
        "",
        "| charts drawn | first digest in the outbox | the job | last message accepted "
        "| goal | anchor | 429s | busiest second, overall / one chat |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for run in runs:
        each = (
            f" ({run.chart_seconds / run.charts * 1000:.0f} ms each)" if run.chart_seconds else ""
        )
        lines.append(
            f"| {run.charts} {drawing(run.processes)}{each} | {run.first_row:.1f} s "
            f"| {run.job:.1f} s "
            f"| {run.last_sent:.1f} s, {run.ratio:.2f}× "
            f"| first ≤ {FIRST_ROW_GOAL:.0f} s; last ≤ {run.allowed * GOAL_RATIO:.1f} s "
            f"| {run.allowed:.1f} s: {run.messages:,} at 30/s | {run.refused} "
            f"| {run.peak} / {run.chat_peak} |"
        )
    best = min(runs, key=lambda run: run.ratio)
    timed = [run.chart_seconds / run.charts for run in runs if run.chart_seconds]
    chart_each = statistics.median(timed) if timed else 0.4
    lines += [
        "",
        f"Best: {drawing(best.processes)}, the last message {best.ratio:.2f}× after what the "
        f"limit allows ({'meets' if best.ratio <= GOAL_RATIO else 'misses'} the goal of "
        f"{GOAL_RATIO:.2f}×); the first digest {best.first_row:.1f} s after the slot "
        f"({'meets' if best.first_row <= FIRST_ROW_GOAL else 'misses'} {FIRST_ROW_GOAL:.0f} s). "
        "Each commune's texts are committed before the next commune is built and every text "
        "before the first chart, so the sender starts within a second and is never idle "
        "while texts wait; the charts then have to keep up with it. At the nation's "
        f"proportions a chart must be ready every {6 / TELEGRAM_RATE * 1000:.0f} ms of "
        f"sending; one takes about {chart_each * 1000:.0f} ms of a core here, so drawing keeps "
        f"up only with about {chart_each / (6 / TELEGRAM_RATE):.1f} cores of its own, beside "
        "those the sender, the database and the emulator take. For the nation, "
        f"{NATION_COMMUNES:,} "
        f"charts at {chart_each * 1000:.0f} ms are {NATION_COMMUNES * chart_each / 60:.0f} "
        f"minutes of one core against {10_000 * 2 / TELEGRAM_RATE / 60:.0f} minutes of "
        "sending.",
    ]
    return "\n".join(lines)
