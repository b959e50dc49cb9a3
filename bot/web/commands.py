"""`tuquan web`: the officers' pages on their own, and a sign-in link for a demo person."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal

from sqlalchemy import select

from bot import bootstrap
from bot.settings import Settings
from bot.words import tell, translator
from storage import demo, web_access
from storage.enums import Channel
from storage.models import Identity

# Where `tuquan web` listens when TUQUAN_WEB_LISTEN is not set.
DEFAULT_LISTEN = "127.0.0.1:8088"


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    web = commands.add_parser("web", help="serve the officers' pages (TUQUAN_WEB_LISTEN)")
    web.set_defaults(handler=cmd_web)
    inner = web.add_subparsers(dest="web_command")
    link = inner.add_parser("link", help="print a one-time sign-in link for a demo person")
    link.add_argument("--as", dest="as_", required=True, choices=sorted(demo.DEMO_IDENTITIES))
    link.set_defaults(handler=cmd_web_link)


def pages_address(settings: Settings) -> str:
    return settings.web_address or f"http://{DEFAULT_LISTEN}/web"


async def cmd_web(args: argparse.Namespace, settings: Settings) -> int:
    listen = settings.web_listen or DEFAULT_LISTEN
    async with (
        bootstrap.database(settings) as database,
        bootstrap.officer_pages(settings, database, listen=listen),
    ):
        tell(translator(settings)("cli.web_serving", url=pages_address(settings)))
        await _until_stopped()
    return 0


async def cmd_web_link(args: argparse.Namespace, settings: Settings) -> int:
    t = translator(settings)
    external_id = demo.DEMO_IDENTITIES[args.as_].external_id
    query = select(Identity.person_id).where(
        Identity.channel == Channel.CONSOLE, Identity.external_id == external_id
    )
    async with (
        bootstrap.database(settings) as database,
        database.sessions() as session,
        session.begin(),
    ):
        person_id = (await session.execute(query)).scalar_one_or_none()
        if person_id is None:
            tell(t("cli.no_demo"), problem=True)
            return 2
        token = await web_access.issue_link(session, person_id, settings.clock())
    minutes = int(web_access.LINK_TTL.total_seconds() // 60)
    tell(t("cli.web_link", minutes=minutes))
    print(f"{pages_address(settings)}/signin/{token}")
    return 0


async def _until_stopped() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, stop.set)
    await stop.wait()
