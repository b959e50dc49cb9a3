"""`tuquan run`: the platforms' transports, the engine, the senders and the scheduler in one
process. `--transport telegram,zalo` names them; by default, those whose token is set."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bot.app import Hub, Transport, serve
from bot.database import open_database
from bot.settings import Settings
from bot.telegram import service as telegram
from bot.telegram.api import Unauthorized
from bot.words import plain, tell, translator
from bot.zalo.transport import ZaloConfig, ZaloSetupError, ZaloTransport
from handlers import guides
from handlers.engine import Engine
from scheduler.jobs import Jobs
from scheduler.runner import SchedulerService

log = logging.getLogger(__name__)


class SetupError(Exception):
    """A transport cannot start as configured; the message says why."""


@dataclass
class Started:
    transports: list[Transport] = field(default_factory=list)
    closers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)


Factory = Callable[[Settings, Hub, bool, Started], Awaitable[None]]


async def _telegram(settings: Settings, hub: Hub, webhook: bool, started: Started) -> None:
    try:
        way = telegram.way_in(settings, webhook=webhook)
        api = telegram.make_api(settings)
    except telegram.SetupError as error:
        raise SetupError(str(error)) from error
    started.closers.append(api.close)
    try:
        info = await telegram.sign_in(api)
    except Unauthorized as error:
        raise SetupError(plain(translator(settings)("cli.telegram_unknown_token"))) from error
    log.info("signed in as @%s with %s", info.username, api.runtime)
    started.transports.append(
        telegram.telegram_transport(api, hub, settings, way, bot_username=info.username or None)
    )


async def _zalo(settings: Settings, hub: Hub, webhook: bool, started: Started) -> None:
    try:
        transport = ZaloTransport(ZaloConfig.from_settings(settings))
    except ZaloSetupError as error:
        raise SetupError(str(error)) from error
    started.closers.append(transport.aclose)
    started.transports.append(transport)


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


async def serve_transports(names: list[str], settings: Settings, *, webhook: bool = False) -> int:
    t = translator(settings)
    unknown = [name for name in names if name not in TRANSPORTS]
    for name in unknown:
        tell(t("cli.transport_unknown", name=name), problem=True)
    wanted = [name for name in names if name in TRANSPORTS]
    if not wanted:
        tell(t("cli.no_transport", available=", ".join(TRANSPORTS)), problem=True)
        return 2
    database, sessions = await open_database(settings)
    engine = Engine(
        sessions,
        timezone=settings.timezone,
        locale=settings.locale,
        clock=settings.clock,
        guides=guides.shared_library(settings.guides_dir.resolve()),
        retention=settings.retention,
    )
    hub = Hub(sessions, engine)
    started = Started()
    jobs = Jobs(
        sessions,
        timezone=settings.timezone,
        locale=settings.locale,
        clock=settings.clock,
        retention=settings.retention,
    )
    scheduler = SchedulerService(jobs, database)
    try:
        for name in wanted:
            await TRANSPORTS[name](settings, hub, webhook, started)
        await scheduler.start()
        await serve(hub, started.transports)
    except (SetupError, ZaloSetupError, Unauthorized) as error:
        tell(str(error), problem=True)
        return 2
    finally:
        await scheduler.stop()
        for close in started.closers:
            await close()
        await database.dispose()
    return 0
