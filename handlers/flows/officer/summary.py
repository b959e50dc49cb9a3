"""The officer's summary of a period, and the hamlets that have not reported."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from handlers import access, digest_text, periods
from handlers.access import Need
from handlers.choices import with_letters_hint
from handlers.context import Ctx
from handlers.digest import build
from handlers.digest_delivery import Extras, messages
from handlers.flow import Flow, NoState, Step
from handlers.flows.officer.common import (
    OFFICE_KINDS,
    answer_period,
    ask_period,
    summary_usage,
    unit_problem,
)
from handlers.flows.officer.units import asks_unit_first
from handlers.messages import InEvent
from handlers.periods import Period
from handlers.steps import Steps
from storage import files, registry
from storage.enums import UnitKind
from storage.models import Unit


class At(Steps, flow="summary"):
    SUMMARY = "summary"


async def ask_summary(ctx: Ctx) -> None:
    ask_period(ctx, At.SUMMARY, "sum", "officer.ask_period")


async def on_summary(ctx: Ctx, event: InEvent) -> None:
    await answer_period(ctx, event, send_summary)


async def send_summary(ctx: Ctx, unit: Unit, period: Period) -> None:
    _, found = await messages(
        ctx.session,
        unit.id,
        period,
        ctx.now,
        ctx.tz,
        ctx.t,
        file_key=files.request_key(ctx.inbox_id),
        extras=Extras(chart=True),
    )
    ctx.replies.extend(with_letters_hint(message, ctx.t, ctx.traits) for message in found)


async def summary_command(ctx: Ctx, argument: str) -> None:
    """`/tonghop` for the officer's unit, `/tonghop Nà Phải` for a unit of their subtree."""
    unit = access.office(ctx)
    target = unit
    if argument:
        kinds = (*OFFICE_KINDS, UnitKind.HAMLET)
        found = await registry.find_in_subtree(ctx.session, unit.id, argument, kinds)
        if len(found) != 1:
            problem = await unit_problem(ctx, unit, argument, kinds, found)
            if not found:
                problem += "\n" + await summary_usage(ctx, unit, argument)
            ctx.say(problem)
            return
        target = found[0]
    ctx.reset()
    await send_summary(ctx, target, periods.last_week(ctx.local_now))
    ctx.finish()


# Silent hamlets ------------------------------------------------------------------------


async def show_missing(ctx: Ctx, unit: Unit | None = None, period: Period | None = None) -> None:
    """The hamlets that have not reported: this week's of the officer's own unit from the
    menu; a digest's own unit and period from its button."""
    if unit is None and asks_unit_first(ctx, "missing"):
        return
    unit = unit or access.office(ctx)
    period = period or periods.this_week(ctx.local_now)
    digest = await build(ctx.session, unit.id, period, ctx.now, ctx.tz)
    label = digest_text.period_label(ctx.t, period)
    if not digest.missing:
        ctx.finish(ctx.t("officer.none_missing", period=label))
        return
    lines: list[Markup | str] = [
        ctx.t("officer.missing_title", period=label, count=len(digest.missing))
    ]
    lines += [
        ctx.t(
            "officer.missing_line_commune" if digest.by_commune else "officer.missing_line",
            hamlet=m.hamlet.label,
            commune=m.group.label,
            head=m.head or ctx.t("digest.no_head"),
        )
        for m in digest.missing[: digest_text.MAX_MISSING]
    ]
    if len(digest.missing) > digest_text.MAX_MISSING:
        lines.append(ctx.t("digest.more", count=len(digest.missing) - digest_text.MAX_MISSING))
    ctx.finish(Markup("\n").join(lines))


SUMMARY = Flow(
    At, NoState, needs=Need.OFFICER, entry=(At.SUMMARY,), steps={At.SUMMARY: Step(on_summary)}
)
# Declared flows of this module; the package gathers them.
FLOWS: tuple[Flow[Any], ...] = (SUMMARY,)
