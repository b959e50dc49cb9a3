"""Where the process is put together. From `Settings` this builds the database, the
conversation engine, the timed jobs and the platforms' transports; `tuquan run` and every
other command take their parts from here and build none of their own."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TextIO

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.app import Hub, Transport
from bot.console import ConsoleChat
from bot.database import open_database
from bot.settings import Settings
from bot.telegram import service as telegram
from bot.telegram.api import Unauthorized
from bot.words import plain, translator
from bot.zalo.transport import ZaloConfig, ZaloSetupError, ZaloTransport
from handlers import guides
from handlers.engine import Engine
from scheduler import drawing
from scheduler.jobs import Jobs
from scheduler.runner import SchedulerService
from storage.clock import Clock

log = logging.getLogger(__name__)

Sessions = async_sessionmaker[AsyncSession]


class SetupError(Exception):
    """A transport cannot start as configured; the message says why."""


@dataclass(frozen=True)
class Database:
    """The database with its schema up to date: the connections, and sessions on them."""

    connections: AsyncEngine
    sessions: Sessions


@asynccontextmanager
async def database(settings: Settings) -> AsyncIterator[Database]:
    """The database migrated, its connections closed on leaving."""
    connections, sessions = await open_database(settings)
    try:
        yield Database(connections, sessions)
    finally:
        await connections.dispose()


def conversation_engine(settings: Settings, sessions: Sessions) -> Engine:
    return Engine(
        sessions,
        timezone=settings.timezone,
        locale=settings.locale,
        clock=settings.clock,
        guides=guides.shared_library(settings.guides_dir.resolve()),
        retention=settings.retention,
        web_url=settings.web_address,
    )


def jobs(settings: Settings, sessions: Sessions, clock: Clock | None = None) -> Jobs:
    """The timed jobs; `clock` stands in for the settings' clock (`scheduler run-once --at`)."""
    return Jobs(
        sessions,
        timezone=settings.timezone,
        locale=settings.locale,
        clock=clock or settings.clock,
        retention=settings.retention,
        drawer=drawing.drawer(settings.chart_processes),
    )


@asynccontextmanager
async def timed_jobs(settings: Settings, opened: Database) -> AsyncIterator[SchedulerService]:
    """The scheduler started (leading, or waiting for another process to stop leading),
    and stopped on leaving."""
    service = SchedulerService(jobs(settings, opened.sessions), opened.connections)
    try:
        await service.start()
        yield service
    finally:
        await service.stop()
        service.jobs.close()


@asynccontextmanager
async def officer_pages(
    settings: Settings, opened: Database, *, listen: str | None = None
) -> AsyncIterator[str | None]:
    """The officers' pages served on `listen` (by default TUQUAN_WEB_LISTEN) while inside;
    where they listen, or None when they are not enabled."""
    address = listen or settings.web_listen
    if not address:
        yield None
        return
    # aiohttp's server and the templates are loaded by a process that serves the pages only.
    from bot.web.app import web_app
    from bot.web.server import serving

    async with serving(web_app(opened.sessions, settings, settings.clock), address):
        log.info("officers' pages on http://%s/web", address)
        yield address


def console_chat(settings: Settings, sessions: Sessions, user_key: str, out: TextIO) -> ConsoleChat:
    return ConsoleChat(
        sessions, conversation_engine(settings, sessions), user_key, out, color=out.isatty()
    )


@dataclass
class Bot:
    """What `tuquan run` serves: the hub the transports share, the transports, and what must
    be closed when the process ends."""

    database: Database
    hub: Hub
    transports: list[Transport] = field(default_factory=list)
    closers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)


Factory = Callable[[Settings, Bot, bool], Awaitable[Transport]]


async def _telegram(settings: Settings, bot: Bot, webhook: bool) -> Transport:
    try:
        way = telegram.way_in(settings, webhook=webhook)
        api = telegram.make_api(settings)
    except telegram.SetupError as error:
        raise SetupError(str(error)) from error
    bot.closers.append(api.close)
    try:
        info = await telegram.sign_in(api)
    except Unauthorized as error:
        raise SetupError(plain(translator(settings)("cli.telegram_unknown_token"))) from error
    log.info("signed in as @%s with %s", info.username, api.runtime)
    return telegram.telegram_transport(
        api, bot.hub, settings, way, bot_username=info.username or None
    )


async def _zalo(settings: Settings, bot: Bot, webhook: bool) -> Transport:
    try:
        transport = ZaloTransport(ZaloConfig.from_settings(settings))
    except ZaloSetupError as error:
        raise SetupError(str(error)) from error
    bot.closers.append(transport.aclose)
    return transport


# Each platform's transport, by the name given to --transport.
TRANSPORTS: dict[str, Factory] = {"telegram": _telegram, "zalo": _zalo}


def configured(settings: Settings) -> list[str]:
    """The transports whose token is set: what `tuquan run` starts when none is named."""
    names = []
    if settings.telegram_token is not None:
        names.append("telegram")
    if settings.zalo_bot_token is not None and settings.zalo_bot_token.get_secret_value():
        names.append("zalo")
    return names


@asynccontextmanager
async def bot(settings: Settings, names: list[str], *, webhook: bool) -> AsyncIterator[Bot]:
    """The engine and the transports named, each one of `TRANSPORTS`, all closed on leaving.
    A transport that cannot start raises `SetupError`."""
    async with database(settings) as opened:
        built = Bot(opened, Hub(opened.sessions, conversation_engine(settings, opened.sessions)))
        try:
            for name in names:
                built.transports.append(await TRANSPORTS[name](settings, built, webhook))
            yield built
        finally:
            for close in built.closers:
                await close()
