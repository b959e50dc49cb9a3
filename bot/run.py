"""`tuquan run`: the platforms' transports, the engine, the senders and the scheduler in one
process. `--transport telegram,zalo` names them; by default, those whose token is set."""

from __future__ import annotations

from bot import bootstrap
from bot.app import serve
from bot.settings import Settings
from bot.telegram.api import Unauthorized
from bot.words import tell, translator
from bot.zalo.transport import ZaloSetupError


async def serve_transports(names: list[str], settings: Settings, *, webhook: bool = False) -> int:
    t = translator(settings)
    unknown = [name for name in names if name not in bootstrap.TRANSPORTS]
    for name in unknown:
        tell(t("cli.transport_unknown", name=name), problem=True)
    wanted = [name for name in names if name in bootstrap.TRANSPORTS]
    if not wanted:
        tell(t("cli.no_transport", available=", ".join(bootstrap.TRANSPORTS)), problem=True)
        return 2
    try:
        async with (
            bootstrap.bot(settings, wanted, webhook=webhook) as bot,
            bootstrap.timed_jobs(settings, bot.database),
            bootstrap.officer_pages(settings, bot.database),
        ):
            await serve(bot.hub, bot.transports)
    except (bootstrap.SetupError, ZaloSetupError, Unauthorized) as error:
        tell(str(error), problem=True)
        return 2
    return 0
