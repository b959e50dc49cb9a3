"""Telegram: the sender's rate against Telegram's limits, and how fast updates are stored.

Both through tests/telegram_emulator on loopback, which enforces Telegram's flood limits
(30 messages a second overall, one a second per chat after a burst of 3) by answering 429.

- Sender: messages queued in the outbox for distinct chats (a digest going out), then for
  one chat, then rows that Telegram shows as several messages (a long text in three parts,
  a question with the menu below it); sent by the real Sender and TelegramClient on each
  runtime.
- Ingest: updates from many people waiting at Telegram, fetched by our getUpdates loop
  (or pushed to our webhook) and committed to the inbox; the engine is not running, so
  this is the way in alone.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import statistics
import tempfile
import time
from collections.abc import Callable

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bench.data import fresh_database
from bench.machine import describe
from bench.results import write_section
from bench.sending import RUNTIMES, Delivery, database, deliver, make_api, sqlite_url, until
from bot.app import Hub
from bot.telegram.ingest import Ingest
from bot.telegram.polling import run_polling
from bot.telegram.webhook import run_webhook
from handlers.engine import Engine
from handlers.messages import Choice, OutMessage
from storage import outbox
from storage.clock import system_clock
from storage.models import InboxItem
from tests.telegram_emulator import EmulatorConfig, RateLimits, TelegramEmulator

FIRST_CHAT = 800_000_000
TEXT = "<b>Tổng hợp tuần 48</b>\nThôn Nà Phải: 2 sự việc, 1 hoạt động.\nThôn Nà Mò: bình thường."
SHORT = OutMessage(text=TEXT)
# Three messages: over 4,096 characters twice.
LONG = OutMessage(text="\n".join(f"Thôn số {n}: 2 sự việc, 1 hoạt động." for n in range(280)))
# Two messages: the question with its buttons, then the menu keyboard.
WITH_MENU = OutMessage(
    text="Anh/chị muốn báo cáo gì?",
    choices=[Choice(id="incident", label="Sự việc"), Choice(id="activity", label="Hoạt động")],
    choice_token="b1",
    menu=["Báo cáo", "Trợ giúp"],
)
SEVERAL = (LONG, WITH_MENU)
SEVERAL_PER_CHAT = 5
# What the sender's own limits allow (bot.telegram.service.TELEGRAM_LIMITS).
OVERALL_PER_SECOND = 30 / 1.02
CHAT_GAP = 1 / 0.9


async def queue_messages(
    sessions: async_sessionmaker[AsyncSession],
    chats: list[int],
    run: str,
    rows: tuple[OutMessage, ...],
) -> None:
    async with sessions() as session, session.begin():
        for number, chat in enumerate(chats):
            for part, message in enumerate(rows):
                await outbox.enqueue(
                    session,
                    idempotency_key=f"bench:{run}:{number}:{part}",
                    channel="telegram",
                    chat_key=str(chat),
                    identity_id=None,
                    message=message.model_dump(),
                    now=system_clock(),
                )


async def measure_sender(
    runtime: str, url: str, chats: list[int], run: str, rows: tuple[OutMessage, ...]
) -> Delivery:
    dispose, sessions = await database(url)
    await queue_messages(sessions, chats, run, rows)
    result = await deliver(runtime, sessions, chats)
    await dispose()
    return result


WEBHOOK_ONE = "webhook, one request at a time"
WEBHOOK_MANY = "webhook, up to 40 requests at once"
WAYS_IN = ("polling", WEBHOOK_ONE, WEBHOOK_MANY)


async def measure_ingest(
    runtime: str, url: str, people: int, each: int, way_in: str
) -> tuple[float, int]:
    """Updates stored a second, and the commits they took."""
    dispose, sessions = await database(url)
    hub = Hub(sessions, Engine(sessions))
    config = EmulatorConfig(
        rate_limits=RateLimits(enabled=False),
        webhook_retry_delay=0.05,
        webhook_parallel=way_in == WEBHOOK_MANY,
    )
    commits = 0
    async with TelegramEmulator(config) as telegram:
        for round_ in range(each):
            for person in range(people):
                telegram.user_sends_text(FIRST_CHAT + person, f"Tin số {round_}")
        total = people * each
        api = make_api(runtime, telegram)
        await api.start()
        ingest = Ingest(hub, api)
        stop = asyncio.Event()
        started = time.perf_counter()
        if way_in != "polling":
            port = free_port()
            receiving = run_webhook(
                api,
                ingest,
                stop,
                url=f"http://127.0.0.1:{port}/hook",
                secret="bench-secret",
                listen="127.0.0.1",
                port=port,
            )
        else:
            receiving = run_polling(api, ingest, stop, poll_seconds=1)
        task = asyncio.create_task(receiving)
        await until(lambda: stored(sessions), total)
        elapsed = time.perf_counter() - started
        stop.set()
        await task
        await ingest.close()
        await api.close()
        commits = ingest.pushed.writes if way_in != "polling" else polls(telegram)
    await dispose()
    return total / elapsed, commits


def polls(telegram: TelegramEmulator) -> int:
    """getUpdates calls that brought updates: each is committed at once."""
    return sum(
        1
        for record in telegram.requests
        if record.method.lower() == "getupdates" and (record.response or {}).get("result")
    )


def allowed(label: str, count: int) -> float:
    """Seconds from the first message to the last at the sender's own limits."""
    if label == "one chat":
        return max(count - 1, 0) * CHAT_GAP
    per_chat = SEVERAL_PER_CHAT if label.startswith("rows") else 1
    return max(count / OVERALL_PER_SECOND, (per_chat - 1) * CHAT_GAP)


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def stored(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        return int(
            (await session.execute(select(func.count()).select_from(InboxItem))).scalar_one()
        )


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench telegram")
    parser.add_argument("--messages", type=int, default=600, help="to distinct chats")
    parser.add_argument("--one-chat", type=int, default=12, help="to a single chat")
    parser.add_argument(
        "--several", type=int, default=120, help="chats sent rows of several messages"
    )
    parser.add_argument("--people", type=int, default=200)
    parser.add_argument("--each", type=int, default=10, help="updates per person")
    parser.add_argument("--runs", type=int, default=3, help="ingest runs (median)")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("TUQUAN_BENCH_POSTGRES_URL"),
        help="admin URL of a server; the benchmark makes its own database",
    )
    args = parser.parse_args(argv)
    many = [FIRST_CHAT + n for n in range(args.messages)]
    one = [FIRST_CHAT] * args.one_chat
    cases = (
        ("distinct chats", many, (SHORT,)),
        ("one chat", one, (SHORT,)),
        ("rows of several messages", many[: args.several], SEVERAL),
    )
    sending: list[tuple[str, str, Delivery]] = []
    ingesting: list[tuple[str, str, str, float, int]] = []
    with tempfile.TemporaryDirectory() as directory:
        for runtime in RUNTIMES:
            for label, chats, rows in cases:
                url = sqlite_url(directory, f"send-{runtime}-{len(chats)}-{label[0]}")
                result = asyncio.run(measure_sender(runtime, url, chats, label, rows))
                sending.append((runtime, label, result))
        admin: str | None = args.postgres

        fresh = itertools.count()

        def on_sqlite(name: str) -> str:
            return sqlite_url(directory, f"{name}_{next(fresh)}")

        def on_postgres(name: str) -> str:
            assert admin is not None
            return asyncio.run(fresh_database(admin, "tuquan_bench_telegram"))

        databases: list[tuple[str, Callable[[str], str]]] = [("SQLite", on_sqlite)]
        if admin:
            databases.append(("PostgreSQL", on_postgres))
        for database_name, url_for in databases:
            for runtime in RUNTIMES:
                for way_in in WAYS_IN:
                    measured = [
                        asyncio.run(
                            measure_ingest(
                                runtime,
                                url_for(f"tuquan_bench_telegram_{run}"),
                                args.people,
                                args.each,
                                way_in,
                            )
                        )
                        for run in range(args.runs)
                    ]
                    rate = statistics.median(rate for rate, _ in measured)
                    commits = measured[0][1]
                    ingesting.append((database_name, runtime, way_in, rate, commits))
    body = report(args, sending, ingesting)
    print(body)
    write_section("telegram", body)


