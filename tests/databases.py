"""Real databases for tests: a SQLite file per test, a fresh PostgreSQL database per test.

Both are copied from a template that was migrated and seeded with the demo data once, so a
test starts in a second from the state `make run` creates.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import asyncpg

from storage import demo
from storage.db import create_engine, session_factory
from storage.migrate import upgrade

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
# A Friday morning in week 48 of 2026; every test's clock starts here.
SEED_TIME = datetime(2026, 11, 27, 9, 0, tzinfo=TZ)
POSTGRES_URL_ENV = "TUQUAN_TEST_POSTGRES_URL"
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"


async def build_template(url: str) -> None:
    engine = create_engine(url)
    await upgrade(engine)
    async with session_factory(engine)() as session, session.begin():
        await demo.seed(session, SEED_TIME, TZ)
    await engine.dispose()


class SqliteTemplates:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.template = root / "template.sqlite3"

    def ensure(self) -> None:
        if not self.template.exists():
            asyncio.run(build_template(f"sqlite+aiosqlite:///{self.template}"))

    def fresh(self, directory: Path) -> str:
        target = directory / "tuquan.sqlite3"
        shutil.copyfile(self.template, target)
        return f"sqlite+aiosqlite:///{target}"


def postgres_admin_url() -> str | None:
    """The server to test against; None (skip) only when nobody asked for it and it is down."""
    explicit = os.environ.get(POSTGRES_URL_ENV)
    url = explicit or DEFAULT_POSTGRES
    try:
        asyncio.run(_ping(url))
    except (OSError, asyncpg.PostgresError):
        if explicit:
            raise
        return None
    return url


async def _ping(url: str) -> None:
    connection = await asyncpg.connect(url, timeout=3)
    await connection.close()


class PostgresTemplates:
    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url
        self.template = f"tuquan_tpl_{uuid.uuid4().hex[:8]}"
        self.created: list[str] = []

    def _url(self, database: str) -> str:
        base, _, _ = self.admin_url.rpartition("/")
        return f"{base.replace('postgresql://', 'postgresql+asyncpg://', 1)}/{database}"

    async def _admin(self, sql: str) -> None:
        connection = await asyncpg.connect(self.admin_url)
        try:
            await connection.execute(sql)
        finally:
            await connection.close()

    def ensure(self) -> None:
        if self.template in self.created:
            return
        asyncio.run(self._admin(f'CREATE DATABASE "{self.template}"'))
        self.created.append(self.template)
        asyncio.run(build_template(self._url(self.template)))

    async def fresh(self) -> str:
        name = f"tuquan_t_{uuid.uuid4().hex[:10]}"
        await self._admin(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
        self.created.append(name)
        return self._url(name)

    async def drop(self, url: str) -> None:
        name = url.rpartition("/")[2]
        await self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.created.remove(name)

    def drop_all(self) -> None:
        async def run() -> None:
            for name in list(self.created):
                await self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

        asyncio.run(run())
