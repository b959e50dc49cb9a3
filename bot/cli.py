"""`tuquan`: run the bot, chat in the console, manage units, invites and exports."""

from __future__ import annotations

import argparse
import asyncio
import csv
import logging
import sys
import uuid
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from markupsafe import Markup
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import bootstrap
from bot.console import banner, render, stdin_lines
from bot.run import serve_transports
from bot.settings import Settings, get_settings
from bot.telegram.redaction import protect_logs
from bot.web import commands as web_commands
from bot.words import plain, tell, translator
from handlers import guides, periods, report_delivery
from handlers.digest_delivery import Extras, messages
from handlers.flows import privacy as privacy_flow
from handlers.i18n import Translator
from handlers.titles import capitalized, role_word
from scheduler.jobs import REMINDER_KINDS, Outcome
from storage import audit, demo, export, hamlet_import, invites, official, people, retention, units
from storage import privacy as personal_data
from storage.enums import Role, UnitKind
from storage.files import load as load_file
from storage.models import Unit

log = logging.getLogger("tuquan")

Command = Callable[[argparse.Namespace, Settings], Coroutine[Any, Any, int]]


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(plain(translator()("cli.bad_day", value=text))) from None


def main(argv: list[str] | None = None) -> None:
    parser = _parser()
    args = parser.parse_args(argv)
    settings = get_settings()
    console = args.command == "run" and not (
        bootstrap.configured(settings) or getattr(args, "transport", None)
    )
    quiet = console or args.command in ("chat", "export", "invite", "digest", "report")
    quiet = quiet or getattr(args, "web_command", None) == "link"
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

    web_commands.add_commands(commands)

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
    _unit_era_options(create)
    create.add_argument("--role", required=True, choices=[r.value for r in Role])
    create.add_argument("--days", type=int, default=14, help="days until it expires")
    create.add_argument("--uses", type=int, default=1, help="how many people may use it")
    handover = create.add_mutually_exclusive_group()
    handover.add_argument(
        "--replace", action="store_true", help="a reporter who replaces the hamlet's head"
    )
    handover.add_argument(
        "--as-deputy", action="store_true", help="a deputy beside the hamlet's head instead"
    )
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
    show = privacy_commands.add_parser("show", help="print what is kept about a person (audited)")
    show.add_argument("--person", type=int, required=True, help="the person's id")
    show.set_defaults(handler=cmd_privacy_show)
    privacy_commands.add_parser(
        "clean", help="delete what is past its keeping time (TUQUAN_RETENTION_*)"
    ).set_defaults(handler=cmd_privacy_clean)

    digest = commands.add_parser("digest", help="print the digest of a unit for a week")
    digest.add_argument("--unit", required=True, help="the unit's official code or its name")
    _unit_era_options(digest)
    when = digest.add_mutually_exclusive_group()
    when.add_argument("--week", help="ISO week, e.g. 2026-W48 (default: last week)")
    when.add_argument("--month", help="a month, e.g. 2026-11")
    digest.add_argument("--chart", type=Path, help="also write the chart (PNG) to this file")
    digest.add_argument("--xlsx", type=Path, help="also write the workbook to this file")
    digest.set_defaults(handler=cmd_digest)

    report = commands.add_parser(
        "report", help="draft the Front's report of a unit for a period as a Word document"
    )
    report.add_argument("--unit", required=True, help="the unit's official code or its name")
    _unit_era_options(report)
    span = report.add_mutually_exclusive_group()
    span.add_argument("--month", help="a month, e.g. 2026-11 (default: last month)")
    span.add_argument("--quarter", help="a quarter, e.g. 2026-Q4")
    span.add_argument("--half", help="a half-year, e.g. 2026-H2")
    span.add_argument("--year", help="a year, e.g. 2026")
    report.add_argument("--docx", type=Path, required=True, help="write the report to this file")
    report.add_argument("--xlsx", type=Path, help="also write the workbook (its annex)")
    report.set_defaults(handler=cmd_report)

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


def _unit_era_options(command: argparse.ArgumentParser) -> None:
    era = command.add_mutually_exclusive_group()
    era.add_argument(
        "--on", type=_day, help="the unit that had this name on a day, e.g. 2025-05-01"
    )
    era.add_argument(
        "--include-ended",
        action="store_true",
        help="also units that were merged or dissolved (default: today's unit)",
    )


async def _with_sessions(
    settings: Settings, work: Callable[[async_sessionmaker[AsyncSession]], Awaitable[int]]
) -> int:
    async with bootstrap.database(settings) as database:
        return await work(database.sessions)


