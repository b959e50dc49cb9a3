"""What the officer's conversations share: the flow's constants, the officer's units,
the way back to the menu, and the answers that name a unit of the officer's subtree."""

from __future__ import annotations

from collections.abc import Callable

from markupsafe import Markup

from handlers import periods, picklist
from handlers.context import Ctx
from handlers.flows import menu
from handlers.messages import Choice, InEvent
from handlers.periods import Period
from handlers.steps import Steps
from storage import alerts as alert_records
from storage import registry
from storage import units as unit_records
from storage.enums import Role, UnitKind
from storage.models import Unit

FLOW = "officer"
BACK = "back"
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
OFFICER_ROLES = (Role.OFFICER, Role.ADMIN)
HISTORY = "history"
# Every open incident and every unit of a subtree can be paged through; a province's
# hamlets are found by name long before the last page.
MAX_LISTED = 2000


def officer_units(ctx: Ctx) -> list[Unit]:
    """The units this person is an officer of, once each, in the order given."""
    found: dict[int, Unit] = {}
    for active in ctx.roles:
        if active.role in OFFICER_ROLES:
            found.setdefault(active.unit.id, active.unit)
    return list(found.values())


def unit_of(ctx: Ctx) -> Unit | None:
    """The unit the officer acts for: the one they chose (kept on the person), else the first."""
    units = officer_units(ctx)
    chosen = next((u for u in units if u.id == ctx.person.acting_unit_id), None)
    return chosen or next(iter(units), None)


def _back(ctx: Ctx) -> Choice:
    return Choice(id=BACK, label=str(ctx.t("common.back_to_menu")))


def _refuse(ctx: Ctx) -> None:
    """A polite no, and nothing else: no name, no count of anyone else's unit."""
    ctx.reset()
    menu.show(ctx, ctx.t("officer.refused"))


async def _picked(ctx: Ctx, event: InEvent, *, loose: bool = True) -> str | None:
    """The chosen option's id; "back" goes to the menu and, like a wrong answer, gives None."""
    chosen = ctx.choose(event, loose=loose)
    if chosen == BACK:
        menu.show(ctx)
        return None
    return chosen


def _period_choices(ctx: Ctx) -> list[Choice]:
    return [Choice(id=key, label=str(ctx.t(f"officer.{key}"))) for key in PERIODS] + [_back(ctx)]


class Listed(Steps, flow=FLOW):
    """The officer's steps that answer from a long list, a page at a time."""

    OPEN = "open"
    INVITE_UNIT = "invite_unit"
    MODEL_HAMLET = "model_hamlet"


async def _ask_unit_in(ctx: Ctx, step_name: str, root: Unit, kinds: tuple[UnitKind, ...]) -> None:
    entries = await _unit_entries(ctx, root, kinds)
    if not entries:
        menu.show(ctx, ctx.t("officer.no_units"))
        return
    at = Listed(step_name)
    picklist.ask(ctx, at, _unit_question(ctx, kinds), entries, [_back(ctx)])


def _unit_question(ctx: Ctx, kinds: tuple[UnitKind, ...]) -> Markup:
    return ctx.t("officer.ask_hamlet" if kinds == (UnitKind.HAMLET,) else "officer.ask_invite_unit")


async def _unit_entries(ctx: Ctx, root: Unit, kinds: tuple[UnitKind, ...]) -> list[picklist.Entry]:
    found = await registry.current_units(ctx.session, root.id, kinds, MAX_LISTED)
    return [
        picklist.Entry(id=str(u.id), label=u.label, names=(u.name, u.label, u.code or ""))
        for u in found
    ]


async def _unit_answer(
    ctx: Ctx, event: InEvent, root: Unit, kinds: tuple[UnitKind, ...]
) -> Unit | None:
    """The unit of the subtree the answer names: an offered choice, or a typed name or code."""

    async def explain(typed: str) -> Markup:
        return await _unit_problem(ctx, root, typed, kinds, [])

    entries = await _unit_entries(ctx, root, kinds)
    question = _unit_question(ctx, kinds)
    at = Listed(ctx.step)
    chosen = await picklist.answer(ctx, event, at, entries, question, [_back(ctx)], explain=explain)
    if chosen == BACK:
        menu.show(ctx)
        return None
    if chosen is None:
        return None
    unit = await ctx.session.get(Unit, int(chosen)) if chosen.isdecimal() else None
    if (
        unit is None
        or unit.kind not in kinds
        or not await alert_records.in_subtree(ctx.session, root.id, unit.id)
    ):
        _refuse(ctx)
        return None
    return unit


async def _unit_problem(
    ctx: Ctx, root: Unit, typed: str, kinds: tuple[UnitKind, ...], found: list[Unit]
) -> Markup:
    """Why a typed name named no one unit of the subtree: several, another area's, or a typo."""
    if found:
        return ctx.t("officer.ambiguous")
    anywhere = await unit_records.find(ctx.session, typed, kinds)
    ours = [u for u in anywhere if await alert_records.in_subtree(ctx.session, root.id, u.id)]
    if anywhere and not ours:
        return ctx.t("officer.unit_outside_area")
    merged = [await unit_records.successor(ctx.session, u) for u in ours]
    successors = [u for u in merged if u is not None]
    nearest = successors or await unit_records.nearest(ctx.session, root.id, typed, kinds)
    unknown = ctx.t("officer.unit_unknown", name=typed)
    if not nearest:
        return unknown
    names = Markup(", ").join(u.label for u in nearest)
    return unknown + " " + ctx.t("officer.unit_nearest", names=names)


async def _summary_usage(ctx: Ctx, root: Unit, typed: str) -> Markup:
    """How to ask again: with the nearest name, else a hamlet of the officer's own area."""
    kinds = (*OFFICE_KINDS, UnitKind.HAMLET)
    nearest = await unit_records.nearest(ctx.session, root.id, typed, kinds, limit=1)
    example = nearest or await registry.current_units(ctx.session, root.id, (UnitKind.HAMLET,), 1)
    return ctx.t("officer.summary_usage", example=(example or [root])[0].name)
