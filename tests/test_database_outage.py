"""The database goes away while updates arrive: nothing is lost, nothing doubled, the bot
catches up when it is back."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import socket
import sqlite3
import subprocess
import tempfile
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from bot.app import Hub, engine_worker
from handlers.engine import DatabaseUnavailable, Engine
from handlers.messages import InEvent
from storage import inbox
from storage.db import create_engine, session_factory
from storage.enums import InboxStatus, ReportKind
from storage.models import InboxItem, Report
from tests.databases import SEED_TIME, SqliteTemplates, build_template
from tests.support import HEAD, MutableClock

PG_BIN = Path("/usr/lib/postgresql/15/bin")
OUTAGE_SECONDS = float(os.environ.get("TUQUAN_OUTAGE_SECONDS", "5"))
SCRIPT = ["/menu", "1", "6", "1", "Lũ cuốn trôi cầu tràn đầu bản", "1", "1", "1", "1"]


def text(user: str, line: str) -> InEvent:
    return InEvent(channel="console", user_key=user, chat_key=user, kind="text", text=line)


@dataclass
class Platform:
    """Holds each update until it is stored, as Telegram and Zalo redeliver unconfirmed ones."""

    sessions: async_sessionmaker[AsyncSession]
    hub: Hub
    unconfirmed: list[tuple[str, InEvent]] = field(default_factory=list)
    refused_attempts: int = 0

    async def deliver_all(self) -> None:
        while self.unconfirmed:
            key, event = self.unconfirmed[0]
            try:
                async with self.sessions() as session, session.begin():
                    await inbox.store(
                        session,
                        channel="console",
                        update_key=key,
                        user_key=event.user_key,
                        chat_key=event.chat_key,
                        event=event.model_dump(exclude_defaults=True),
                        now=SEED_TIME,
                    )
            except Exception:
                self.refused_attempts += 1
                await asyncio.sleep(0.2)
                continue
            self.unconfirmed.pop(0)
            self.hub.inbox_changed()


FAKETIME_VARIABLES = ("LD_PRELOAD", "FAKETIME")


class PrivateCluster:
    """A PostgreSQL server of this test's own, so stopping it disturbs nobody else."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.data = root / "data"
        self.port = _free_port()
        self.url = f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        command = [str(PG_BIN / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        # A server is the tests' peer: under `make test-moved-date` it keeps the real date, as
        # the shared one does (pg_ctl's wait for a start misjudges a moved clock).
        real_time = {k: v for k, v in os.environ.items() if not k.startswith(FAKETIME_VARIABLES)}
        subprocess.run(command, check=True, capture_output=True, timeout=60, env=real_time)

    def init(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres")
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.root / "log"),
            "-w",
            "start",
        )

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def cluster() -> Iterator[PrivateCluster]:
    if not (PG_BIN / "initdb").exists():
        if os.environ.get("TUQUAN_TEST_POSTGRES_URL"):
            pytest.fail(f"PostgreSQL server binaries are missing in {PG_BIN}")
        pytest.skip("PostgreSQL server binaries are not installed here")
    # Not under pytest's own temporary folder: the server's user must be able to reach it.
    root = Path(tempfile.mkdtemp(prefix="tuquan-pg-"))
    root.chmod(0o755)
    server = PrivateCluster(root)
    server.init()
    server.start()
    asyncio.run(build_template(server.url))
    yield server
    with contextlib.suppress(subprocess.CalledProcessError):
        server.stop()
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
async def running(cluster: PrivateCluster) -> AsyncIterator[tuple[Hub, asyncio.Event]]:
    engine = create_engine(cluster.url)
    sessions = session_factory(engine)
    hub = Hub(sessions, Engine(sessions, clock=MutableClock()))
    stop = asyncio.Event()
    worker = asyncio.create_task(engine_worker(hub, stop))
    yield hub, stop
    stop.set()
    await worker
    await engine.dispose()


async def test_postgresql_down_while_updates_arrive(
    cluster: PrivateCluster, running: tuple[Hub, asyncio.Event]
) -> None:
    hub, _ = running
    users = [f"user-{n}" for n in range(3)]
    platform = Platform(hub.sessions, hub)
    # The three are hamlet heads only after their invite; the head of Nà Phải reports.
    platform.unconfirmed = [(f"{HEAD}-{n}", text(HEAD, line)) for n, line in enumerate(SCRIPT)]
    platform.unconfirmed += [(f"{u}-menu", text(u, "/menu")) for u in users]
    half = len(SCRIPT) // 2
    first, rest = platform.unconfirmed[:half], platform.unconfirmed[half:]
    platform.unconfirmed = first
    await platform.deliver_all()

    cluster.stop()
    platform.unconfirmed = rest
    delivering = asyncio.create_task(platform.deliver_all())
    await asyncio.sleep(OUTAGE_SECONDS)
    assert not delivering.done(), "nothing can be confirmed while the database is down"
    cluster.start()
    await asyncio.wait_for(delivering, 60)

    async def settled() -> int:
        async with hub.sessions() as session:
            return int(
                (
                    await session.execute(
                        select(func.count()).where(InboxItem.status == InboxStatus.PENDING)
                    )
                ).scalar_one()
            )

    for _ in range(300):
        if await settled() == 0:
            break
        await asyncio.sleep(0.1)
    assert await settled() == 0
    async with hub.sessions() as session:
        floods = (
            await session.execute(
                select(func.count()).where(
                    Report.kind == ReportKind.INCIDENT, Report.text == SCRIPT[4]
                )
            )
        ).scalar_one()
        failed = (
            await session.execute(
                select(func.count()).where(InboxItem.status == InboxStatus.FAILED)
            )
        ).scalar_one()
    assert floods == 1
    assert failed == 0
    assert platform.refused_attempts > 0


async def test_sqlite_locked_by_another_writer(
    tmp_path: Path, sqlite_templates: SqliteTemplates
) -> None:
    url = sqlite_templates.fresh(tmp_path)
    engine = create_engine(url, busy_timeout_ms=200)
    sessions = session_factory(engine)
    async with sessions() as session, session.begin():
        await inbox.store(
            session,
            channel="console",
            update_key="k1",
            user_key=HEAD,
            chat_key=HEAD,
            event=text(HEAD, "/menu").model_dump(),
            now=SEED_TIME,
        )
    writer = sqlite3.connect(tmp_path / "tuquan.sqlite3", isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    hub = Hub(sessions, Engine(sessions, clock=MutableClock()))
    with pytest.raises(DatabaseUnavailable):
        await hub.engine.process_batch()
    stop = asyncio.Event()
    worker = asyncio.create_task(engine_worker(hub, stop))
    await asyncio.sleep(1.0)
    writer.execute("COMMIT")
    writer.close()
    # Watched with plain reads: the bot's own sessions begin IMMEDIATE and, with this short
    # busy timeout, would race the engine for the write lock they do not need.
    observer = create_async_engine(url)
    for _ in range(100):
        async with observer.connect() as connection:
            row = await connection.execute(
                select(InboxItem.status, InboxItem.attempts).where(InboxItem.update_key == "k1")
            )
            status, attempts = row.one()
        if status == InboxStatus.DONE:
            break
        await asyncio.sleep(0.1)
    await observer.dispose()
    stop.set()
    await worker
    assert status == InboxStatus.DONE
    assert attempts == 1
    await engine.dispose()
