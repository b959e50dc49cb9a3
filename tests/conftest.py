from __future__ import annotations

import os
import select
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import SupportsIndex

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.db import create_engine, session_factory
from tests.databases import PostgresTemplates, SqliteTemplates, postgres_admin_url
from tests.support import Harness, MutableClock


def _sleep_by_select(seconds: float | SupportsIndex) -> None:
    wait = float(seconds)
    if wait < 0:
        raise ValueError("sleep length must be non-negative")
    select.select([], [], [], wait)


if "FAKETIME" in os.environ:
    # `make test-moved-date` runs under libfaketime, whose 0.9.10 (Debian's) hands the kernel
    # a negative time for Python 3.11's time.sleep (clock_nanosleep on an absolute monotonic
    # deadline, libfaketime issue #426): EINVAL, seen in subprocess's waits. A relative wait
    # is not touched.
    time.sleep = _sleep_by_select


@pytest.fixture(scope="session")
def sqlite_templates(tmp_path_factory: pytest.TempPathFactory) -> SqliteTemplates:
    templates = SqliteTemplates(tmp_path_factory.mktemp("templates"))
    templates.ensure()
    return templates


@pytest.fixture(scope="session")
def postgres_templates() -> Iterator[PostgresTemplates | None]:
    admin = postgres_admin_url()
    if admin is None:
        yield None
        return
    templates = PostgresTemplates(admin)
    templates.ensure()
    yield templates
    templates.drop_all()


@pytest.fixture(params=["sqlite", "postgres"])
async def database_url(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    sqlite_templates: SqliteTemplates,
    postgres_templates: PostgresTemplates | None,
) -> AsyncIterator[str]:
    """A database with the schema and the demo data, on each backend."""
    if request.param == "sqlite":
        yield sqlite_templates.fresh(tmp_path)
        return
    if postgres_templates is None:
        pytest.skip("PostgreSQL is not running; set TUQUAN_TEST_POSTGRES_URL to require it")
    url = await postgres_templates.fresh()
    yield url
    await postgres_templates.drop(url)


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(database_url)
    yield session_factory(engine)
    await engine.dispose()


@pytest.fixture
def clock() -> MutableClock:
    return MutableClock()


@pytest.fixture
def harness(sessions: async_sessionmaker[AsyncSession], clock: MutableClock) -> Harness:
    return Harness(sessions, clock)
