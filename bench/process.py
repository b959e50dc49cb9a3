"""The bot as an operator starts it, `tuquan run` in a process of its own, polling
tests/telegram_emulator on loopback; the benchmarks read its clock and its memory."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import signal
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tests.telegram_emulator import TelegramEmulator
from tests.telegram_process import bot_environment

# The console script pip put beside this interpreter: what `tuquan run` starts.
TUQUAN = Path(sys.executable).with_name("tuquan")
# The anchor: a bare python-telegram-bot bot, run as a script; -P keeps bench/ off sys.path,
# where bench/telegram.py would stand for the library.
BARE_PTB = (sys.executable, "-P", str(Path(__file__).with_name("bare_ptb.py")))
START_SECONDS = 120.0
STOP_SECONDS = 30.0


def tuquan() -> Path:
    if TUQUAN.exists():
        return TUQUAN
    found = shutil.which("tuquan")
    if found is None:
        raise SystemExit("no `tuquan` command: pip install -e . first")
    return Path(found)


def polls(telegram: TelegramEmulator) -> int:
    """getUpdates calls that have arrived, counted when they arrive (a long poll is answered
    only when it ends)."""
    return telegram.stats.calls_by_method["getUpdates"]


@dataclass
class Running:
    process: asyncio.subprocess.Process
    spawned_at: float  # time.time(), to compare with the emulator's records
    first_poll: float  # seconds from spawn to the first getUpdates
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid


async def start(
    telegram: TelegramEmulator,
    database_url: str,
    workdir: Path,
    command: Sequence[str] | None = None,
    **settings: str,
) -> Running:
    """Spawn the bot (by default `tuquan run`) and return once its first getUpdates arrives."""
    argv = list(command) if command is not None else [str(tuquan()), "run"]
    env = {**bot_environment(telegram, database_url), **settings}
    log = workdir / f"bot-{time.monotonic_ns()}.log"
    seen = polls(telegram)
    with log.open("wb") as output:
        spawned_at, started = time.time(), time.perf_counter()
        process = await asyncio.create_subprocess_exec(
            *argv, cwd=workdir, env=env, stdout=output, stderr=asyncio.subprocess.STDOUT
        )
    running = Running(process, spawned_at, 0.0, log)
    try:
        await telegram.wait_until(
            lambda: polls(telegram) > seen or process.returncode is not None,
            START_SECONDS,
            "the bot's first getUpdates",
        )
    except TimeoutError:
        await stop(running)
        raise
    if process.returncode is not None:
        raise RuntimeError(f"the bot exited with {process.returncode}:\n{log.read_text()}")
    running.first_poll = time.perf_counter() - started
    return running


async def stop(running: Running) -> None:
    """SIGTERM, as a service manager stops it; killed if it does not end in time."""
    process = running.process
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
    try:
        await asyncio.wait_for(process.wait(), STOP_SECONDS)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()


@dataclass(frozen=True)
class Memory:
    resident: float  # MiB now (VmRSS)
    peak: float  # MiB at the most since the process began (VmHWM)


def memory(pid: int) -> Memory:
    fields: dict[str, float] = {}
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            name, _, value = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                fields[name] = int(value.split()[0]) / 1024  # kB
    return Memory(fields["VmRSS"], fields["VmHWM"])
