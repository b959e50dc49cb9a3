from __future__ import annotations

import asyncio
import os

from alembic import context
from sqlalchemy.engine import Connection

from storage.db import DEFAULT_SQLITE_URL, create_engine
from storage.models import Base

target_metadata = Base.metadata


def run_with(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_standalone() -> None:
    """For the `alembic` command line: `TUQUAN_DATABASE_URL=... alembic revision --autogenerate`."""
    url = os.environ.get("TUQUAN_DATABASE_URL") or DEFAULT_SQLITE_URL
    engine = create_engine(url)
    async with engine.begin() as connection:
        await connection.run_sync(run_with)
    await engine.dispose()


shared = context.config.attributes.get("connection")
if shared is not None:
    run_with(shared)
else:
    asyncio.run(run_standalone())
