"""Command menus at scale: what a restart asks of Telegram with 100,000 role-holding chats.

On SQLite, N Telegram accounts each holding a role (one in ten an officer, the rest hamlet
heads), each already remembering the list its chat was last given, as after an earlier start.
Then the transport's command sync as at start (CommandSync.sync with no "since"), against
tests/telegram_emulator on loopback, counting the emulator's per-chat setMyCommands and
deleteMyCommands; then one head's role ended and the sync at start again.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bench.data import CHUNK, NOW, unit_values
from bench.machine import describe
from bench.results import write_section
from bot.telegram.commands import PAUSE_BETWEEN_CHATS, CommandSync
from bot.telegram.ptb_api import PtbApi
from bot.waiting import sleep_or_stop
from handlers.access import Audience
from storage.db import create_engine, session_factory
from storage.enums import Channel, Role, UnitKind
from storage.migrate import upgrade
from storage.models import Identity, Person, RoleAssignment, Unit
from tests.telegram_emulator import TelegramEmulator

FIRST_USER = 5_000_000_000
OFFICER_EVERY = 10
# A regression would otherwise call every chat, at start, for the better part of an hour.
GIVE_UP_AFTER_CALLS = 100
CHAT_METHODS = ("setMyCommands", "deleteMyCommands")


@dataclass(frozen=True)
class Figures:
    accounts: int
    seed_seconds: float
    restart_calls: int
    restart_seconds: float
    change_calls: int
    change_seconds: float


def clock() -> datetime:
    return NOW


def role_of(number: int) -> Role:
    return Role.OFFICER if number % OFFICER_EVERY == 0 else Role.REPORTER


async def seed(sessions: async_sessionmaker[AsyncSession], sync: CommandSync, count: int) -> None:
    """Ids are given, not read back, so each table is one bulk insert per chunk."""
    menus = {
        role: sync.wanted(Audience.OFFICER if role is Role.OFFICER else Audience.REPORTER, "vi")
        for role in (Role.OFFICER, Role.REPORTER)
    }
    async with sessions() as session, session.begin():
        await session.execute(
            insert(Unit), [{"id": 1, **unit_values(UnitKind.HAMLET, "thôn", "Thôn Một", None)}]
        )
        for first in range(1, count + 1, CHUNK):
            numbers = range(first, min(first + CHUNK, count + 1))
            await session.execute(
                insert(Person),
                [{"id": n, "full_name": f"Người {n}", "created_at": NOW} for n in numbers],
            )
            await session.execute(
                insert(Identity),
                [
                    {
                        "id": n,
                        "person_id": n,
                        "channel": Channel.TELEGRAM,
                        "external_id": str(FIRST_USER + n),
                        "chat_key": str(FIRST_USER + n),
                        "locale": "vi",
                        "active": True,
                        "created_at": NOW,
                        "command_menu": menus[role_of(n)],
                    }
                    for n in numbers
                ],
            )
            await session.execute(
                insert(RoleAssignment),
                [
                    {
                        "id": n,
                        "person_id": n,
                        "unit_id": 1,
                        "role": role_of(n),
                        "valid_from": NOW - timedelta(days=30),
                    }
                    for n in numbers
                ],
            )


def chat_calls(telegram: TelegramEmulator) -> int:
    return sum(len(telegram.requests_for(method)) for method in CHAT_METHODS)


async def timed_start(sync: CommandSync, telegram: TelegramEmulator) -> tuple[int, float]:
    """Per-chat calls and seconds of one sync as at start."""
    stop = asyncio.Event()
    before = chat_calls(telegram)

    async def give_up() -> None:
        while chat_calls(telegram) - before < GIVE_UP_AFTER_CALLS:
            await sleep_or_stop(stop, 0.1)
        stop.set()

    watcher = asyncio.create_task(give_up())
    started = time.perf_counter()
    try:
        await sync.sync(None, stop)
    finally:
        watcher.cancel()
    return chat_calls(telegram) - before, time.perf_counter() - started


async def measure(count: int, folder: Path) -> Figures:
    engine = create_engine(f"sqlite+aiosqlite:///{folder / 'commands.sqlite3'}")
    await upgrade(engine)
    sessions = session_factory(engine)
    changed_user = FIRST_USER + 1  # a hamlet head: 1 is not a multiple of OFFICER_EVERY
    async with TelegramEmulator() as telegram:
        telegram.register_user(changed_user)
        api = PtbApi(telegram.token, telegram.base_url, 5.0, 1)
        await api.start()
        try:
            sync = CommandSync(api, sessions, clock=clock)
            started = time.perf_counter()
            await seed(sessions, sync, count)
            seeded = time.perf_counter() - started
            restart_calls, restart_seconds = await timed_start(sync, telegram)
            async with sessions() as session, session.begin():
                await session.execute(
                    update(RoleAssignment).where(RoleAssignment.id == 1).values(valid_to=NOW)
                )
            change_calls, change_seconds = await timed_start(
                CommandSync(api, sessions, clock=clock), telegram
            )
        finally:
            await api.close()
    await engine.dispose()
    return Figures(count, seeded, restart_calls, restart_seconds, change_calls, change_seconds)


def verdict(met: bool) -> str:
    return "met" if met else "missed"


def report(figures: Figures) -> str:
    before_minutes = figures.accounts * PAUSE_BETWEEN_CHATS / 60
    return "\n".join(
        [
            "## Command menus: a restart with many role-holding chats",
            "",
            f"`python -m bench commands --accounts {figures.accounts}`; {describe()}.",
            f"{figures.accounts:,} Telegram accounts holding a role on SQLite (one in "
            f"{OFFICER_EVERY} an officer, the rest hamlet heads), bulk-inserted in "
            f"{figures.seed_seconds:.1f} s, each remembering the list its chat was last given. "
            "The transport's command sync as at start against tests/telegram_emulator on "
            "loopback, counting the emulator's per-chat setMyCommands and deleteMyCommands; "
            "then one head's role ended and the sync at start run again.",
            "",
            "| start | per-chat calls | seconds | goal |",
            "|---|---|---|---|",
            f"| restart, nothing changed | {figures.restart_calls} "
            f"| {figures.restart_seconds:.2f} | 0 calls: "
            f"{verdict(figures.restart_calls == 0)} |",
            f"| restart after one role ended | {figures.change_calls} "
            f"| {figures.change_seconds:.2f} | 1 call: {verdict(figures.change_calls == 1)} |",
            "",
            f"Before each chat remembered its list, every start called all {figures.accounts:,} "
            f"chats, at least {PAUSE_BETWEEN_CHATS * 1000:.0f} ms apart: "
            f"{before_minutes:.0f} minutes or more of setMyCommands per restart. Now a start "
            "reads the accounts and their remembered lists in two queries and compares; the "
            "seconds above are that comparison (and the one call's pause).",
        ]
    )


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench commands")
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument(
        "--print-only", action="store_true", help="leave docs/benchmarks.md as it is"
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as directory:
        figures = asyncio.run(measure(args.accounts, Path(directory)))
    body = report(figures)
    print(body)
    if not args.print_only:
        write_section("commands", body)
