"""Start-up: from `tuquan run` to the first getUpdates, the moment the bot can hear anyone.

The real console script in its own process, polling tests/telegram_emulator on loopback,
on a SQLite database already migrated (a restart) and on an empty one (the first start,
migrations included). Where the time goes: `tuquan --help` (Python and every import of
the command line), the emulator's clock at getMe, and `python -X importtime` by package.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bench import process
from bench.machine import describe
from bench.results import write_section
from tests.telegram_emulator import TelegramEmulator

GOAL_SECONDS = 2.0
IMPORT_LINE = re.compile(r"^import time:\s+(\d+) \|\s+\d+ \|\s*([\w.]+)")


@dataclass(frozen=True)
class Run:
    """Seconds, each from a spawn: one run of every start this benchmark times."""

    restart: float  # to the first getUpdates, on a migrated database
    signed_in: float  # to Telegram answering getMe, on the same restart
    first_start: float  # to the first getUpdates, on an empty database
    bare_ptb: float  # the anchor, to its first getUpdates
    cli: float  # `tuquan --help` to its end: Python and every import of the command line
    python: float  # `python -c pass` to its end
    load: float  # the 1-minute load average when the run began


async def wall_time(*argv: str) -> float:
    started = time.perf_counter()
    child = await asyncio.create_subprocess_exec(
        *argv, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL
    )
    await child.wait()
    return time.perf_counter() - started


async def timed_start(
    telegram: TelegramEmulator, url: str, workdir: Path, command: Sequence[str] | None = None
) -> tuple[float, float]:
    """Seconds to the first getUpdates, and to Telegram answering getMe."""
    running = await process.start(telegram, url, workdir, command)
    await process.stop(running)
    answered = telegram.requests_for("getMe")
    signed_in = min(record.time for record in answered if record.time >= running.spawned_at)
    return running.first_poll, signed_in - running.spawned_at


async def importtime(telegram: TelegramEmulator, url: str, workdir: Path) -> Counter[str]:
    """Import time (self, µs) by top-level package in one `tuquan run` up to its first poll."""
    command = [sys.executable, "-X", "importtime", str(process.tuquan()), "run"]
    running = await process.start(telegram, url, workdir, command)
    await process.stop(running)
    by_package: Counter[str] = Counter()
    for line in running.log.read_text(encoding="utf-8", errors="replace").splitlines():
        found = IMPORT_LINE.match(line)
        if found:
            by_package[found[2].split(".")[0]] += int(found[1])
    return by_package


async def measure(runs: int, workdir: Path) -> tuple[list[Run], Counter[str]]:
    done: list[Run] = []
    async with TelegramEmulator() as telegram:
        for number in range(runs):
            load = os.getloadavg()[0]
            url = f"sqlite+aiosqlite:///{workdir / f'startup-{number}.sqlite3'}"
            first_start, _ = await timed_start(telegram, url, workdir)
            restart, signed_in = await timed_start(telegram, url, workdir)
            bare_ptb, _ = await timed_start(telegram, url, workdir, process.BARE_PTB)
            cli = await wall_time(str(process.tuquan()), "--help")
            python = await wall_time(sys.executable, "-c", "pass")
            done.append(Run(restart, signed_in, first_start, bare_ptb, cli, python, load))
        imports = await importtime(telegram, url, workdir)
    return done, imports


def median(runs: list[Run], seconds: Callable[[Run], float]) -> float:
    return statistics.median(seconds(run) for run in runs)


def spread(runs: list[Run], seconds: Callable[[Run], float]) -> str:
    values = [seconds(run) for run in runs]
    return f"{statistics.median(values):.2f} s ({min(values):.2f}–{max(values):.2f})"


def report(runs: list[Run], imports: Counter[str], top: int = 10) -> str:
    restart = median(runs, lambda run: run.restart)
    cli = median(runs, lambda run: run.cli)
    signed_in = median(runs, lambda run: run.signed_in)
    after_sign_in = median(runs, lambda run: run.restart - run.signed_in)
    total_imports = sum(imports.values())
    loads = [run.load for run in runs]
    lines = [
        "## Start-up: `tuquan run` to the first getUpdates",
        "",
        f"`python -m bench startup --runs {len(runs)}`; {describe()}.",
        "The console script `tuquan run` spawned with TELEGRAM_BOT_TOKEN and TELEGRAM_API_URL "
        "pointing at tests/telegram_emulator on loopback, timed from the spawn to the arrival of "
        "its first getUpdates (the emulator counts a long poll when it arrives); median "
        f"(fastest–slowest) of {len(runs)} runs, the 1-minute load average at {min(loads):.1f} "
        f"to {max(loads):.1f} when they began. A restart finds its SQLite database migrated; a "
        "first start finds it empty and runs every migration. The anchors are started and timed "
        "the same way.",
        "",
        "| from spawn to the first getUpdates | median (fastest–slowest) | goal |",
        "|---|---|---|",
        f"| `tuquan run`, restart | {spread(runs, lambda run: run.restart)} "
        f"| under {GOAL_SECONDS:.0f} s |",
        f"| `tuquan run`, first start (migrations) | {spread(runs, lambda run: run.first_start)} "
        "| |",
        "| anchor: a bare python-telegram-bot bot (bench/bare_ptb.py) "
        f"| {spread(runs, lambda run: run.bare_ptb)} | |",
        f"| anchor: Python itself (`python -c pass`) | {spread(runs, lambda run: run.python)} | |",
        "",
        "Where a restart's time goes (medians of each run's parts):",
        "",
        "| part | seconds |",
        "|---|---|",
        "| Python, the imports, settings, the database and its schema check, the Telegram "
        f"library, until Telegram answers getMe | {signed_in:.2f} |",
        "| then the command menus, the outbox's leases, the scheduler and its catch-up, "
        f"deleteWebhook, until the first getUpdates | {after_sign_in:.2f} |",
        "",
        "Imports by package, self time under `python -X importtime` (one restart; the flag's "
        f"own cost included, {total_imports / 1e6:.2f} s in all):",
        "",
        "| package | ms | share |",
        "|---|---|---|",
    ]
    for package, micros in imports.most_common(top):
        lines.append(f"| {package} | {micros / 1000:.0f} | {micros / total_imports:.0%} |")
    bare = median(runs, lambda run: run.bare_ptb)
    lines += [
        "",
        f"A restart takes {restart:.2f} s against the goal of {GOAL_SECONDS:.0f} s: "
        + ("met" if restart < GOAL_SECONDS else "missed")
        + f"; the bare python-telegram-bot bot takes {bare:.2f} s. "
        f"Most of ours is Python importing: `tuquan --help` alone takes {cli:.2f} s (timed "
        "apart, so not a part of the restart's), for the command line imports every part of "
        "the bot before it reads its arguments: SQLAlchemy and the models, pydantic, the "
        "conversations, the scheduler, alembic.",
        "",
        "Found while measuring: every start also imported openpyxl, aiohttp, bm25s with numpy "
        "and vietnam-provinces, which only a workbook, a webhook, a question to the guides and "
        "a units sync need. With them a restart took 1.89 s on this machine when it was idle "
        "and over 2 s whenever it was busy; without them 1.34 s (median of 6 each, one after "
        "the other). Each is now imported where its work begins, and tests/test_import_rule.py "
        "keeps them out of the start. Next, should it be needed: a restart whose schema is "
        "already at the head could leave alembic (with mako, and pygments where the "
        "development tools installed it) unimported, and `tuquan run` the console chat.",
    ]
    return "\n".join(lines)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench startup")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as directory:
        runs, imports = asyncio.run(measure(args.runs, Path(directory)))
    body = report(runs, imports)
    print(body)
    write_section("startup", body)
