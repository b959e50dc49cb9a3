"""Recent reports: a hamlet's head and deputy see the hamlet's, and edit or withdraw their own;
an officer reads the unit's (confidential ones only as a count, unless named for them)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from markupsafe import Markup

from handlers import access
from handlers.context import Ctx
from handlers.flow import Flow, FlowState, Step
from handlers.flows import drafting, followup, incident
from handlers.messages import Choice, InEvent
from handlers.services import recent_reports
from handlers.steps import Steps
from storage import alerts as alert_records
from storage import reports
from storage.enums import ReportKind
from storage.models import Report

EDIT_WINDOW = timedelta(hours=24)
PREVIEW = 40
HAMLET_LIMIT = 10
# "#96": report number 96, whatever the list shows.
_REPORT_NUMBER = re.compile(r"^#\s*(\d{1,9})$")


class At(Steps, flow="recent"):
    LIST = "list"
    DETAIL = "detail"
    WITHDRAW = "withdraw"
    FIELD = "field"
    VALUE = "value"


class RecentState(FlowState):
    """The report opened, and the field of it being edited."""

    report_id: int = 0
    field: str = ""


def _preview(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= PREVIEW else text[: PREVIEW - 1] + "…"


def _kind_label(ctx: Ctx, report: Report) -> str:
    if report.kind is ReportKind.INCIDENT and report.category:
        return str(ctx.t(f"category.{report.category}"))
    return str(ctx.t(f"kind.{report.kind.value}"))


def _line(ctx: Ctx, report: Report, unit_names: dict[int, str]) -> str:
    day = ctx.t.date(report.occurred_at.astimezone(ctx.tz).date())
    parts = [f"#{report.id}", day]
    if report.unit_id in unit_names:
        parts.append(unit_names[report.unit_id])
    parts.append(_kind_label(ctx, report))
    if report.text and _may_read(ctx, report):
        parts.append(_preview(report.text))
    if report.withdrawn_at is not None:
        parts.append(str(ctx.t("recent.withdrawn_mark")))
    return " · ".join(parts)


async def start(ctx: Ctx) -> None:
    ctx.begin(RecentState())
    hamlet = ctx.hamlet
    hidden = 0
    if hamlet is not None:
        found = await recent_reports.in_hamlet(ctx.session, hamlet.id, HAMLET_LIMIT)
    else:
        unit = access.office(ctx)
        listed = await reports.recent_in_unit(ctx.session, unit.id)
        found = [r for r in listed if await _officer_may_open(ctx, r)]
        hidden = len(listed) - len(found)
    note = ctx.t("recent.confidential_count", count=hidden) if hidden else None
    if not found:
        ctx.finish(Markup("\n").join([ctx.t("recent.none"), *([note] if note else [])]))
        return
    # An officer follows many hamlets: say whose report each line is.
    named = {r.unit_id for r in found} if hamlet is None else set()
    unit_names = await recent_reports.unit_names(ctx.session, named)
    options = [Choice(id=str(r.id), label=_line(ctx, r, unit_names)) for r in found]
    ctx.ask(At.LIST, ctx.t("recent.pick"), [*options, ctx.back_choice()], intro=note)


async def _officer_may_open(ctx: Ctx, report: Report) -> bool:
    """Confidential categories are for the officers named for them; the others see a count,
    as in the digests."""
    return not report.sensitive or await followup.may_act(ctx, report)


async def _may_see(ctx: Ctx, report: Report) -> bool:
    """Whether "#N" may open this report: one of the hamlet's, or of the officer's subtree."""
    hamlet = ctx.hamlet
    if hamlet is not None:
        return report.unit_id == hamlet.id
    unit = access.acting_unit(ctx)
    return (
        unit is not None
        and report.withdrawn_at is None
        and await alert_records.in_subtree(ctx.session, unit.id, report.unit_id)
        and await _officer_may_open(ctx, report)
    )


def _editable(ctx: Ctx, report: Report) -> bool:
    return (
        report.reporter_id == ctx.person.id
        and report.withdrawn_at is None
        and ctx.now - report.received_at <= EDIT_WINDOW
    )


def _may_read(ctx: Ctx, report: Report) -> bool:
    """Only its author reads the text of a confidential report here."""
    return report.reporter_id == ctx.person.id or not report.sensitive


async def _show(ctx: Ctx, report_id: int) -> None:
    report = await recent_reports.find(ctx.session, report_id)
    if report is None:
        ctx.finish()
        return
    unit = await recent_reports.unit_of(ctx.session, report)
    text = report.text if _may_read(ctx, report) else str(ctx.t("recent.confidential"))
    details = ctx.t(
        "recent.details",
        number=report.id,
        kind=_kind_label(ctx, report),
        unit=unit.label,
        date=ctx.t.date(report.occurred_at.astimezone(ctx.tz).date()),
        text=text or ctx.t("common.none"),
    )
    if report.withdrawn_at is not None:
        details = Markup(f"{details}\n{ctx.t('recent.withdrawn_mark')}")
    elif ctx.hamlet is not None and report.reporter_id != ctx.person.id:
        details = Markup(f"{details}\n{await _author_line(ctx, report)}")
    ctx.state(RecentState).report_id = report.id
    ctx.ask(At.DETAIL, details, [*_actions(ctx, report), ctx.back_choice()])


async def _author_line(ctx: Ctx, report: Report) -> Markup:
    name = await recent_reports.author_name(ctx.session, report)
    return ctx.t("recent.by_other", name=name or ctx.t("common.none"))


def _actions(ctx: Ctx, report: Report) -> list[Choice]:
    """Only what can be done: a quiet week has nothing to edit, only to withdraw."""
    if not _editable(ctx, report):
        return []
    actions = [] if report.kind is ReportKind.NOTHING else ["edit"]
    return [Choice(id=a, label=str(ctx.t(f"recent.{a}"))) for a in [*actions, "withdraw"]]


async def on_list(ctx: Ctx, event: InEvent) -> None:
    typed = (event.text or "").strip() if event.kind == "text" else ""
    by_number = _REPORT_NUMBER.match(typed)
    if by_number is not None:
        await _open_number(ctx, int(by_number.group(1)))
        return
    if typed.isdecimal() and not 1 <= int(typed) <= len(ctx.offered):
        await _open_listed(ctx, int(typed))
        return
    chosen = ctx.choose(event)
    if chosen is not None:
        await _show(ctx, int(chosen))


async def _open_number(ctx: Ctx, number: int) -> None:
    """Report 96 for "#96", listed or not, when it is one this person may see."""
    report = await recent_reports.find(ctx.session, number)
    if report is None or not await _may_see(ctx, report):
        key = "recent.not_found_hamlet" if ctx.hamlet else "recent.not_found_unit"
        ctx.reprompt(ctx.t(key, number=number))
        return
    await _show(ctx, report.id)


async def _open_listed(ctx: Ctx, number: int) -> None:
    """A number past the options' positions is the number of a listed report."""
    if any(option.id == str(number) for option in ctx.offered):
        await _show(ctx, number)
        return
    count = len(ctx.offered)
    ctx.reprompt(ctx.t("recent.number_unknown", number=number, count=count))


