"""The officer's conversations: summaries, silent hamlets, open incidents, exports, invites,
the model registry, and the schedule. Everything stays inside the officer's own subtree."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from handlers.context import Ctx
from handlers.flow import Flow
from handlers.flows.officer import exports, incidents, invites, models, schedule, summary, units
from handlers.flows.officer.common import FLOW, Listed, officer_units, unit_of
from handlers.flows.officer.exports import (
    ask_export,
    ask_report,
    on_export,
    on_report,
    send_workbook,
)
from handlers.flows.officer.incidents import list_open, on_incident, on_open
from handlers.flows.officer.invites import (
    ask_invite_role,
    on_invite_handover,
    on_invite_role,
    on_invite_unit,
)
from handlers.flows.officer.models import (
    list_models,
    on_model,
    on_model_confirm,
    on_model_hamlet,
    on_model_org,
    on_model_stop_confirm,
    on_model_type,
    on_models,
)
from handlers.flows.officer.schedule import (
    on_holiday_cancel,
    on_holiday_confirm,
    on_holiday_first,
    on_holiday_last,
    on_set_minutes,
    on_set_time,
    on_settings,
    parse_weekly,
    show_settings,
    weekday_name,
)
from handlers.flows.officer.summary import (
    ask_summary,
    on_summary,
    send_summary,
    show_missing,
    summary_command,
)
from handlers.flows.officer.units import (
    _ask_unit,
    _must_choose_unit,
    ask_unit,
    menu_extras,
    on_acting_unit,
)

# Commands that work at any step --------------------------------------------------------

Command = Callable[[Ctx, str], Awaitable[None]]


async def _no_argument(starter: Callable[[Ctx], Awaitable[None]], ctx: Ctx) -> None:
    if unit_of(ctx) is None:
        ctx.say(ctx.t("officer.refused"))
        return
    ctx.reset()
    await starter(ctx)


COMMANDS: dict[str, Command] = {
    "/tonghop": summary_command,
    "/chuabao": lambda ctx, _: _no_argument(show_missing, ctx),
    "/sukien": lambda ctx, _: _no_argument(list_open, ctx),
    "/xuatexcel": lambda ctx, _: _no_argument(ask_export, ctx),
}


async def command(ctx: Ctx, name: str, argument: str) -> None:
    if unit_of(ctx) is None:
        ctx.say(ctx.t("officer.refused"))
        return
    if _must_choose_unit(ctx):
        ctx.reset()
        _ask_unit(ctx, name, argument)
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
    "FLOW",
    "FLOWS",
    "STARTS",
    "Command",
    "Listed",
    "ask_export",
    "ask_invite_role",
    "ask_report",
    "ask_summary",
    "ask_unit",
    "command",
    "list_models",
    "list_open",
    "menu_extras",
    "officer_units",
    "on_acting_unit",
    "on_export",
    "on_holiday_cancel",
    "on_holiday_confirm",
    "on_holiday_first",
    "on_holiday_last",
    "on_incident",
    "on_invite_handover",
    "on_invite_role",
    "on_invite_unit",
    "on_model",
    "on_model_confirm",
    "on_model_hamlet",
    "on_model_org",
    "on_model_stop_confirm",
    "on_model_type",
    "on_models",
    "on_open",
    "on_report",
    "on_set_minutes",
    "on_set_time",
    "on_settings",
    "on_summary",
    "parse_weekly",
    "send_summary",
    "send_workbook",
    "show_missing",
    "show_settings",
    "summary_command",
    "unit_of",
    "weekday_name",
]
