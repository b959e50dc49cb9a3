"""`tuquan`: run the bot, chat in the console, manage units, invites and exports."""

from __future__ import annotations

import argparse
import asyncio
import csv
import logging
import sys
from collections.abc import Awaitable, Callable, Coroutine
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.console import ConsoleChat, banner, stdin_lines
from bot.database import open_database
from bot.settings import Settings, get_settings
from bot.telegram.redaction import protect_logs
from handlers.engine import Engine
from handlers.i18n import Translator
from storage import demo, export, hamlet_import, invites, official, units
from storage.clock import system_clock
from storage.enums import Role, UnitKind
from storage.models import Unit

log = logging.getLogger("tuquan")

Command = Callable[[argparse.Namespace, Settings], Coroutine[Any, Any, int]]


def main(argv: list[str] | None = None) -> None:
    parser = _parser()
    args = parser.parse_args(argv)
    settings = get_settings()
    console = args.command == "run" and settings.telegram_token is None
    quiet = console or args.command in ("chat", "export", "invite")
    _configure_logging(settings.log_level, quiet=quiet)
    if settings.telegram_token is not None:
        protect_logs(settings.telegram_token)
    command: Command = args.handler
    try:
        code: int = asyncio.run(command(args, settings))
    except KeyboardInterrupt:
        code = 130
    sys.exit(code)


def _configure_logging(level: str, *, quiet: bool) -> None:
    chosen = logging.getLevelName(level.upper())
    if not isinstance(chosen, int):
        chosen = logging.INFO
    if quiet:
        chosen = max(chosen, logging.WARNING)
    logging.basicConfig(level=chosen, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tuquan", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser(
        "run", help="start the bot: Telegram when TELEGRAM_BOT_TOKEN is set, else the console chat"
    )
    run.add_argument(
        "--webhook",
        action="store_true",
        help="receive Telegram updates on TUQUAN_WEBHOOK_URL instead of polling",
    )
    run.set_defaults(handler=cmd_run)

    commands.add_parser("migrate", help="bring the database schema up to date").set_defaults(
        handler=cmd_migrate
    )

    chat = commands.add_parser("chat", help="chat with the bot in this terminal")
    who = chat.add_mutually_exclusive_group(required=True)
    who.add_argument("--as", dest="as_", choices=sorted(demo.DEMO_IDENTITIES))
    who.add_argument("--user-id", type=int, help="any new console account, e.g. to try an invite")
    chat.set_defaults(handler=cmd_chat)

    seed = commands.add_parser("seed", help="load demo data")
    seed.add_argument("what", choices=["demo"])
    seed.set_defaults(handler=cmd_seed)

    unit = commands.add_parser("units", help="administrative units")
    unit_commands = unit.add_subparsers(dest="units_command", required=True)
    unit_commands.add_parser("sync", help="load the official provinces and communes").set_defaults(
        handler=cmd_units_sync
    )
    importer = unit_commands.add_parser("import", help="add hamlets from a CSV file")
    importer.add_argument("file", type=Path)
    importer.set_defaults(handler=cmd_units_import)

    invite = commands.add_parser("invite", help="invite codes")
    invite_commands = invite.add_subparsers(dest="invite_command", required=True)
    create = invite_commands.add_parser("create", help="print a new invite code")
    create.add_argument("--unit", required=True, help="the unit's official code or its name")
    create.add_argument("--role", required=True, choices=[r.value for r in Role])
    create.add_argument("--days", type=int, default=14, help="days until it expires")
    create.add_argument("--uses", type=int, default=1, help="how many people may use it")
    create.set_defaults(handler=cmd_invite_create)

    exporter = commands.add_parser("export", help="print every report")
    exporter.add_argument("--format", choices=["csv"], default="csv")
    exporter.set_defaults(handler=cmd_export)
    return parser


async def _with_sessions(
    settings: Settings, work: Callable[[async_sessionmaker[AsyncSession]], Awaitable[int]]
) -> int:
    engine, sessions = await open_database(settings)
    try:
        return await work(sessions)
    finally:
        await engine.dispose()


async def cmd_migrate(args: argparse.Namespace, settings: Settings) -> int:
    async def work(_: async_sessionmaker[AsyncSession]) -> int:
        print("schema is up to date")
        return 0

    return await _with_sessions(settings, work)


async def cmd_seed(args: argparse.Namespace, settings: Settings) -> int:
    async def work(sessions: async_sessionmaker[AsyncSession]) -> int:
        async with sessions() as session, session.begin():
            written = await demo.seed(session, system_clock(), ZoneInfo(settings.timezone))
        print("demo data written" if written else "demo data already present")
        return 0

    return await _with_sessions(settings, work)


async def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    if settings.telegram_token is not None:
        from bot.telegram import service

        return await service.run(settings, webhook=args.webhook)
    if args.webhook:
        print("--webhook needs TELEGRAM_BOT_TOKEN", file=sys.stderr)
        return 2
    await cmd_seed(args, settings)
    args.as_, args.user_id = "hamlet-head", None
    return await cmd_chat(args, settings)