def report(
    args: argparse.Namespace,
    sending: list[tuple[str, str, Delivery]],
    ingesting: list[tuple[str, str, str, float, int]],
) -> str:
    lines = [
        "## Telegram: sending within the limits, storing updates",
        "",
        f"`python -m bench telegram --messages {args.messages} --one-chat {args.one_chat} "
        f"--people {args.people} --each {args.each} --runs {args.runs}`; {describe()}.",
        "Against tests/telegram_emulator on loopback, which answers 429 above Telegram's limits "
        "(30 messages/s overall with a burst of 30; 1/s per chat after a burst of 3). The "
        "sender's own limits count each platform message: at most 30 within any 1.02 s overall, "
        "and one at a time to a chat, 1.1 s apart. Rows of several messages: each chat gets a "
        f"text too long for one message (three) and a question with the menu below it (two), "
        f"{SEVERAL_PER_CHAT} messages from 2 rows. The busiest second is counted at the "
        "emulator, where each message arrived, overall and in the busiest chat.",
        "",
        "| runtime | to | messages | seconds | our limits allow | messages/s "
        "| busiest second, overall (limit 30) | busiest second, one chat (limit 1) | 429s |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for runtime, label, result in sending:
        count = result.messages
        lines.append(
            f"| {runtime} | {label} | {count} | {result.wall:.1f} | "
            f"{allowed(label, count):.1f} s | {result.rate:.1f} | {result.peak} | "
            f"{result.chat_peak} | {result.refused} |"
        )
    lines += [
        "",
        f"Ingest: {args.people} people with {args.each} updates each waiting at Telegram, "
        "stored and committed to the inbox before being confirmed (the engine not running); "
        f"median of {args.runs} runs. Polling takes up to 100 updates per getUpdates and commits "
        "each batch at once. A webhook gets one update per request: pushed one at a time, or "
        "as Telegram pushes them, up to 40 at once (setWebhook's max_connections), each chat's "
        "one after another; requests that arrive together are committed together "
        "(bot.grouping), each answered only after that commit.",
        "",
        "| database | runtime | way in | updates/s | commits (first run) |",
        "|---|---|---|---|---|",
    ]
    for database_name, runtime, way_in, rate, commits in ingesting:
        lines.append(f"| {database_name} | {runtime} | {way_in} | {rate:.0f} | {commits:,} |")
    return "\n".join(lines)
