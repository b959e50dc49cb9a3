"""The officer's conversations: summaries, silent hamlets, open incidents, exports, invites,
the model registry, and the schedule. Everything stays inside the officer's own subtree."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from handlers import access
from handlers.context import Ctx
from handlers.flow import Flow
from handlers.flows.officer import exports, incidents, invites, models, schedule, summary, units
from handlers.flows.officer.exports import ask_export, ask_report, send_workbook
from handlers.flows.officer.incidents import list_open
from handlers.flows.officer.invites import ask_invite_role
from handlers.flows.officer.models import list_models
from handlers.flows.officer.schedule import show_settings
from handlers.flows.officer.summary import ask_summary, send_summary, show_missing, summary_command
from handlers.flows.officer.units import ask_unit, ask_unit_then, menu_extras, must_choose_unit
from handlers.flows.officer.web import open_pages

# Commands that work at any step --------------------------------------------------------

Command = Callable[[Ctx, str], Awaitable[None]]


async def _no_argument(starter: Callable[[Ctx], Awaitable[None]], ctx: Ctx) -> None:
    # Someone who is no officer is told so where they are; their conversation goes on.
    if access.acting_unit(ctx) is None:
        ctx.say(ctx.t("officer.refused"))
        return
    ctx.reset()
    await starter(ctx)


COMMANDS: dict[str, Command] = {
    "/tonghop": summary_command,
    "/chuabao": lambda ctx, _: _no_argument(show_missing, ctx),
    "/sukien": lambda ctx, _: _no_argument(list_open, ctx),
    "/xuatexcel": lambda ctx, _: _no_argument(ask_export, ctx),
    "/web": lambda ctx, _: _no_argument(open_pages, ctx),
}
# The pages show every unit of the officer's: no unit is asked first.
FOR_EVERY_UNIT = frozenset({"/web"})


async def command(ctx: Ctx, name: str, argument: str) -> None:
    if access.acting_unit(ctx) is None:
        ctx.say(ctx.t("officer.refused"))
        return
    if must_choose_unit(ctx) and name not in FOR_EVERY_UNIT:
        ctx.reset()
        ask_unit_then(ctx, name, argument)
        return
    await COMMANDS[name](ctx, argument)


# What an officer who chose their unit goes on to, by menu key.
STARTS: dict[str, Callable[[Ctx], Awaitable[None]]] = {
    "sum": ask_summary,
    "missing": show_missing,
    "open": list_open,
    "xlsx": ask_export,
    "docx": ask_report,
    "invite": ask_invite_role,
    "models": list_models,
    "settings": show_settings,
}


# Declared flows of this package; handlers/flows/__init__.py gathers them.
FLOWS: tuple[Flow[Any], ...] = (
    *units.FLOWS,
    *summary.FLOWS,
    *incidents.FLOWS,
    *exports.FLOWS,
    *invites.FLOWS,
    *models.FLOWS,
    *schedule.FLOWS,
)

__all__ = [
    "COMMANDS",
    "FLOWS",
    "STARTS",
    "Command",
    "ask_export",
    "ask_invite_role",
    "ask_report",
    "ask_summary",
    "ask_unit",
    "command",
    "list_models",
    "list_open",
    "menu_extras",
    "open_pages",
    "send_summary",
    "send_workbook",
    "show_missing",
    "show_settings",
    "summary_command",
]
