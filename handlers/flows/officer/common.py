"""What the officer's conversations share: the flow's constants, the officer's units,
the way back to the menu, and the answers that name a unit of the officer's subtree."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from markupsafe import Markup

from handlers import access, periods, picklist
from handlers.context import BACK, Ctx
from handlers.flow import NoState
from handlers.flows.officer.units import asks_unit_first
from handlers.messages import Choice, InEvent
from handlers.periods import Period
from handlers.services import units_found
from handlers.services.own_units import unit_in_area
from handlers.steps import Steps
from storage import registry
from storage.enums import Role, UnitKind
from storage.models import Unit

MAX_CHOICES = 25
INVITE_DAYS = 14
MIN_ESCALATION, MAX_ESCALATION = 5, 24 * 60
MAX_HOLIDAY_DAYS = 60
PERIODS: dict[str, Callable[..., Period]] = {
    "this_week": periods.this_week,
    "last_week": periods.last_week,
    "this_month": periods.this_month,
    "last_month": periods.last_month,
}
INVITE_ROLES = (Role.REPORTER, Role.DEPUTY, Role.OFFICER)
HAMLET_ROLES = (Role.REPORTER, Role.DEPUTY)
REPLACE, AS_DEPUTY = "replace", "deputy"
OFFICE_KINDS = (UnitKind.PROVINCE, UnitKind.DISTRICT, UnitKind.COMMUNE)
OFFICER_ROLES = access.OFFICER_ROLES
HISTORY = "history"
Send = Callable[[Ctx, Unit, Period], Awaitable[None]]
# Every open incident and every unit of a subtree can be paged through; a province's
# hamlets are found by name long before the last page.
MAX_LISTED = 2000


def refuse(ctx: Ctx) -> None:
    """A polite no, and nothing else: no name, no count of anyone else's unit."""
    ctx.finish(ctx.t("officer.refused"))


def ask_period(ctx: Ctx, at: Steps, menu_key: str, question: str) -> None:
    """Which period a summary or a workbook is for, once the officer's unit is settled."""
    if asks_unit_first(ctx, menu_key):
        return
    ctx.begin(NoState())
    ctx.ask(at, ctx.t(question), period_choices(ctx))


async def answer_period(ctx: Ctx, event: InEvent, send: Send) -> None:
    chosen = ctx.choose(event)
    if chosen is None:
        return
    await send(ctx, access.office(ctx), PERIODS[chosen](ctx.local_now))
    ctx.finish()


def period_choices(ctx: Ctx) -> list[Choice]:
    return [Choice(id=key, label=str(ctx.t(f"officer.{key}"))) for key in PERIODS] + [
        ctx.back_choice()
    ]


async def ask_unit_in(ctx: Ctx, at: Steps, root: Unit, kinds: tuple[UnitKind, ...]) -> None:
    entries = await unit_entries(ctx, root, kinds)
    if not entries:
        ctx.finish(ctx.t("officer.no_units"))
        return
    picklist.ask(ctx, at, unit_question(ctx, kinds), entries, [ctx.back_choice()])


def unit_question(ctx: Ctx, kinds: tuple[UnitKind, ...]) -> Markup:
    return ctx.t("officer.ask_hamlet" if kinds == (UnitKind.HAMLET,) else "officer.ask_invite_unit")


async def unit_entries(ctx: Ctx, root: Unit, kinds: tuple[UnitKind, ...]) -> list[picklist.Entry]:
    found = await registry.current_units(ctx.session, root.id, kinds, MAX_LISTED)
    return [
        picklist.Entry(id=str(u.id), label=u.label, names=(u.name, u.label, u.code or ""))
        for u in found
    ]


async def unit_answer(
    ctx: Ctx,
    event: InEvent,
    root: Unit,
    kinds: tuple[UnitKind, ...],
    at: Steps,
) -> Unit | None:
    """The unit of the subtree the answer names at step `at`: an offered choice, or a typed
    name or code."""

    async def explain(typed: str) -> Markup:
        return await unit_problem(ctx, root, typed, kinds, [])

    entries = await unit_entries(ctx, root, kinds)
    question = unit_question(ctx, kinds)
    chosen = await picklist.answer(
        ctx, event, at, entries, question, [ctx.back_choice()], explain=explain
    )
    if chosen == BACK:
        ctx.finish()
        return None
    if chosen is None:
        return None
    unit = (
        await unit_in_area(ctx.session, root.id, int(chosen), kinds) if chosen.isdecimal() else None
    )
    if unit is None:
        refuse(ctx)
    return unit


def shown_name(typed: str) -> str:
    """A typed name as it is echoed back: a long one cut, so the answer stays one message."""
    limit = picklist.MAX_NAME_SHOWN
    return typed if len(typed) <= limit else typed[: limit - 1] + "…"


async def unit_problem(
    ctx: Ctx, root: Unit, typed: str, kinds: tuple[UnitKind, ...], found: list[Unit]
) -> Markup:
    """Why a typed name named no one unit of the subtree: several, another area's, or a typo."""
    if found:
        return ctx.t("officer.ambiguous")
    unfound = await units_found.why_unfound(ctx.session, root.id, typed, kinds)
    if unfound.outside:
        return ctx.t("officer.unit_outside_area")
    unknown = ctx.t("officer.unit_unknown", name=shown_name(typed))
    if not unfound.nearest:
        return unknown
    names = Markup(", ").join(u.label for u in unfound.nearest)
    return unknown + " " + ctx.t("officer.unit_nearest", names=names)


async def summary_usage(ctx: Ctx, root: Unit, typed: str) -> Markup:
    """How to ask again: with the nearest name, else a hamlet of the officer's own area."""
    kinds = (*OFFICE_KINDS, UnitKind.HAMLET)
    example = await units_found.example_name(ctx.session, root, typed, kinds)
    return ctx.t("officer.summary_usage", example=example)