async def cmd_migrate(args: argparse.Namespace, settings: Settings) -> int:
    async def work(_: async_sessionmaker[AsyncSession]) -> int:
        tell(translator(settings)("cli.migrated"))
        return 0

    return await _with_sessions(settings, work)


async def cmd_seed(args: argparse.Namespace, settings: Settings) -> int:
    async def work(sessions: async_sessionmaker[AsyncSession]) -> int:
        async with sessions() as session, session.begin():
            written = await demo.seed(session, settings.clock(), ZoneInfo(settings.timezone))
        tell(translator(settings)("cli.demo_written" if written else "cli.demo_present"))
        return 0

    return await _with_sessions(settings, work)


async def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    names = args.transport or bootstrap.configured(settings)
    if names:
        return await serve_transports(names, settings, webhook=args.webhook)
    if args.webhook:
        tell(translator(settings)("cli.webhook_needs_token"), problem=True)
        return 2
    await cmd_seed(args, settings)
    args.as_, args.user_id = "hamlet-head", None
    return await cmd_chat(args, settings, with_scheduler=True)


async def cmd_chat(
    args: argparse.Namespace, settings: Settings, *, with_scheduler: bool = False
) -> int:
    async with bootstrap.database(settings) as database:
        sessions = database.sessions
        if args.as_:
            identity = demo.DEMO_IDENTITIES[args.as_]
            async with sessions() as session:
                if not await demo.is_seeded(session):
                    tell(translator(settings)("cli.no_demo"), problem=True)
                    return 2
            user_key, who = identity.external_id, demo.DEMO_PEOPLE[args.as_]
        else:
            user_key, who = f"user-{args.user_id}", f"user-{args.user_id}"
        chat = bootstrap.console_chat(settings, sessions, user_key, sys.stdout)
        if sys.stdin.isatty():
            print(banner(Translator(settings.locale), who) + "\n")
        if not with_scheduler:
            await chat.run(stdin_lines("> "))
            return 0
        async with (
            bootstrap.timed_jobs(settings, database),
            bootstrap.officer_pages(settings, database),
        ):
            poller = asyncio.create_task(chat.poll())
            try:
                await chat.run(stdin_lines("> "))
            finally:
                poller.cancel()
        return 0


async def cmd_units_sync(args: argparse.Namespace, settings: Settings) -> int:
    async def work(sessions: async_sessionmaker[AsyncSession]) -> int:
        async with sessions() as session, session.begin():
            result = await official.sync(session)
        tell(
            translator(settings)(
                "cli.units_synced", added=result.added, updated=result.updated, total=result.total
            )
        )
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
                tell(translator(settings)("cli.nothing_imported"), problem=True)
                return 1
        tell(translator(settings)("cli.hamlets_added", count=len(report.added)))
        return 0

    return await _with_sessions(settings, work)


@dataclass(frozen=True)
class UnitChoice:
    """How a name given to --unit is read: today's unit, unless a day or ended units are asked."""

    t: Translator
    on: date | None = None
    include_ended: bool = False


def unit_choice(args: argparse.Namespace, settings: Settings) -> UnitChoice:
    return UnitChoice(
        translator(settings), getattr(args, "on", None), getattr(args, "include_ended", False)
    )


async def pick_unit(
    session: AsyncSession, query: str, choice: UnitChoice | None = None
) -> Unit | None:
    """The one unit a code or name means; asks which when a name is shared."""
    choice = choice or UnitChoice(translator())
    t = choice.t
    try:
        unit = await units.resolve(session, query, on=choice.on, include_ended=choice.include_ended)
    except LookupError:
        if choice.on is None:
            tell(t("cli.unit_not_found", query=query), problem=True)
        else:
            tell(t("cli.unit_not_found_on", query=query, day=t.date(choice.on)), problem=True)
        return None
    except units.Ambiguous as ambiguous:
        return await _ask_which(session, ambiguous, t)
    if choice.on is None and not choice.include_ended:
        await _tell_of_ended_namesakes(session, query, unit, t)
    return unit


