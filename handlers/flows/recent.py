"""Recent reports: a hamlet's head and deputy see the hamlet's, and edit or withdraw their own;
an officer reads the unit's (confidential ones only as a count, unless named for them)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from markupsafe import Markup
from sqlalchemy import select

from handlers.context import Ctx
from handlers.flow import Flow
from handlers.flows import drafting, followup, incident, menu, officer
from handlers.messages import Choice, InEvent
from handlers.registry import step
from storage import alerts as alert_records
from storage import reports
from storage.enums import IncidentCategory, ReportKind
from storage.models import Person, Report, Unit

FLOW = "recent"
EDIT_WINDOW = timedelta(hours=24)
PREVIEW = 40
BACK = "back"
HAMLET_LIMIT = 10
# "#96": report number 96, whatever the list shows.
_REPORT_NUMBER = re.compile(r"^#\s*(\d{1,9})$")


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


def _back(ctx: Ctx) -> Choice:
    return Choice(id=BACK, label=str(ctx.t("common.back_to_menu")))


async def start(ctx: Ctx) -> None:
    ctx.data = {}
    hamlet = ctx.hamlet
    hidden = 0
    if hamlet is not None:
        found = await _recent_in_hamlet(ctx, hamlet)
    else:
        unit = officer.unit_of(ctx)
        assert unit is not None
        listed = await reports.recent_in_unit(ctx.session, unit.id)
        found = [r for r in listed if await _officer_may_open(ctx, r)]
        hidden = len(listed) - len(found)
    note = ctx.t("recent.confidential_count", count=hidden) if hidden else None
    if not found:
        menu.show(ctx, Markup("\n").join([ctx.t("recent.none"), *([note] if note else [])]))
        return
    # An officer follows many hamlets: say whose report each line is.
    unit_names = {} if hamlet is not None else await _unit_names(ctx, found)
    options = [Choice(id=str(r.id), label=_line(ctx, r, unit_names)) for r in found]
    ctx.legacy_ask(FLOW, "list", ctx.t("recent.pick"), [*options, _back(ctx)], intro=note)


async def _recent_in_hamlet(ctx: Ctx, hamlet: Unit) -> list[Report]:
    """The hamlet's reports, whoever of its head and deputy sent them, newest first."""
    query = (
        select(Report)
        .where(Report.unit_id == hamlet.id)
        .order_by(Report.received_at.desc(), Report.id.desc())
        .limit(HAMLET_LIMIT)
    )
    return list((await ctx.session.execute(query)).scalars())


async def _officer_may_open(ctx: Ctx, report: Report) -> bool:
    """Confidential categories are for the officers named for them; the others see a count,
    as in the digests."""
    return not report.sensitive or await followup.may_act(ctx, report)


async def _may_see(ctx: Ctx, report: Report) -> bool:
    """Whether "#N" may open this report: one of the hamlet's, or of the officer's subtree."""
    hamlet = ctx.hamlet
    if hamlet is not None:
        return report.unit_id == hamlet.id
    unit = officer.unit_of(ctx)
    return (
        unit is not None
        and report.withdrawn_at is None
        and await alert_records.in_subtree(ctx.session, unit.id, report.unit_id)
        and await _officer_may_open(ctx, report)
    )


async def _unit_names(ctx: Ctx, found: list[Report]) -> dict[int, str]:
    query = select(Unit.id, Unit.name).where(Unit.id.in_({r.unit_id for r in found}))
    return {unit_id: name for unit_id, name in (await ctx.session.execute(query)).all()}


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
    report = await ctx.session.get(Report, report_id)
    if report is None:
        menu.show(ctx)
        return
    unit = await ctx.session.get_one(Unit, report.unit_id)
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
    ctx.data["report_id"] = report.id
    ctx.legacy_ask(FLOW, "detail", details, [*_actions(ctx, report), _back(ctx)])


async def _author_line(ctx: Ctx, report: Report) -> Markup:
    author = await ctx.session.get(Person, report.reporter_id) if report.reporter_id else None
    name = author.full_name if author else ctx.t("common.none")
    return ctx.t("recent.by_other", name=name)


def _actions(ctx: Ctx, report: Report) -> list[Choice]:
    """Only what can be done: a quiet week has nothing to edit, only to withdraw."""
    if not _editable(ctx, report):
        return []
    actions = [] if report.kind is ReportKind.NOTHING else ["edit"]
    return [Choice(id=a, label=str(ctx.t(f"recent.{a}"))) for a in [*actions, "withdraw"]]


