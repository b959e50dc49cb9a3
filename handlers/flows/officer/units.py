"""The unit an officer of several acts for: asked first, or changed from the menu."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from markupsafe import Markup

from handlers.context import Ctx
from handlers.flow import Flow
from handlers.flows import menu
from handlers.flows.officer.common import (
    FLOW,
    _back,
    _picked,
    _refuse,
    officer_units,
    unit_of,
)
from handlers.messages import Choice, InEvent
from handlers.registry import step


def _must_choose_unit(ctx: Ctx) -> bool:
    units = officer_units(ctx)
    return len(units) > 1 and all(u.id != ctx.person.acting_unit_id for u in units)


def _asks_unit_first(ctx: Ctx, then: str, argument: str = "") -> bool:
    """An officer of several units who never chose one is asked first, then goes on."""
    if not _must_choose_unit(ctx):
        return False
    _ask_unit(ctx, then, argument)
    return True


def menu_extras(ctx: Ctx) -> list[tuple[str, str, Callable[[Ctx], Awaitable[None]]]]:
    """An officer of several units can change the one they act for from the menu."""
    return [("switch_unit", "menu.switch_unit", ask_unit)] if len(officer_units(ctx)) > 1 else []


async def ask_unit(ctx: Ctx) -> None:
    _ask_unit(ctx)


def _ask_unit(ctx: Ctx, then: str = "", argument: str = "") -> None:
    """Which of their units the officer acts for; `then` is what they were starting."""
    units = officer_units(ctx)
    if len(units) < 2:
        _refuse(ctx)
        return
    ctx.data = {"then": then, "argument": argument}
    question = ctx.t("officer.ask_acting_unit")
    if not _must_choose_unit(ctx) and (current := unit_of(ctx)) is not None:
        question = Markup("\n").join(
            [ctx.t("officer.acting_unit_now", unit=current.label), question]
        )
    options = [Choice(id=str(u.id), label=u.label) for u in units]
    ctx.legacy_ask(FLOW, "acting_unit", question, [*options, _back(ctx)])


@step(FLOW, "acting_unit")
async def on_acting_unit(ctx: Ctx, event: InEvent) -> None:
    from handlers.flows.officer import COMMANDS, STARTS  # they import this module

    chosen = await _picked(ctx, event)
    if chosen is None:
        return
    unit = next((u for u in officer_units(ctx) if str(u.id) == chosen), None)
    if unit is None:
        _refuse(ctx)
        return
    then, argument = str(ctx.data.get("then", "")), str(ctx.data.get("argument", ""))
    ctx.person.acting_unit_id = unit.id
    ctx.reset()
    done = ctx.t("officer.acting_unit_set", unit=unit.label)
    if then in COMMANDS:
        ctx.say(done)
        await COMMANDS[then](ctx, argument)
    elif then in STARTS:
        ctx.say(done)
        await STARTS[then](ctx)
    else:
        menu.show(ctx, done)


# Declared flows of this module; the package gathers them.
FLOWS: tuple[Flow[Any], ...] = ()
