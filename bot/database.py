from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.settings import Settings
from storage.db import create_engine, session_factory
from storage.migrate import upgrade


async def open_database(
    settings: Settings, *, migrate: bool = True
) -> tuple[AsyncEngine, async_sessionmaker[AsyncSession]]:
    """The engine and sessions, with the schema brought up to date first."""
    engine = create_engine(settings.database_url)
    if migrate:
        await upgrade(engine)
    return engine, session_factory(engine)