async def cmd_chat(args: argparse.Namespace, settings: Settings) -> int:
    async def work(sessions: async_sessionmaker[AsyncSession]) -> int:
        if args.as_:
            identity = demo.DEMO_IDENTITIES[args.as_]
            async with sessions() as session:
                if not await demo.is_seeded(session):
                    print("no demo data: run `tuquan seed demo` first", file=sys.stderr)
                    return 2
            user_key, who = identity.external_id, demo.DEMO_PEOPLE[args.as_]
        else:
            user_key, who = f"user-{args.user_id}", f"user-{args.user_id}"
        engine = Engine(sessions, timezone=settings.timezone, locale=settings.locale)
        interactive = sys.stdin.isatty()
        chat = ConsoleChat(sessions, engine, user_key, sys.stdout, color=sys.stdout.isatty())
        if interactive:
            print(banner(Translator(settings.locale), who) + "\n")
        await chat.run(stdin_lines("> "))
        return 0

    return await _with_sessions(settings, work)


async def cmd_units_sync(args: argparse.Namespace, settings: Settings) -> int:
    async def work(sessions: async_sessionmaker[AsyncSession]) -> int:
        async with sessions() as session, session.begin():
            result = await official.sync(session)
        print(f"{result.added} added, {result.updated} updated, {result.total} official units")
        return 0

    return await _with_sessions(settings, work)


async def cmd_units_import(args: argparse.Namespace, settings: Settings) -> int:
    content = await asyncio.to_thread(Path(args.file).read_text, encoding="utf-8")

    async def work(sessions: async_sessionmaker[AsyncSession]) -> int:
        async with sessions() as session, session.begin():
            report = await hamlet_import.import_csv(session, content)
            if report.errors:
                await session.rollback()
                for error in report.errors:
                    print(f"{args.file}:{error.line}: {error.message}", file=sys.stderr)
                print("nothing was imported", file=sys.stderr)
                return 1
        print(f"{len(report.added)} hamlets added")
        return 0

    return await _with_sessions(settings, work)


async def pick_unit(session: AsyncSession, query: str) -> Unit | None:
    """The one unit a code or name means; asks which when a name is shared."""
    try:
        return await units.resolve(session, query)
    except LookupError:
        print(f"no unit matches '{query}'", file=sys.stderr)
        return None
    except units.Ambiguous as ambiguous:
        candidates = ambiguous.candidates
        print(f"'{query}' matches {len(candidates)} units:", file=sys.stderr)
        for number, unit in enumerate(candidates, 1):
            path = await units.path_label(session, unit)
            code = f" [{unit.code}]" if unit.code else f" [id {unit.id}]"
            ended = f" (until {unit.valid_to})" if unit.valid_to else ""
            print(f"  {number}. {path}{code}{ended}", file=sys.stderr)
        if not sys.stdin.isatty():
            print("give the unit's code to choose one", file=sys.stderr)
            return None
        answer = (await asyncio.to_thread(input, "number: ")).strip()
        if answer.isdigit() and 1 <= int(answer) <= len(candidates):
            return candidates[int(answer) - 1]
        return None


async def cmd_invite_create(args: argparse.Namespace, settings: Settings) -> int:
    async def work(sessions: async_sessionmaker[AsyncSession]) -> int:
        async with sessions() as session, session.begin():
            unit = await pick_unit(session, args.unit)
            if unit is None:
                return 1
            role = Role(args.role)
            if role in (Role.REPORTER, Role.DEPUTY) and unit.kind is not UnitKind.HAMLET:
                print("reporters and deputies are invited to a hamlet", file=sys.stderr)
                return 1
            invite = await invites.create(
                session,
                unit_id=unit.id,
                role=role,
                now=system_clock(),
                valid_for=timedelta(days=args.days),
                max_uses=args.uses,
            )
            path = await units.path_label(session, unit)
        print(invite.code)
        print(
            f"{role.value} of {path}; expires {invite.expires_at:%Y-%m-%d %H:%M} UTC",
            file=sys.stderr,
        )
        await _print_invite_link(settings, invite.code)
        return 0

    return await _with_sessions(settings, work)


async def _print_invite_link(settings: Settings, code: str) -> None:
    """The t.me link that opens the bot with the code, when the bot's name can be known."""
    from bot.telegram import service

    try:
        username = await service.bot_username(settings)
    except Exception as error:
        print(
            f"no Telegram link: could not ask Telegram for the bot's name ({error})",
            file=sys.stderr,
        )
        return
    if username:
        print(service.invite_link(username, code))


async def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    async def work(sessions: async_sessionmaker[AsyncSession]) -> int:
        async with sessions() as session:
            rows = await export.report_rows(session, ZoneInfo(settings.timezone))
        writer = csv.writer(sys.stdout)
        writer.writerow(export.COLUMNS)
        writer.writerows(rows)
        return 0

    return await _with_sessions(settings, work)