async def _ask_which(
    session: AsyncSession, ambiguous: units.Ambiguous, t: Translator
) -> Unit | None:
    candidates = ambiguous.candidates
    tell(t("cli.unit_ambiguous", query=ambiguous.query, count=len(candidates)), problem=True)
    tokens = [await choice_token(session, unit) for unit in candidates]
    for number, (unit, token) in enumerate(zip(candidates, tokens, strict=True), 1):
        tell(f"  {number}. {await history_path(session, unit, t)} [{token}]", problem=True)
    if not sys.stdin.isatty():
        tell(t("cli.unit_choose", choice=tokens[-1]), problem=True)
        return None
    answer = (await asyncio.to_thread(input, plain(t("cli.unit_number")))).strip()
    if answer.isdecimal() and 1 <= int(answer) <= len(candidates):
        return candidates[int(answer) - 1]
    return None


async def choice_token(session: AsyncSession, unit: Unit) -> str:
    """What --unit takes to mean exactly this unit: its code when that names it alone."""
    if unit.code and [u.id for u in await units.find(session, unit.code)] == [unit.id]:
        return unit.code
    return f"id {unit.id}"


async def history_label(session: AsyncSession, unit: Unit, t: Translator) -> Markup | str:
    """The unit's label; for one that no longer exists, since when and what it became."""
    if unit.valid_to is None:
        return unit.label
    since = t.date(unit.valid_to + timedelta(days=1))
    successor = await units.successor(session, unit)
    if successor is None:
        return t("cli.unit_ended", unit=unit.label, since=since)
    return t("cli.unit_merged", unit=unit.label, successor=successor.label, since=since)


async def history_path(session: AsyncSession, unit: Unit, t: Translator) -> str:
    above = [u.label for u in (await units.ancestors(session, unit))[:-1]]
    return " / ".join([*above, plain(await history_label(session, unit, t))])


async def _tell_of_ended_namesakes(
    session: AsyncSession, query: str, unit: Unit, t: Translator
) -> None:
    """Today's unit was taken for a name ended units had too: say so, and how to get them."""
    everyone = await units.find(session, query, include_ended=True)
    ended = [u for u in everyone if u.id != unit.id and u.valid_to is not None]
    if unit.valid_to is not None or not ended:
        return
    labels = Markup(", ").join([await history_label(session, u, t) for u in ended])
    tell(t("cli.unit_today_wins", unit=unit.label, ended=labels), problem=True)


async def cmd_invite_create(args: argparse.Namespace, settings: Settings) -> int:
    t = translator(settings)

    async def work(sessions: async_sessionmaker[AsyncSession]) -> int:
        async with sessions() as session, session.begin():
            unit = await pick_unit(session, args.unit, unit_choice(args, settings))
            if unit is None:
                return 1
            role = _invited_role(args, unit, t)
            if role is None:
                return 1
            now = settings.clock()
            holding = await people.holders(session, unit.id, Role.REPORTER, now)
            heads = [p.full_name for p in holding] if role is Role.REPORTER else []
            if role is Role.REPORTER and heads and not args.replace:
                _say(t, "cli.invite_has_head", **_handover_words(t, unit, heads))
                return 1
            invite = await invites.create(
                session,
                unit_id=unit.id,
                role=role,
                now=now,
                valid_for=timedelta(days=args.days),
                max_uses=args.uses,
            )
            path = await units.path_label(session, unit)
        print(invite.code)
        until = invite.expires_at.astimezone(ZoneInfo(settings.timezone))
        _say(
            t, "cli.invite_created", role=t(f"role.{role.value}"), unit=path, until=t.moment(until)
        )
        if role is Role.REPORTER and heads:
            words = _handover_words(t, unit, heads)
            _say(t, "officer.invite_replaces", name=words["name"], role=words["role"])
        await _print_invite_link(settings, invite.code)
        return 0

    return await _with_sessions(settings, work)


def _invited_role(args: argparse.Namespace, unit: Unit, t: Translator) -> Role | None:
    """The role the code gives: --as-deputy makes a reporter's invite a deputy's."""
    role = Role(args.role)
    if (args.replace or args.as_deputy) and role is not Role.REPORTER:
        _say(t, "cli.invite_handover_flags")
        return None
    if role in (Role.REPORTER, Role.DEPUTY) and unit.kind is not UnitKind.HAMLET:
        _say(t, "cli.invite_hamlet_only", role=t(f"role.{role.value}"))
        return None
    return Role.DEPUTY if args.as_deputy else role


def _handover_words(t: Translator, hamlet: Unit, heads: list[str]) -> dict[str, object]:
    return {
        "unit": capitalized(hamlet.label),
        "role": role_word(t, Role.REPORTER, hamlet),
        "deputy": role_word(t, Role.DEPUTY, hamlet),
        "name": ", ".join(heads),
    }