async def _picked(ctx: Ctx, event: InEvent) -> str | None:
    """The chosen option's id; "back" goes to the menu and, like a wrong answer, gives None."""
    chosen = ctx.choose(event)
    if chosen == BACK:
        menu.show(ctx)
        return None
    return chosen


@step(FLOW, "list")
async def on_list(ctx: Ctx, event: InEvent) -> None:
    typed = (event.text or "").strip() if event.kind == "text" else ""
    by_number = _REPORT_NUMBER.match(typed)
    if by_number is not None:
        await _open_number(ctx, int(by_number.group(1)))
        return
    if typed.isdecimal() and not 1 <= int(typed) <= len(ctx.offered):
        await _open_listed(ctx, int(typed))
        return
    chosen = await _picked(ctx, event)
    if chosen is not None:
        await _show(ctx, int(chosen))


async def _open_number(ctx: Ctx, number: int) -> None:
    """Report 96 for "#96", listed or not, when it is one this person may see."""
    report = await ctx.session.get(Report, number)
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
    report = await ctx.session.get(Report, int(ctx.data.get("report_id", 0)))
    if report is None or not _editable(ctx, report):
        menu.show(ctx, ctx.t("recent.too_late"))
        return None
    return report


@step(FLOW, "detail")
async def on_detail(ctx: Ctx, event: InEvent) -> None:
    chosen = await _picked(ctx, event)
    if chosen is None:
        return
    report = await _own_editable(ctx)
    if report is None:
        return
    if chosen == "withdraw":
        options = [
            Choice(id="yes", label=str(ctx.t("recent.withdraw_yes"))),
            Choice(id=BACK, label=str(ctx.t("common.back_to_menu"))),
        ]
        ctx.legacy_ask(
            FLOW, "withdraw", ctx.t("recent.withdraw_confirm", number=report.id), options
        )
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
    ctx.legacy_ask(FLOW, "field", ctx.t("report.which_field"), [*fields, _back(ctx)])


@step(FLOW, "withdraw")
async def on_withdraw(ctx: Ctx, event: InEvent) -> None:
    if await _picked(ctx, event) is None:
        return
    report = await _own_editable(ctx)
    if report is None:
        return
    report.withdrawn_at = ctx.now
    reports.record_change(ctx.session, report, ctx.person.id, "withdrawn", {}, ctx.now)
    menu.show(ctx, ctx.t("recent.withdrawn", number=report.id))


@step(FLOW, "field")
async def on_field(ctx: Ctx, event: InEvent) -> None:
    chosen = await _picked(ctx, event)
    if chosen is None:
        return
    ctx.data["field"] = chosen
    if chosen == "category":
        ctx.legacy_ask(
            FLOW, "value", ctx.t("incident.ask_category"), incident.category_choices(ctx)
        )
    elif chosen == "urgency":
        ctx.legacy_ask(FLOW, "value", ctx.t("incident.ask_urgency"), incident.urgency_choices(ctx))
    elif chosen == "participants":
        ctx.legacy_ask(FLOW, "value", ctx.t("activity.ask_participants"))
    else:
        ctx.legacy_ask(FLOW, "value", ctx.t("recent.ask_new_text", limit=drafting.MAX_TEXT))


@step(FLOW, "value")
async def on_value(ctx: Ctx, event: InEvent) -> None:
    field = str(ctx.data.get("field"))
    new_value: object
    if field in ("category", "urgency"):
        chosen = ctx.choose(event)
        if chosen is None:
            return
        new_value = chosen if field == "category" else chosen == "yes"
    elif field == "participants":
        digits = (event.text or "").strip() if event.kind == "text" else ""
        if not digits.isdecimal() or not 1 <= int(digits) <= 100_000:
            ctx.reprompt(ctx.t("activity.participants_expected"))
            return
        new_value = int(digits)
    else:
        text = drafting.text_answer(ctx, event)
        if text is None:
            return
        new_value = text
    report = await _own_editable(ctx)
    if report is None:
        return
    _apply(ctx, report, field, new_value)
    if field == "urgency" and report.urgent and report.kind is ReportKind.INCIDENT:
        await incident.alert_officers(ctx, report)
    menu.show(ctx, ctx.t("recent.edited", number=report.id))


def _apply(ctx: Ctx, report: Report, field: str, value: object) -> None:
    column = {"urgency": "urgent"}.get(field, field)
    old = getattr(report, column)
    setattr(report, column, value)
    if field == "category":
        report.sensitive = IncidentCategory(str(value)).confidential
    changes = {column: [old, value]}
    reports.record_change(ctx.session, report, ctx.person.id, "edited", changes, ctx.now)


# Declared flows of this module; handlers/flows/__init__.py gathers them.
FLOWS: tuple[Flow[Any], ...] = ()
