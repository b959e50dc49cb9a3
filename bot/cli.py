"""`tuquan`: run the bot, chat in the console, manage units, invites and exports."""

from __future__ import annotations

import argparse
import asyncio
import csv
import logging
import sys
import uuid
from collections.abc import Awaitable, Callable, Coroutine
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.console import ConsoleChat, banner, render, stdin_lines
from bot.database import open_database
from bot.run import configured, serve_transports
from bot.settings import Settings, get_settings
from bot.telegram.redaction import protect_logs
from handlers import guides, periods
from handlers.digest_delivery import Extras, messages
from handlers.engine import Engine
from handlers.i18n import Translator
from scheduler.jobs import REMINDER_KINDS, Jobs, Outcome
from scheduler.runner import SchedulerService
from storage import audit, demo, export, hamlet_import, invites, official, retention, units
from storage.clock import Clock
from storage.enums import Role, UnitKind
from storage.files import load as load_file
from storage.models import Unit

log = logging.getLogger("tuquan")

Command = Callable[[argparse.Namespace, Settings], Coroutine[Any, Any, int]]


def main(argv: list[str] | None = None) -> None:
    parser = _parser()
    args = parser.parse_args(argv)
    settings = get_settings()
    console = args.command == "run" and not (
        configured(settings) or getattr(args, "transport", None)
    )
    quiet = console or args.command in ("chat", "export", "invite", "digest")
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
    # bm25s sets its own logger to DEBUG and would print into the console chat.
    logging.getLogger("bm25s").setLevel(max(chosen, logging.WARNING))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tuquan", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser(
        "run", help="start the bot: the platforms whose token is set, else the console chat"
    )
    run.add_argument(
        "--transport",
        type=lambda text: [name.strip() for name in text.split(",") if name.strip()],
        help="platforms to serve, comma separated (telegram, zalo); default: those with a token",
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

    guide = commands.add_parser("guides", help="the guides residents read")
    guide_commands = guide.add_subparsers(dest="guides_command", required=True)
    checker = guide_commands.add_parser("check", help="check every guide; non-zero on a problem")
    checker.add_argument("folder", nargs="?", type=Path, help="default: TUQUAN_GUIDES_DIR")
    checker.set_defaults(handler=cmd_guides_check)

    privacy = commands.add_parser("privacy", help="personal data")
    privacy_commands = privacy.add_subparsers(dest="privacy_command", required=True)
    forget = privacy_commands.add_parser("forget", help="erase a person's name and accounts")
    forget.add_argument("--person", type=int, required=True, help="the person's id")
    forget.set_defaults(handler=cmd_privacy_forget)
    privacy_commands.add_parser(
        "clean", help="delete what is past its keeping time (TUQUAN_RETENTION_*)"
    ).set_defaults(handler=cmd_privacy_clean)

    digest = commands.add_parser("digest", help="print the digest of a unit for a week")
    digest.add_argument("--unit", required=True, help="the unit's official code or its name")
    when = digest.add_mutually_exclusive_group()
    when.add_argument("--week", help="ISO week, e.g. 2026-W48 (default: last week)")
    when.add_argument("--month", help="a month, e.g. 2026-11")
    digest.add_argument("--chart", type=Path, help="also write the chart (PNG) to this file")
    digest.add_argument("--xlsx", type=Path, help="also write the workbook to this file")
    digest.set_defaults(handler=cmd_digest)

    timed = commands.add_parser("scheduler", help="the timed jobs")
    timed_commands = timed.add_subparsers(dest="scheduler_command", required=True)
    timed_commands.add_parser("run", help="run the scheduler until stopped").set_defaults(
        handler=cmd_scheduler_run
    )
    once = timed_commands.add_parser("run-once", help="run one job now, as the scheduler would")
    once.add_argument("job", choices=[*REMINDER_KINDS, "digest", "escalations", "catch-up"])
    once.add_argument("--at", help="pretend it is this local time, e.g. 2026-11-27T16:00")
    once.set_defaults(handler=cmd_scheduler_once)

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
            written = await demo.seed(session, settings.clock(), ZoneInfo(settings.timezone))
        print("demo data written" if written else "demo data already present")
        return 0

    return await _with_sessions(settings, work)


async def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    names = args.transport or configured(settings)
    if names:
        return await serve_transports(names, settings, webhook=args.webhook)
    if args.webhook:
        print("--webhook needs TELEGRAM_BOT_TOKEN", file=sys.stderr)
        return 2
    await cmd_seed(args, settings)
    args.as_, args.user_id = "hamlet-head", None
    return await cmd_chat(args, settings, with_scheduler=True)


async def cmd_chat(
    args: argparse.Namespace, settings: Settings, *, with_scheduler: bool = False
) -> int:
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
        engine = Engine(
            sessions,
            timezone=settings.timezone,
            locale=settings.locale,
            clock=settings.clock,
            guides=guides.shared_library(settings.guides_dir.resolve()),
        )
        interactive = sys.stdin.isatty()
        chat = ConsoleChat(sessions, engine, user_key, sys.stdout, color=sys.stdout.isatty())
        if interactive:
            print(banner(Translator(settings.locale), who) + "\n")
        if not with_scheduler:
            await chat.run(stdin_lines("> "))
            return 0
        service = SchedulerService(_jobs(sessions, settings), database)
        await service.start()
        poller = asyncio.create_task(chat.poll())
        try:
            await chat.run(stdin_lines("> "))
        finally:
            poller.cancel()
            await service.stop()
        return 0

    engine_and_sessions = await open_database(settings)
    database, sessions = engine_and_sessions
    try:
        return await work(sessions)
    finally:
        await database.dispose()


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
        if answer.isdecimal() and 1 <= int(answer) <= len(candidates):
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
                now=settings.clock(),
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


async def cmd_guides_check(args: argparse.Namespace, settings: Settings) -> int:
    folder: Path = args.folder or settings.guides_dir
    found, problems = await asyncio.to_thread(guides.check, folder)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(
            f"{len(problems)} problem(s); fix them before residents see the guides", file=sys.stderr
        )
        return 1
    print(f"{len(found)} guides in {folder}: all good")
    return 0


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
        async with sessions() as session, session.begin():
            rows = await export.report_rows(session, ZoneInfo(settings.timezone))
            audit.record(
                session,
                at=settings.clock(),
                person_id=None,
                action="export",
                subject="all",
                via="cli",
                rows=len(rows),
            )
        writer = csv.writer(sys.stdout)
        writer.writerow(export.COLUMNS)
        writer.writerows(rows)
        return 0

    return await _with_sessions(settings, work)


def _jobs(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, clock: Clock | None = None
) -> Jobs:
    return Jobs(
        sessions,
        timezone=settings.timezone,
        locale=settings.locale,
        clock=clock or settings.clock,
        retention=settings.retention,
    )


async def cmd_scheduler_run(args: argparse.Namespace, settings: Settings) -> int:
    database, sessions = await open_database(settings)
    service = SchedulerService(_jobs(sessions, settings), database)
    try:
        await service.start()
        await asyncio.Event().wait()
    finally:
        await service.stop()
        await database.dispose()
    return 0


def _print_outcome(outcome: Outcome) -> None:
    if outcome.status == "ran":
        print(f"{outcome.job} {outcome.period}: {outcome.messages} messages written")
    elif outcome.status == "already":
        print(f"{outcome.job} {outcome.period}: already ran, nothing written")
    else:
        print(f"{outcome.job}: not due at this time")


async def cmd_scheduler_once(args: argparse.Namespace, settings: Settings) -> int:
    tz = ZoneInfo(settings.timezone)
    clock = settings.clock
    if args.at:
        try:
            moment = datetime.fromisoformat(args.at)
        except ValueError:
            print(
                f"--at must be a date and time, e.g. 2026-11-27T16:00: {args.at}", file=sys.stderr
            )
            return 2
        fixed = moment if moment.tzinfo else moment.replace(tzinfo=tz)

        def at_moment() -> datetime:
            return fixed

        clock = at_moment

    async def work(sessions: async_sessionmaker[AsyncSession]) -> int:
        jobs = _jobs(sessions, settings, clock)
        if args.job == "escalations":
            print(f"escalations: {await jobs.escalate()} messages written")
            return 0
        if args.job == "catch-up":
            for outcome in await jobs.catch_up():
                _print_outcome(outcome)
            return 0
        kind = "digest_at" if args.job == "digest" else args.job
        for moment in sorted((await jobs.moments())[kind]):
            _print_outcome(await jobs.run_slot(kind, moment))
        return 0

    return await _with_sessions(settings, work)


def _period(args: argparse.Namespace, settings: Settings) -> periods.Period:
    if args.month:
        year, _, month = str(args.month).partition("-")
        return periods.month_period(int(year), int(month))
    if args.week:
        return periods.parse_week(args.week)
    return periods.last_week(settings.clock().astimezone(ZoneInfo(settings.timezone)))


async def cmd_digest(args: argparse.Namespace, settings: Settings) -> int:
    try:
        period = _period(args, settings)
    except ValueError:
        print("give the week as 2026-W48 and the month as 2026-11", file=sys.stderr)
        return 2
    tz = ZoneInfo(settings.timezone)
    t = Translator(settings.locale)

    async def work(sessions: async_sessionmaker[AsyncSession]) -> int:
        async with sessions() as session, session.begin():
            unit = await pick_unit(session, args.unit)
            if unit is None:
                return 1
            _, found = await messages(
                session,
                unit.id,
                period,
                settings.clock(),
                tz,
                t,
                file_key=f"cli:{uuid.uuid4().hex}",
                extras=Extras(chart=args.chart is not None, workbook=args.xlsx is not None),
            )
            # The digest's buttons are for a chat; printed, it is the text alone.
            print(render(found[0].model_copy(update={"choices": []}), color=False))
            for message in found[1:]:
                if message.attachment is None:
                    continue
                stored = await load_file(session, message.attachment.file_id)
                target = args.chart if message.attachment.kind == "photo" else args.xlsx
                if stored is not None and target is not None:
                    await asyncio.to_thread(target.write_bytes, stored.content)
                    print(f"wrote {target}", file=sys.stderr)
            # Files made for a one-off print are not kept.
            await session.rollback()
        return 0

    return await _with_sessions(settings, work)


async def cmd_privacy_forget(args: argparse.Namespace, settings: Settings) -> int:
    async def work(sessions: async_sessionmaker[AsyncSession]) -> int:
        async with sessions() as session, session.begin():
            found = await retention.forget_person(session, args.person, settings.clock())
        if not found:
            print(f"no person {args.person}", file=sys.stderr)
            return 1
        print(f"person {args.person}: name, phone and accounts erased; reports kept anonymous")
        return 0

    return await _with_sessions(settings, work)


async def cmd_privacy_clean(args: argparse.Namespace, settings: Settings) -> int:
    async def work(sessions: async_sessionmaker[AsyncSession]) -> int:
        async with sessions() as session, session.begin():
            cleaned = await retention.clean(session, settings.clock(), settings.retention)
        print(", ".join(f"{count} {what}" for what, count in cleaned.counts.items()) + " deleted")
        return 0

    return await _with_sessions(settings, work)
