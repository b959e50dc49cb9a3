"""The benchmarks' data generator writes what it is asked for (at a tiny size)."""

from __future__ import annotations

import uuid
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import func, select

from bench.data import build_nation, build_province, spread
from storage.db import create_engine, session_factory
from storage.enums import UnitKind
from storage.migrate import upgrade
from storage.models import ModelInstance, Person, Report, RoleAssignment, Unit
from tests.databases import postgres_admin_url


def test_spread_is_even_and_complete() -> None:
    assert spread(10, 3) == [4, 3, 3]
    assert sum(spread(100_000, 3_321)) == 100_000


async def test_province_has_the_counts_asked_for(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'p.sqlite3'}")
    await upgrade(engine)
    sessions = session_factory(engine)
    _, communes, reports = await build_province(sessions, 3, 7, 2)
    async with sessions() as session:

        async def count(query: object) -> int:
            return int((await session.execute(query)).scalar_one())  # type: ignore[call-overload]

        hamlets = select(func.count()).select_from(Unit).where(Unit.kind == UnitKind.HAMLET)
        assert len(communes) == 3
        assert await count(hamlets) == 7
        assert await count(select(func.count()).select_from(Person)) == 7
        assert await count(select(func.count()).select_from(RoleAssignment)) == 7
        assert await count(select(func.count()).select_from(ModelInstance)) == 14
        assert await count(select(func.count()).select_from(Report)) == reports > 0
    await engine.dispose()


@pytest.mark.postgres
def test_nation_is_copied_into_its_own_database() -> None:
    admin = postgres_admin_url()
    if admin is None:
        pytest.skip("no PostgreSQL server")
    import asyncio

    name = f"tuquan_bench_t{uuid.uuid4().hex[:8]}"

    async def run() -> None:
        built = await build_nation(admin, name=name, hamlets=50, weeks=2, communes=4)
        connection = await asyncpg.connect(built.url.replace("+asyncpg", ""))
        try:
            assert (
                await connection.fetchval("SELECT count(*) FROM units WHERE kind='commune'") > 3000
            )
            assert await connection.fetchval("SELECT count(*) FROM units WHERE kind='hamlet'") == 50
            assert await connection.fetchval("SELECT count(*) FROM role_assignments") == 50
            assert await connection.fetchval("SELECT count(*) FROM reports") == built.reports > 0
            assert (
                await connection.fetchval(
                    "SELECT count(DISTINCT parent_id) FROM units WHERE kind='hamlet'"
                )
                == 4
            )
        finally:
            await connection.close()
        admin_connection = await asyncpg.connect(admin)
        try:
            await admin_connection.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        finally:
            await admin_connection.close()

    asyncio.run(run())
