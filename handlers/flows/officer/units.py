"""The unit an officer of several acts for: asked first, or changed from the menu."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from markupsafe import Markup

from handlers import access
from handlers.access import Need
from handlers.context import Ctx
from handlers.flow import Flow, FlowState, Step
from handlers.messages import Choice, InEvent
from handlers.steps import Steps


class At(Steps, flow="acting_unit"):
    ACTING_UNIT = "acting_unit"


class ActingUnitState(FlowState):
    """What the officer was starting (a menu key or a command, and its argument) when asked."""

    then: str = ""
    argument: str = ""


def must_choose_unit(ctx: Ctx) -> bool:
    units = access.officer_units(ctx)
    return len(units) > 1 and all(u.id != ctx.person.acting_unit_id for u in units)


def asks_unit_first(ctx: Ctx, then: str, argument: str = "") -> bool:
    """An officer of several units who never chose one is asked first, then goes on."""
    if not must_choose_unit(ctx):
        return False
    ask_unit_then(ctx, then, argument)
    return True


def menu_extras(ctx: Ctx) -> list[tuple[str, str, Callable[[Ctx], Awaitable[None]]]]:
    """An officer of several units can change the one they act for from the menu."""
    units = access.officer_units(ctx)
    return [("switch_unit", "menu.switch_unit", ask_unit)] if len(units) > 1 else []


async def ask_unit(ctx: Ctx) -> None:
    ask_unit_then(ctx)


def ask_unit_then(ctx: Ctx, then: str = "", argument: str = "") -> None:
    """Which of their units the officer acts for; `then` is what they were starting."""
    units = access.officer_units(ctx)
    if len(units) < 2:
        raise access.NotAllowed
    ctx.begin(ActingUnitState(then=then, argument=argument))
    question = ctx.t("officer.ask_acting_unit")
    if not must_choose_unit(ctx) and (current := access.acting_unit(ctx)) is not None:
        question = Markup("\n").join(
            [ctx.t("officer.acting_unit_now", unit=current.label), question]
        )
    options = [Choice(id=str(u.id), label=u.label) for u in units]
    ctx.ask(At.ACTING_UNIT, question, [*options, ctx.back_choice()])


async def on_acting_unit(ctx: Ctx, event: InEvent) -> None:
    from handlers.flows.officer import COMMANDS, STARTS  # they import this module

    chosen = ctx.choose(event)
    if chosen is None:
        return
    unit = next((u for u in access.officer_units(ctx) if str(u.id) == chosen), None)
    if unit is None:
        raise access.NotAllowed
    state = ctx.state(ActingUnitState)
    ctx.person.acting_unit_id = unit.id
    ctx.reset()
    done = ctx.t("officer.acting_unit_set", unit=unit.label)
    if state.then in COMMANDS:
        ctx.say(done)
        await COMMANDS[state.then](ctx, state.argument)
    elif state.then in STARTS:
        ctx.say(done)
        await STARTS[state.then](ctx)
    else:
        ctx.finish(done)


# What the officer was starting goes on at its own flow's entry, always allowed.
ACTING_UNIT = Flow(
    At,
    ActingUnitState,
    needs=Need.OFFICER,
    entry=(At.ACTING_UNIT,),
    steps={At.ACTING_UNIT: Step(on_acting_unit)},
)
# Declared flows of this module; the package gathers them.
FLOWS: tuple[Flow[Any], ...] = (ACTING_UNIT,)
