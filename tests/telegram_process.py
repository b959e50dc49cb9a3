"""`python -m bot run` as a real process against the emulator, to be killed and restarted."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage import people, units
from storage.enums import Channel, Role
from storage.models import Identity, Person
from tests.cli import PROCESS_CLOCK, ROOT, clock_setting
from tests.telegram_emulator import TelegramEmulator
from tests.telegram_flows.world import WEBHOOK_SECRET, WayIn, free_port

EXIT_SECONDS = 30.0


def bot_environment(telegram: TelegramEmulator, database_url: str) -> dict[str, str]:
    """The bot's settings point at the emulator and this database; none is inherited."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("TUQUAN_", "TELEGRAM_", "PTB_"))
    }
    env.update(
        TELEGRAM_BOT_TOKEN=telegram.token,
        TELEGRAM_API_URL=telegram.base_url,
        TUQUAN_DATABASE_URL=database_url,
        **clock_setting(),
    )
    return env


@dataclass
class BotProcess:
    telegram: TelegramEmulator
    database_url: str
    runtime: str
    way_in: WayIn
    workdir: Path
    port: int = field(default_factory=free_port)
    runs: int = 0
    process: asyncio.subprocess.Process | None = None

    def environment(self, failpoints: str | None, log_level: str) -> dict[str, str]:
        env = bot_environment(self.telegram, self.database_url)
        env.update(
            TUQUAN_TELEGRAM_RUNTIME=self.runtime,
            TUQUAN_TELEGRAM_TIMEOUT="5",
            TUQUAN_LOG_LEVEL=log_level,
            TUQUAN_WEBHOOK_URL=f"http://127.0.0.1:{self.port}/telegram",
            TUQUAN_WEBHOOK_SECRET=WEBHOOK_SECRET,
            TUQUAN_WEBHOOK_PORT=str(self.port),
            PYTHONPATH=str(ROOT),
        )
        if failpoints:
            env["TUQUAN_FAILPOINTS"] = failpoints
        return env

    async def start(self, failpoints: str | None = None, log_level: str = "INFO") -> None:
        self.runs += 1
        # Recorded once answered; a long poll would only be recorded when it ends.
        ready = "setWebhook" if self.way_in == "webhook" else "deleteWebhook"
        seen = len(self.telegram.requests_for(ready))
        arguments = ["run", "--webhook"] if self.way_in == "webhook" else ["run"]
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            *arguments,
            cwd=self.workdir,  # away from any .env of the checkout
            env=self.environment(failpoints, log_level),
            stdout=self.log_file("out").open("wb"),
            stderr=self.log_file("err").open("wb"),
        )
        await self.telegram.wait_for_requests(ready, seen + 1, timeout=EXIT_SECONDS)

    def log_file(self, stream: str) -> Path:
        return self.workdir / f"run{self.runs}.{stream}"

    def output(self) -> str:
        return "".join(
            self.log_file(stream).read_text(encoding="utf-8", errors="replace")
            for stream in ("out", "err")
        )

    async def exited(self) -> int:
        assert self.process is not None
        return await asyncio.wait_for(self.process.wait(), EXIT_SECONDS)

    async def stop(self) -> int:
        assert self.process is not None
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        return await self.exited()

    async def kill(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            with contextlib.suppress(TimeoutError):
                await self.exited()


async def telegram_reporter(
    sessions: async_sessionmaker[AsyncSession],
    user_id: int,
    unit_name: str,
    name: str,
    role: Role = Role.DEPUTY,
) -> None:
    """A Telegram account already bound to a unit (a hamlet as deputy unless told), as after
    an invite."""
    now: datetime = PROCESS_CLOCK()
    async with sessions() as session, session.begin():
        unit = await units.resolve(session, unit_name)
        person = Person(full_name=name, created_at=now)
        session.add(person)
        await session.flush()
        session.add(
            Identity(
                person_id=person.id,
                channel=Channel.TELEGRAM,
                external_id=str(user_id),
                chat_key=str(user_id),
                display_name=name,
                created_at=now,
            )
        )
        await people.assign(session, person.id, unit.id, role, now)