async def _own_editable(ctx: Ctx) -> Report | None:
    report = await recent_reports.find(ctx.session, ctx.state(RecentState).report_id)
    if report is None or not _editable(ctx, report):
        ctx.finish(ctx.t("recent.too_late"))
        return None
    return report


async def on_detail(ctx: Ctx, event: InEvent) -> None:
    chosen = ctx.choose(event)
    if chosen is None:
        return
    report = await _own_editable(ctx)
    if report is None:
        return
    if chosen == "withdraw":
        options = [Choice(id="yes", label=str(ctx.t("recent.withdraw_yes"))), ctx.back_choice()]
        ctx.ask(At.WITHDRAW, ctx.t("recent.withdraw_confirm", number=report.id), options)
        return
    fields = [Choice(id="text", label=str(ctx.t("field.text")))]
    if report.kind is ReportKind.INCIDENT:
        fields += [
            Choice(id="category", label=str(ctx.t("field.category"))),
            Choice(id="urgency", label=str(ctx.t("field.urgency"))),
        ]
    elif report.kind is ReportKind.ACTIVITY:
        fields.append(Choice(id="participants", label=str(ctx.t("field.participants"))))
    if report.kind is ReportKind.NOTHING:
        fields = []
    if not fields:
        ctx.reprompt(ctx.t("recent.nothing_to_edit"))
        return
    ctx.ask(At.FIELD, ctx.t("report.which_field"), [*fields, ctx.back_choice()])


