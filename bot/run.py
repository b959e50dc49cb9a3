"""`tuquan run --transport zalo[,telegram]`: the platforms' transports in one process."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from bot.app import Hub, Transport, serve
from bot.database import open_database
from bot.settings import Settings
from bot.zalo.transport import ZaloConfig, ZaloSetupError, ZaloTransport
from handlers.engine import Engine

log = logging.getLogger(__name__)

Factory = Callable[[Settings], Transport]


def _zalo(settings: Settings) -> Transport:
    return ZaloTransport(ZaloConfig.from_settings(settings))


# Each platform's transport, by the name given to --transport.
TRANSPORTS: dict[str, Factory] = {"zalo": _zalo}
SETUP_ERRORS: tuple[type[Exception], ...] = (ZaloSetupError,)


def configured(settings: Settings) -> list[str]:
    """The transports whose token is set: what `tuquan run` starts when none is named."""
    token = settings.zalo_bot_token
    return ["zalo"] if token is not None and token.get_secret_value() else []


async def serve_transports(names: list[str], settings: Settings) -> int:
    unknown = [name for name in names if name not in TRANSPORTS]
    for name in unknown:
        print(f"transport '{name}' is not available in this version", file=sys.stderr)
    wanted = [name for name in names if name in TRANSPORTS]
    if not wanted:
        print(f"no transport to start; available: {', '.join(TRANSPORTS)}", file=sys.stderr)
        return 2
    try:
        transports = [TRANSPORTS[name](settings) for name in wanted]
    except SETUP_ERRORS as error:
        print(error, file=sys.stderr)
        return 2
    engine, sessions = await open_database(settings)
    hub = Hub(sessions, Engine(sessions, timezone=settings.timezone, locale=settings.locale))
    try:
        await serve(hub, transports)
    except SETUP_ERRORS as error:
        print(error, file=sys.stderr)
        return 2
    finally:
        for transport in transports:
            close = getattr(transport, "aclose", None)
            if close is not None:
                await close()
        await engine.dispose()
    return 0
