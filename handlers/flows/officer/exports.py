"""The officer's exports: a period's workbook in Excel, and the Front's report in Word."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from handlers import access, digest_text, periods, report_delivery
from handlers.access import Need
from handlers.context import Ctx
from handlers.digest import build
from handlers.digest_delivery import workbook_message
from handlers.flow import Flow, NoState, Step
from handlers.flows.officer.common import answer_period, ask_period
from handlers.flows.officer.units import asks_unit_first
from handlers.messages import Choice, InEvent
from handlers.periods import Period
from handlers.steps import Steps
from handlers.titles import capitalized
from storage import files
from storage.models import Unit


class At(Steps, flow="exports"):
    EXPORT = "export"
    REPORT = "report"


async def ask_export(ctx: Ctx) -> None:
    ask_period(ctx, At.EXPORT, "xlsx", "officer.ask_export_period")


async def on_export(ctx: Ctx, event: InEvent) -> None:
    await answer_period(ctx, event, send_workbook)


async def send_workbook(ctx: Ctx, unit: Unit, period: Period) -> None:
    digest = await build(ctx.session, unit.id, period, ctx.now, ctx.tz)
    message = await workbook_message(
        ctx.session, digest, ctx.t, ctx.tz, files.request_key(ctx.inbox_id), ctx.now, ctx.person.id
    )
    ctx.replies.append(message)


# The Front's report in Word ----------------------------------------------------------

REPORT_PERIODS: dict[str, Callable[[datetime], Period]] = {
    "last_month": periods.last_month,
    "this_month": periods.this_month,
    "last_quarter": periods.last_quarter,
    "this_quarter": periods.this_quarter,
    "last_half": periods.last_half,
    "this_half": periods.this_half,
    "last_year": periods.last_year,
    "this_year": periods.this_year,
}


def _report_choices(ctx: Ctx) -> list[Choice]:
    """Each period named as it is ("Tháng 11/2026"); one still running says so."""
    found: list[Choice] = []
    for key, period_of in REPORT_PERIODS.items():
        period = period_of(ctx.local_now)
        label = str(capitalized(digest_text.period_label(ctx.t, period)))
        if key.startswith("this_"):
            label = str(ctx.t("officer.report_running", period=label))
        found.append(Choice(id=key, label=label))
    return [*found, ctx.back_choice()]


async def ask_report(ctx: Ctx) -> None:
    if asks_unit_first(ctx, "docx"):
        return
    unit = access.office(ctx)
    if not ctx.traits.receives_files:
        period = periods.last_month(ctx.local_now)
        code = unit.code or f'"id {unit.id}"'
        ctx.finish(ctx.t("officer.report_elsewhere", code=code, month=period.key))
        return
    ctx.begin(NoState())
    ctx.ask(At.REPORT, ctx.t("officer.ask_report_period"), _report_choices(ctx))


async def on_report(ctx: Ctx, event: InEvent) -> None:
    typed = periods.read_period(event.text or "", ctx.local_now) if event.kind == "text" else None
    if typed is None:
        chosen = ctx.choose(event)
        if chosen is None:
            return
        period = REPORT_PERIODS[chosen](ctx.local_now)
    elif typed.first_day > ctx.local_now.date():
        ctx.reprompt(ctx.t("officer.report_not_begun"))
        return
    else:
        period = typed
    unit = access.office(ctx)
    ctx.replies += await report_delivery.messages(
        ctx.session,
        unit.id,
        period,
        ctx.now,
        ctx.tz,
        ctx.t,
        file_key=files.request_key(ctx.inbox_id),
        person_id=ctx.person.id,
    )
    ctx.finish()


# A workbook and a report are asked for separately, each from its own menu entry.
EXPORTS = Flow(
    At,
    NoState,
    needs=Need.OFFICER,
    entry=(At.EXPORT, At.REPORT),
    steps={At.EXPORT: Step(on_export), At.REPORT: Step(on_report)},
)
# Declared flows of this module; the package gathers them.
FLOWS: tuple[Flow[Any], ...] = (EXPORTS,)