async def on_withdraw(ctx: Ctx, event: InEvent) -> None:
    if ctx.choose(event) is None:
        return
    report = await _own_editable(ctx)
    if report is None:
        return
    recent_reports.withdraw_report(ctx.session, report, ctx.person.id, ctx.now)
    ctx.finish(ctx.t("recent.withdrawn", number=report.id))


async def on_field(ctx: Ctx, event: InEvent) -> None:
    chosen = ctx.choose(event)
    if chosen is None:
        return
    ctx.state(RecentState).field = chosen
    if chosen == "category":
        ctx.ask(At.VALUE, ctx.t("incident.ask_category"), incident.category_choices(ctx))
    elif chosen == "urgency":
        ctx.ask(At.VALUE, ctx.t("incident.ask_urgency"), incident.urgency_choices(ctx))
    elif chosen == "participants":
        ctx.ask(At.VALUE, ctx.t("activity.ask_participants"))
    else:
        ctx.ask(At.VALUE, ctx.t("recent.ask_new_text", limit=drafting.MAX_TEXT))


async def on_value(ctx: Ctx, event: InEvent) -> None:
    field = ctx.state(RecentState).field
    new_value = _new_value(ctx, event, field)
    if new_value is None:
        return
    report = await _own_editable(ctx)
    if report is None:
        return
    recent_reports.edit_report(ctx.session, report, field, new_value, ctx.person.id, ctx.now)
    if field == "urgency" and report.urgent and report.kind is ReportKind.INCIDENT:
        await incident.alert_officers(ctx, report)
    ctx.finish(ctx.t("recent.edited", number=report.id))


def _new_value(ctx: Ctx, event: InEvent, field: str) -> str | bool | int | None:
    """The answer as the field's new value; None when the question is asked again."""
    if field in ("category", "urgency"):
        chosen = ctx.choose(event)
        if chosen is None:
            return None
        return chosen if field == "category" else chosen == "yes"
    if field == "participants":
        digits = (event.text or "").strip() if event.kind == "text" else ""
        if not digits.isdecimal() or not 1 <= int(digits) <= 100_000:
            ctx.reprompt(ctx.t("activity.participants_expected"))
            return None
        return int(digits)
    return drafting.text_answer(ctx, event)


RECENT = Flow(
    At,
    RecentState,
    # A hamlet's head and deputy read the hamlet's reports, an officer their unit's.
    needs=access.Need.ANYONE,
    entry=(At.LIST,),
    steps={
        At.LIST: Step(on_list, then=(At.DETAIL,)),
        At.DETAIL: Step(on_detail, then=(At.WITHDRAW, At.FIELD)),
        At.WITHDRAW: Step(on_withdraw),
        At.FIELD: Step(on_field, then=(At.VALUE,)),
        At.VALUE: Step(on_value),
    },
)
# Declared flows of this module; handlers/flows/__init__.py gathers them.
FLOWS: tuple[Flow[Any], ...] = (RECENT,)