def _say(t: Translator, key: str, **values: object) -> None:
    """On standard error: standard output has the code alone, for scripts."""
    tell(t(key, **values), problem=True)


async def cmd_guides_check(args: argparse.Namespace, settings: Settings) -> int:
    folder: Path = args.folder or settings.guides_dir
    found, problems = await asyncio.to_thread(guides.check, folder)
    t = translator(settings)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        tell(t("cli.guides_problems", count=len(problems)), problem=True)
        return 1
    tell(t("cli.guides_good", count=len(found), folder=folder))
    return 0


async def _print_invite_link(settings: Settings, code: str) -> None:
    """The t.me link that opens the bot with the code, when the bot's name can be known."""
    from bot.telegram import service

    t = translator(settings)
    try:
        username = await service.bot_username(settings)
    except Exception as error:
        tell(t("cli.no_link_telegram_failed", error=error), problem=True)
        return
    if username:
        print(service.invite_link(username, code))
    elif settings.telegram_token is None:
        tell(t("cli.no_link_unknown_bot"), problem=True)
    else:
        tell(t("cli.no_link_nameless_bot"), problem=True)


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
        writer.writerows(export.for_csv(row) for row in rows)
        return 0

    return await _with_sessions(settings, work)


async def cmd_scheduler_run(args: argparse.Namespace, settings: Settings) -> int:
    async with (
        bootstrap.database(settings) as database,
        bootstrap.timed_jobs(settings, database),
    ):
        await asyncio.Event().wait()
    return 0


def _print_outcome(outcome: Outcome, t: Translator) -> None:
    if outcome.status == "ran":
        tell(t("cli.job_ran", job=outcome.job, period=outcome.period, count=outcome.messages))
    elif outcome.status == "already":
        tell(t("cli.job_already", job=outcome.job, period=outcome.period))
    else:
        tell(t("cli.job_not_due", job=outcome.job))


async def cmd_scheduler_once(args: argparse.Namespace, settings: Settings) -> int:
    tz = ZoneInfo(settings.timezone)
    t = translator(settings)
    clock = settings.clock
    if args.at:
        try:
            moment = datetime.fromisoformat(args.at)
        except ValueError:
            tell(t("cli.bad_moment", value=args.at), problem=True)
            return 2
        fixed = moment if moment.tzinfo else moment.replace(tzinfo=tz)

        def at_moment() -> datetime:
            return fixed

        clock = at_moment

    async def work(sessions: async_sessionmaker[AsyncSession]) -> int:
        jobs = bootstrap.jobs(settings, sessions, clock)
        try:
            if args.job == "escalations":
                tell(t("cli.escalations", count=await jobs.escalate()))
                return 0
            if args.job == "catch-up":
                for outcome in await jobs.catch_up():
                    _print_outcome(outcome, t)
                return 0
            kind = "digest_at" if args.job == "digest" else args.job
            for moment in sorted((await jobs.moments())[kind]):
                _print_outcome(await jobs.run_slot(kind, moment), t)
            return 0
        finally:
            jobs.close()

    return await _with_sessions(settings, work)


PeriodReader = Callable[[argparse.Namespace, Settings], periods.Period]
UnitPeriodWork = Callable[[AsyncSession, Unit, periods.Period], Awaitable[None]]


async def _for_unit_and_period(
    args: argparse.Namespace,
    settings: Settings,
    read_period: PeriodReader,
    period_format: str,
    work: UnitPeriodWork,
) -> int:
    """Read the period (2 and how to write it when it cannot be read), pick --unit (1 when
    none is chosen), then do `work` on both in one transaction."""
    try:
        period = read_period(args, settings)
    except ValueError:
        tell(translator(settings)(period_format), problem=True)
        return 2

    async def in_transaction(sessions: async_sessionmaker[AsyncSession]) -> int:
        async with sessions() as session, session.begin():
            unit = await pick_unit(session, args.unit, unit_choice(args, settings))
            if unit is None:
                return 1
            await work(session, unit, period)
        return 0

    return await _with_sessions(settings, in_transaction)


def _digest_period(args: argparse.Namespace, settings: Settings) -> periods.Period:
    if args.month:
        year, _, month = str(args.month).partition("-")
        return periods.month_period(int(year), int(month))
    if args.week:
        return periods.parse_week(args.week)
    return periods.last_week(settings.clock().astimezone(ZoneInfo(settings.timezone)))


async def cmd_digest(args: argparse.Namespace, settings: Settings) -> int:
    t = translator(settings)
    tz = ZoneInfo(settings.timezone)

    async def print_digest(session: AsyncSession, unit: Unit, period: periods.Period) -> None:
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
                tell(t("cli.wrote_file", path=target), problem=True)
        # Files made for a one-off print are not kept.
        await session.rollback()

    return await _for_unit_and_period(
        args, settings, _digest_period, "cli.period_format", print_digest
    )


def _report_period(args: argparse.Namespace, settings: Settings) -> periods.Period:
    """The period named by --month, --quarter, --half or --year; last month by default."""
    for option, letter in (("quarter", "Q"), ("half", "H")):
        value = getattr(args, option)
        if value:
            year, _, number = str(value).upper().partition(f"-{letter}")
            if not number:
                raise ValueError(value)
            return periods.parse_period(f"{year}-{letter}{number}")
    if args.year:
        if not str(args.year).strip().isdecimal():
            raise ValueError(args.year)
        return periods.parse_period(str(args.year))
    if args.month:
        period = periods.parse_period(args.month)
        if period.kind != "month":
            raise ValueError(args.month)
        return period
    return periods.last_month(settings.clock().astimezone(ZoneInfo(settings.timezone)))


async def cmd_report(args: argparse.Namespace, settings: Settings) -> int:
    t = translator(settings)
    tz = ZoneInfo(settings.timezone)

    async def write_report(session: AsyncSession, unit: Unit, period: periods.Period) -> None:
        drafted = await report_delivery.draft_report(
            session, unit.id, period, settings.clock(), tz, t
        )
        await asyncio.to_thread(args.docx.write_bytes, drafted.docx)
        tell(t("cli.wrote_file", path=args.docx), problem=True)
        if args.xlsx is not None:
            from handlers import workbook

            content = await workbook.render_xlsx(session, drafted.digest, t, tz)
            await asyncio.to_thread(args.xlsx.write_bytes, content)
            tell(t("cli.wrote_file", path=args.xlsx), problem=True)
        audit.record(
            session,
            at=settings.clock(),
            person_id=None,
            action="export",
            subject=f"unit:{unit.id}",
            period=period.key,
            file=str(args.docx),
        )

    return await _for_unit_and_period(
        args, settings, _report_period, "cli.report_period_format", write_report
    )


async def cmd_privacy_show(args: argparse.Namespace, settings: Settings) -> int:
    """Everything kept about one person, for an administrator answering them; each look is
    written to the audit log."""

    async def work(sessions: async_sessionmaker[AsyncSession]) -> int:
        t = translator(settings)
        now = settings.clock()
        async with sessions() as session, session.begin():
            held = await personal_data.held_about(session, args.person, now)
            if held is None:
                tell(t("cli.no_person", person=args.person), problem=True)
                return 1
            subject = f"person:{args.person}"
            audit.record(session, at=now, person_id=None, action="export_person", subject=subject)
            title = t("privacy.data_title_of", name=held.person.full_name, person=args.person)
            shown = privacy_flow.describe(t, held, ZoneInfo(settings.timezone), title)
        tell(shown)
        return 0

    return await _with_sessions(settings, work)


async def cmd_privacy_forget(args: argparse.Namespace, settings: Settings) -> int:
    async def work(sessions: async_sessionmaker[AsyncSession]) -> int:
        async with sessions() as session, session.begin():
            forgotten = await retention.forget_person(
                session, args.person, settings.clock(), settings.media_dir
            )
        t = translator(settings)
        if forgotten is None:
            tell(t("cli.no_person", person=args.person), problem=True)
            return 1
        tell(t("cli.person_forgotten", person=args.person))
        tell(t("cli.forgot_heading"))
        for kind, count in forgotten.counts.items():
            tell(t("cli.count_line", what=t(f"forgot.{kind}"), count=count))
        for table, count in forgotten.mentions.items():
            tell(t("cli.mentions_line", table=table, count=count))
        return 0

    return await _with_sessions(settings, work)


async def cmd_privacy_clean(args: argparse.Namespace, settings: Settings) -> int:
    async def work(sessions: async_sessionmaker[AsyncSession]) -> int:
        cleaned = await retention.clean(sessions, settings.clock(), settings.retention)
        t = translator(settings)
        tell(t("cli.cleaned_heading"))
        for kind, count in cleaned.counts.items():
            tell(t("cli.count_line", what=t(f"cleaned.{kind}"), count=count))
        return 0

    return await _with_sessions(settings, work)
