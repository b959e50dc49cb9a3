"""The officer's conversations: summaries, silent hamlets, open incidents, exports, invites,
the model registry, and the schedule. Everything stays inside the officer's own subtree."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta
from typing import Any

from markupsafe import Markup
from sqlalchemy import func, select

from handlers import alerts, digest_text, periods, picklist, report_delivery, when
from handlers.choices import with_letters_hint
from handlers.context import Ctx, StaleChoice
from handlers.digest import build
from handlers.digest_delivery import Extras, messages, workbook_message
from handlers.flow import Flow
from handlers.flows import drafting, followup, incident, menu
from handlers.messages import Choice, InEvent
from handlers.periods import Period
from handlers.registry import step
from handlers.steps import Steps
from handlers.titles import capitalized, role_word
from storage import alerts as alert_records
from storage import audit, files, invites, models_registry, pauses, people, registry, schedules
from storage import units as unit_records
from storage.enums import ModelStatus, Role, UnitKind
from storage.models import (
    IncidentEvent,
    ModelInstance,
    ModelType,
    Organization,
    Person,
    Report,
    ReportPhoto,
    Unit,
)
from storage.schedules import WeeklyTime
from storage.text import fold

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
_WEEKLY = re.compile(r"^(?:thu\s*|t)?([2-7]|cn|chu nhat)\s+(\d{1,2})\s*(?:h|gio)?\s*(\d{2})?$")


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


def _must_choose_unit(ctx: Ctx) -> bool:
    units = officer_units(ctx)
    return len(units) > 1 and all(u.id != ctx.person.acting_unit_id for u in units)


def _asks_unit_first(ctx: Ctx, then: str, argument: str = "") -> bool:
    """An officer of several units who never chose one is asked first, then goes on."""
    if not _must_choose_unit(ctx):
        return False
    _ask_unit(ctx, then, argument)
    return True


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


# The unit the officer acts for -------------------------------------------------------------


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


# Summary -------------------------------------------------------------------------------


async def ask_summary(ctx: Ctx) -> None:
    if _asks_unit_first(ctx, "sum"):
        return
    ctx.legacy_ask(FLOW, "summary", ctx.t("officer.ask_period"), _period_choices(ctx))


@step(FLOW, "summary")
async def on_summary(ctx: Ctx, event: InEvent) -> None:
    chosen = await _picked(ctx, event)
    unit = unit_of(ctx)
    if chosen is None:
        return
    if unit is None:
        _refuse(ctx)
        return
    await send_summary(ctx, unit, PERIODS[chosen](ctx.local_now))
    menu.show(ctx)


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
    unit = unit_of(ctx)
    if unit is None:
        _refuse(ctx)
        return
    target = unit
    if argument:
        kinds = (*OFFICE_KINDS, UnitKind.HAMLET)
        found = await registry.find_in_subtree(ctx.session, unit.id, argument, kinds)
        if len(found) != 1:
            problem = await _unit_problem(ctx, unit, argument, kinds, found)
            if not found:
                problem += "\n" + await _summary_usage(ctx, unit, argument)
            ctx.say(problem)
            return
        target = found[0]
    ctx.reset()
    await send_summary(ctx, target, periods.last_week(ctx.local_now))
    menu.show(ctx)


# Silent hamlets ------------------------------------------------------------------------


async def show_missing(ctx: Ctx, unit: Unit | None = None, period: Period | None = None) -> None:
    """The hamlets that have not reported: this week's of the officer's own unit from the
    menu; a digest's own unit and period from its button."""
    if unit is None and _asks_unit_first(ctx, "missing"):
        return
    unit = unit or unit_of(ctx)
    if unit is None:
        _refuse(ctx)
        return
    period = period or periods.this_week(ctx.local_now)
    digest = await build(ctx.session, unit.id, period, ctx.now, ctx.tz)
    label = digest_text.period_label(ctx.t, period)
    if not digest.missing:
        menu.show(ctx, ctx.t("officer.none_missing", period=label))
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
    menu.show(ctx, Markup("\n").join(lines))


# Open incidents ------------------------------------------------------------------------


async def list_open(ctx: Ctx, unit: Unit | None = None) -> None:
    """The open incidents of the officer's unit (or a digest's), a page at a time."""
    if unit is None and _asks_unit_first(ctx, "open"):
        return
    unit = unit or unit_of(ctx)
    if unit is None:
        _refuse(ctx)
        return
    entries = await _open_entries(ctx, unit)
    if not entries:
        menu.show(ctx, ctx.t("officer.no_open"))
        return
    ctx.data["open_unit_id"] = unit.id
    picklist.ask(ctx, Listed.OPEN, _open_question(ctx, unit), entries, [_back(ctx)])


def _open_question(ctx: Ctx, unit: Unit) -> Markup:
    return Markup("\n").join(
        [ctx.t("officer.open_in", unit=unit.label), ctx.t("officer.pick_incident")]
    )


async def _open_entries(ctx: Ctx, unit: Unit) -> list[picklist.Entry]:
    found = await registry.open_incidents(ctx.session, unit.id, MAX_LISTED)
    readable = [r for r in found if not r.sensitive or await followup.may_act(ctx, r)]
    hamlets = await _units_by_id(ctx, {r.unit_id for r in readable})
    entries = []
    for report in readable:
        hamlet = hamlets[report.unit_id]
        category = ctx.t(f"category.{report.category}")
        label = ctx.t(
            "officer.open_line",
            number=report.id,
            hamlet=hamlet.label,
            category=category,
            status=ctx.t(f"status.{report.status.value if report.status else 'open'}"),
            age=max(0, (ctx.now - report.received_at).days),
        )
        names = (hamlet.name, hamlet.label, str(category))
        entries.append(picklist.Entry(id=str(report.id), label=str(label), names=names))
    return entries


async def _units_by_id(ctx: Ctx, unit_ids: set[int]) -> dict[int, Unit]:
    if not unit_ids:
        return {}
    query = select(Unit).where(Unit.id.in_(unit_ids))
    return {unit.id: unit for unit in (await ctx.session.execute(query)).scalars()}


@step(FLOW, "open")
async def on_open(ctx: Ctx, event: InEvent) -> None:
    unit = await ctx.session.get(Unit, int(ctx.data.get("open_unit_id", 0))) or unit_of(ctx)
    if unit is None:
        _refuse(ctx)
        return
    entries = await _open_entries(ctx, unit)
    question = _open_question(ctx, unit)
    chosen = await picklist.answer(ctx, event, Listed.OPEN, entries, question, [_back(ctx)])
    if chosen == BACK:
        menu.show(ctx)
        return
    if chosen is None:
        return
    report = await ctx.session.get(Report, int(chosen)) if chosen.isdecimal() else None
    if report is None or not await followup.may_act(ctx, report):
        _refuse(ctx)
        return
    if report.sensitive:
        audit.record(
            ctx.session,
            at=ctx.now,
            person_id=ctx.person.id,
            action="view_confidential",
            subject=f"report:{report.id}",
        )
    await _show_incident(ctx, report)


async def _show_incident(ctx: Ctx, report: Report, intro: Markup | None = None) -> None:
    """What the officer needs to act: the report, who sent it, where, and what was done."""
    alert = await alerts.load(ctx.session, report)
    history = await alert_records.events_of(ctx.session, report.id)
    lines = [await _incident_text(ctx, alert)]
    options = alerts.choices_left(ctx.t, alert.status)
    if history:
        lines.append(ctx.t("officer.events", count=len(history)))
        options.append(Choice(id=HISTORY, label=str(ctx.t("officer.see_history"))))
    ctx.data["report_id"] = report.id
    ctx.legacy_ask(FLOW, "incident", Markup("\n").join(lines), [*options, _back(ctx)], intro=intro)


async def _incident_text(ctx: Ctx, alert: alerts.Alert) -> Markup:
    report = alert.report
    title = "officer.incident_title_urgent" if report.urgent else "officer.incident_title"
    photos = await ctx.session.scalar(
        select(func.count()).select_from(ReportPhoto).where(ReportPhoto.report_id == report.id)
    )
    return Markup("\n").join(
        [
            ctx.t(title, number=report.id, unit=alert.unit.label),
            ctx.t(
                "officer.incident_details",
                status=alerts.state_text(alert, ctx.t, ctx.tz),
                urgency=ctx.t("incident.urgent_yes" if report.urgent else "incident.urgent_no"),
                category=ctx.t(f"category.{report.category}"),
                text=report.text,
                place=_place(ctx, report),
                photos=ctx.t("officer.photos", count=photos) if photos else ctx.t("common.none"),
                reporter=await _reporter(ctx, report),
                occurred=ctx.t.date(report.occurred_at.astimezone(ctx.tz).date()),
                received=ctx.t.moment(report.received_at.astimezone(ctx.tz)),
            ),
        ]
    )


def _place(ctx: Ctx, report: Report) -> Markup | str:
    """The place as typed, and a map link where the reporter sent their position."""
    if report.latitude is None or report.longitude is None:
        return report.place or ctx.t("common.none")
    lat, lon = f"{report.latitude:.5f}", f"{report.longitude:.5f}"
    url = f"https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=17/{lat}/{lon}"
    gps = ctx.t("officer.place_map", lat=lat, lon=lon, url=url)
    return ctx.t("officer.place_and_map", place=report.place, map=gps) if report.place else gps


async def _reporter(ctx: Ctx, report: Report) -> Markup | str:
    reporter = await ctx.session.get(Person, report.reporter_id) if report.reporter_id else None
    if reporter is None:
        return ctx.t("common.none")
    if reporter.phone:
        return ctx.t("officer.reporter_phone", name=reporter.full_name, phone=reporter.phone)
    return reporter.full_name


async def _history(ctx: Ctx, report: Report) -> Markup:
    """Every step of the follow-up: when, who, what, and the note."""
    events = await alert_records.events_of(ctx.session, report.id)
    names = await people.names_of(ctx.session, {e.person_id for e in events if e.person_id})
    lines = [ctx.t("officer.history_title", number=report.id, count=len(events))]
    for event in events:
        lines.append(
            ctx.t(
                "officer.history_line",
                at=ctx.t.moment(event.at.astimezone(ctx.tz)),
                who=names.get(event.person_id or 0) or ctx.t("officer.history_system"),
                what=_event_text(ctx, event),
            )
        )
    return Markup("\n").join(lines)


def _event_text(ctx: Ctx, event: IncidentEvent) -> Markup:
    status = ctx.t(f"status.{event.status.value}") if event.status else ""
    return ctx.t(
        f"officer.event_{event.kind.value}",
        level=(event.level or 0) + 1,
        recipients=event.recipients,
        status=status,
        note=event.note,
    )


@step(FLOW, "incident")
async def on_incident(ctx: Ctx, event: InEvent) -> None:
    chosen = await _picked(ctx, event)
    if chosen is None:
        return
    report_id = int(ctx.data.get("report_id", 0))
    if chosen == HISTORY:
        report = await ctx.session.get(Report, report_id)
        if report is None or not await followup.may_act(ctx, report):
            _refuse(ctx)
            return
        await _show_incident(ctx, report, intro=await _history(ctx, report))
        return
    ctx.reset()
    await followup.act_on_incident(ctx, report_id, chosen, from_list=True)
    if ctx.is_idle:
        await list_open(ctx)


# Export --------------------------------------------------------------------------------


async def ask_export(ctx: Ctx) -> None:
    if _asks_unit_first(ctx, "xlsx"):
        return
    ctx.legacy_ask(FLOW, "export", ctx.t("officer.ask_export_period"), _period_choices(ctx))


@step(FLOW, "export")
async def on_export(ctx: Ctx, event: InEvent) -> None:
    chosen = await _picked(ctx, event)
    unit = unit_of(ctx)
    if chosen is None:
        return
    if unit is None:
        _refuse(ctx)
        return
    await send_workbook(ctx, unit, PERIODS[chosen](ctx.local_now))
    menu.show(ctx)


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
    return [*found, _back(ctx)]


async def ask_report(ctx: Ctx) -> None:
    if _asks_unit_first(ctx, "docx"):
        return
    unit = unit_of(ctx)
    if unit is None:
        _refuse(ctx)
        return
    if not ctx.traits.receives_files:
        period = periods.last_month(ctx.local_now)
        code = unit.code or f'"id {unit.id}"'
        menu.show(ctx, ctx.t("officer.report_elsewhere", code=code, month=period.key))
        return
    ctx.legacy_ask(FLOW, "report", ctx.t("officer.ask_report_period"), _report_choices(ctx))


@step(FLOW, "report")
async def on_report(ctx: Ctx, event: InEvent) -> None:
    typed = periods.read_period(event.text or "", ctx.local_now) if event.kind == "text" else None
    if typed is None:
        chosen = await _picked(ctx, event)
        if chosen is None:
            return
        period = REPORT_PERIODS[chosen](ctx.local_now)
    elif typed.first_day > ctx.local_now.date():
        ctx.reprompt(ctx.t("officer.report_not_begun"))
        return
    else:
        period = typed
    unit = unit_of(ctx)
    if unit is None:
        _refuse(ctx)
        return
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
    menu.show(ctx)


# Invites -------------------------------------------------------------------------------


async def ask_invite_role(ctx: Ctx) -> None:
    if _asks_unit_first(ctx, "invite"):
        return
    options = [Choice(id=r.value, label=str(ctx.t(f"role.{r.value}"))) for r in INVITE_ROLES]
    ctx.legacy_ask(FLOW, "invite_role", ctx.t("officer.ask_invite_role"), [*options, _back(ctx)])


@step(FLOW, "invite_role")
async def on_invite_role(ctx: Ctx, event: InEvent) -> None:
    chosen = await _picked(ctx, event)
    unit = unit_of(ctx)
    if chosen is None:
        return
    if unit is None:
        _refuse(ctx)
        return
    role = Role(chosen)
    ctx.data["role"] = role.value
    kinds = (UnitKind.HAMLET,) if role in HAMLET_ROLES else OFFICE_KINDS
    await _ask_unit_in(ctx, "invite_unit", unit, kinds)


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


@step(FLOW, "invite_unit")
async def on_invite_unit(ctx: Ctx, event: InEvent) -> None:
    unit = unit_of(ctx)
    if unit is None:
        _refuse(ctx)
        return
    role = Role(str(ctx.data.get("role")))
    kinds = (UnitKind.HAMLET,) if role in HAMLET_ROLES else OFFICE_KINDS
    target = await _unit_answer(ctx, event, unit, kinds)
    if target is None:
        return
    heads = await _heads_of(ctx, target) if role is Role.REPORTER else []
    if heads:
        _ask_handover(ctx, target, heads)
        return
    await _create_invite(ctx, target, role)


async def _heads_of(ctx: Ctx, hamlet: Unit) -> list[str]:
    return [
        p.full_name for p in await people.holders(ctx.session, hamlet.id, Role.REPORTER, ctx.now)
    ]


def _ask_handover(ctx: Ctx, hamlet: Unit, heads: list[str]) -> None:
    """A hamlet has one head: the officer says whether the newcomer replaces them."""
    names, head = ", ".join(heads), role_word(ctx.t, Role.REPORTER, hamlet)
    question = ctx.t("officer.ask_handover", unit=capitalized(hamlet.label), role=head, name=names)
    options = [
        Choice(id=REPLACE, label=str(ctx.t("officer.handover_replace", name=names, role=head))),
        Choice(
            id=AS_DEPUTY,
            label=str(
                ctx.t("officer.handover_deputy", deputy=role_word(ctx.t, Role.DEPUTY, hamlet))
            ),
        ),
    ]
    ctx.data["unit_id"] = hamlet.id
    ctx.legacy_ask(FLOW, "invite_handover", question, [*options, _back(ctx)])


@step(FLOW, "invite_handover")
async def on_invite_handover(ctx: Ctx, event: InEvent) -> None:
    chosen = await _picked(ctx, event)
    if chosen is None:
        return
    unit = unit_of(ctx)
    hamlet = await ctx.session.get(Unit, int(ctx.data.get("unit_id") or 0))
    if (
        unit is None
        or hamlet is None
        or not await alert_records.in_subtree(ctx.session, unit.id, hamlet.id)
    ):
        _refuse(ctx)
        return
    await _create_invite(ctx, hamlet, Role.REPORTER if chosen == REPLACE else Role.DEPUTY)


async def _create_invite(ctx: Ctx, target: Unit, role: Role) -> None:
    invite = await invites.create(
        ctx.session,
        unit_id=target.id,
        role=role,
        now=ctx.now,
        valid_for=timedelta(days=INVITE_DAYS),
        created_by_person_id=ctx.person.id,
    )
    parts = [
        ctx.t(
            "officer.invite_code",
            code=invite.code,
            role=ctx.t(f"role.{role.value}"),
            unit=target.label,
            until=ctx.t.date(invite.expires_at.astimezone(ctx.tz).date()),
        )
    ]
    heads = await _heads_of(ctx, target) if role is Role.REPORTER else []
    if heads:
        head = role_word(ctx.t, Role.REPORTER, target)
        parts.append(ctx.t("officer.invite_replaces", name=", ".join(heads), role=head))
    menu.show(ctx, Markup("\n").join(parts))


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


# Model registry ------------------------------------------------------------------------


async def list_models(ctx: Ctx, intro: Markup | None = None) -> None:
    if _asks_unit_first(ctx, "models"):
        return
    unit = unit_of(ctx)
    if unit is None:
        _refuse(ctx)
        return
    found = await registry.models_in(ctx.session, unit.id, MAX_CHOICES)
    options = [
        Choice(
            id=str(instance.id),
            label=str(
                ctx.t(
                    "officer.model_line",
                    hamlet=hamlet.label,
                    model=model_type.name,
                    organization=organization.name,
                    status=ctx.t(f"model_status.{instance.status.value}"),
                )
            ),
        )
        for instance, model_type, organization, hamlet in found
    ]
    add = Choice(id="add", label=str(ctx.t("officer.model_add")))
    question = ctx.t("officer.models" if options else "officer.no_models")
    ctx.legacy_ask(FLOW, "models", question, [add, *options, _back(ctx)], intro=intro)


@step(FLOW, "models")
async def on_models(ctx: Ctx, event: InEvent) -> None:
    chosen = await _picked(ctx, event)
    unit = unit_of(ctx)
    if chosen is None:
        return
    if unit is None:
        _refuse(ctx)
        return
    if chosen == "add":
        await _ask_unit_in(ctx, "model_hamlet", unit, (UnitKind.HAMLET,))
        return
    instance = await ctx.session.get(ModelInstance, int(chosen))
    if instance is None or not await alert_records.in_subtree(
        ctx.session, unit.id, instance.hamlet_id
    ):
        _refuse(ctx)
        return
    await _show_model(ctx, instance)


async def _model_parts(
    ctx: Ctx, model_type_id: int, organization_id: int, hamlet_id: int
) -> tuple[ModelType, Organization, Unit]:
    return (
        await ctx.session.get_one(ModelType, model_type_id),
        await ctx.session.get_one(Organization, organization_id),
        await ctx.session.get_one(Unit, hamlet_id),
    )


async def _show_model(ctx: Ctx, instance: ModelInstance, intro: Markup | None = None) -> None:
    model_type, organization, hamlet = await _model_parts(
        ctx, instance.model_type_id, instance.organization_id, instance.hamlet_id
    )
    actions = {
        ModelStatus.ACTIVE: ("pause", "stop"),
        ModelStatus.PAUSED: ("resume", "stop"),
        ModelStatus.STOPPED: ("resume",),
    }[instance.status]
    options = [Choice(id=a, label=str(ctx.t(f"officer.model_{a}"))) for a in actions]
    ctx.data["instance_id"] = instance.id
    text = ctx.t(
        "officer.model_details",
        hamlet=hamlet.label,
        model=model_type.name,
        organization=organization.name,
        status=ctx.t(f"model_status.{instance.status.value}"),
        started=ctx.t.date(instance.started_on),
    )
    ctx.legacy_ask(FLOW, "model", text, [*options, _back(ctx)], intro=intro)


MODEL_STATUS_BY_ACTION = {
    "pause": ModelStatus.PAUSED,
    "stop": ModelStatus.STOPPED,
    "resume": ModelStatus.ACTIVE,
}


async def _own_model(ctx: Ctx) -> ModelInstance | None:
    """The model the officer is looking at, when it is still in their subtree."""
    unit = unit_of(ctx)
    instance = await ctx.session.get(ModelInstance, int(ctx.data.get("instance_id", 0)))
    if (
        unit is None
        or instance is None
        or not await alert_records.in_subtree(ctx.session, unit.id, instance.hamlet_id)
    ):
        return None
    return instance


@step(FLOW, "model")
async def on_model(ctx: Ctx, event: InEvent) -> None:
    chosen = await _picked(ctx, event)
    if chosen is None:
        return
    instance = await _own_model(ctx)
    if instance is None or chosen not in MODEL_STATUS_BY_ACTION:
        _refuse(ctx)
        return
    if chosen != "stop":
        await _set_model_status(ctx, instance, MODEL_STATUS_BY_ACTION[chosen])
        return
    model_type, _, hamlet = await _model_parts(
        ctx, instance.model_type_id, instance.organization_id, instance.hamlet_id
    )
    question = ctx.t("officer.model_stop_confirm", model=model_type.name, hamlet=hamlet.label)
    ctx.legacy_ask(FLOW, "model_stop_confirm", question, incident.yes_no(ctx))


@step(FLOW, "model_stop_confirm")
async def on_model_stop_confirm(ctx: Ctx, event: InEvent) -> None:
    chosen = ctx.choose(event)
    if chosen is None:
        return
    instance = await _own_model(ctx)
    if instance is None:
        _refuse(ctx)
    elif chosen == "yes":
        await _set_model_status(ctx, instance, ModelStatus.STOPPED)
    else:
        await _show_model(ctx, instance, ctx.t("officer.model_not_changed"))


async def _set_model_status(ctx: Ctx, instance: ModelInstance, status: ModelStatus) -> None:
    instance.status = status
    if status is ModelStatus.STOPPED:
        instance.stopped_on = ctx.local_now.date()
    model_type, _, hamlet = await _model_parts(
        ctx, instance.model_type_id, instance.organization_id, instance.hamlet_id
    )
    done = ctx.t(f"officer.model_{status.value}_done", model=model_type.name, hamlet=hamlet.label)
    await list_models(ctx, done)


@step(FLOW, "model_hamlet")
async def on_model_hamlet(ctx: Ctx, event: InEvent) -> None:
    unit = unit_of(ctx)
    if unit is None:
        _refuse(ctx)
        return
    hamlet = await _unit_answer(ctx, event, unit, (UnitKind.HAMLET,))
    if hamlet is None:
        return
    ctx.data["hamlet_id"] = hamlet.id
    types = await registry.model_types(ctx.session)
    options = [Choice(id=str(t.id), label=t.name) for t in types]
    ctx.legacy_ask(FLOW, "model_type", ctx.t("officer.ask_model_type"), [*options, _back(ctx)])


@step(FLOW, "model_type")
async def on_model_type(ctx: Ctx, event: InEvent) -> None:
    chosen = await _picked(ctx, event)
    if chosen is None:
        return
    ctx.data["model_type_id"] = int(chosen)
    found = await registry.organizations(ctx.session)
    options = [Choice(id=str(o.id), label=o.name) for o in found]
    ctx.legacy_ask(FLOW, "model_org", ctx.t("officer.ask_organization"), [*options, _back(ctx)])


@step(FLOW, "model_org")
async def on_model_org(ctx: Ctx, event: InEvent) -> None:
    chosen = await _picked(ctx, event)
    unit = unit_of(ctx)
    if chosen is None:
        return
    hamlet_id = int(ctx.data.get("hamlet_id", 0))
    if unit is None or not await alert_records.in_subtree(ctx.session, unit.id, hamlet_id):
        _refuse(ctx)
        return
    model_type_id, organization_id = int(ctx.data.get("model_type_id", 0)), int(chosen)
    running = await models_registry.running_of_type(ctx.session, hamlet_id, model_type_id)
    same = next((i for i, o in running if o.id == organization_id), None)
    if same is not None:
        ctx.reprompt(await _model_duplicate(ctx, same))
        return
    others = list(dict.fromkeys(o.name for _, o in running))
    await _ask_model_confirm(ctx, organization_id, others)


async def _model_duplicate(ctx: Ctx, instance: ModelInstance) -> Markup:
    """The hamlet already has this very model by this organization: nothing is added."""
    model_type, organization, hamlet = await _model_parts(
        ctx, instance.model_type_id, instance.organization_id, instance.hamlet_id
    )
    return ctx.t(
        "officer.model_duplicate",
        hamlet=capitalized(hamlet.label),
        model=model_type.name,
        organization=organization.name,
        status=ctx.t(f"model_status.{instance.status.value}"),
        started=ctx.t.date(instance.started_on),
    )


async def _ask_model_confirm(ctx: Ctx, organization_id: int, others: list[str]) -> None:
    """Before a model is added: what exactly, and which organizations already run one."""
    ctx.data["organization_id"] = organization_id
    model_type, organization, hamlet = await _model_parts(
        ctx, int(ctx.data["model_type_id"]), organization_id, int(ctx.data["hamlet_id"])
    )
    lines = [
        ctx.t(
            "officer.model_add_confirm",
            model=model_type.name,
            organization=organization.name,
            hamlet=hamlet.label,
        )
    ]
    if others:
        lines.insert(0, ctx.t("officer.model_overlap", organizations=", ".join(others)))
    ctx.legacy_ask(FLOW, "model_confirm", Markup("\n").join(lines), incident.yes_no(ctx))


@step(FLOW, "model_confirm")
async def on_model_confirm(ctx: Ctx, event: InEvent) -> None:
    chosen = ctx.choose(event)
    unit = unit_of(ctx)
    if chosen is None:
        return
    hamlet_id = int(ctx.data.get("hamlet_id", 0))
    if unit is None or not await alert_records.in_subtree(ctx.session, unit.id, hamlet_id):
        _refuse(ctx)
        return
    if chosen != "yes":
        await list_models(ctx, ctx.t("officer.model_not_added"))
        return
    model_type_id = int(ctx.data["model_type_id"])
    organization_id = int(ctx.data["organization_id"])
    # Another officer may have added the same model while this one was asked.
    running = await models_registry.running_of_type(ctx.session, hamlet_id, model_type_id)
    same = next((i for i, o in running if o.id == organization_id), None)
    if same is not None:
        await list_models(ctx, await _model_duplicate(ctx, same))
        return
    instance = ModelInstance(
        model_type_id=model_type_id,
        hamlet_id=hamlet_id,
        organization_id=organization_id,
        started_on=ctx.local_now.date(),
        status=ModelStatus.ACTIVE,
    )
    ctx.session.add(instance)
    await ctx.session.flush()
    model_type, organization, hamlet = await _model_parts(
        ctx, instance.model_type_id, instance.organization_id, hamlet_id
    )
    added = ctx.t(
        "officer.model_added",
        model=model_type.name,
        organization=organization.name,
        hamlet=hamlet.label,
    )
    await list_models(ctx, added)


# Schedule and holidays -----------------------------------------------------------------


def weekday_name(ctx: Ctx, moment: WeeklyTime) -> Markup:
    return ctx.t(
        "officer.weekly_time",
        day=ctx.t(f"weekday.{moment.weekday}"),
        time=f"{moment.hour:02d}:{moment.minute:02d}",
    )


def parse_weekly(text: str) -> WeeklyTime | None:
    """'thứ 6 16:00', 't6 16h', 'chủ nhật 18:30' → a weekly time; Monday is 'thứ 2'."""
    found = _WEEKLY.match(fold(text))
    if not found:
        return None
    day, hour, minute = found[1], int(found[2]), int(found[3] or 0)
    if hour > 23 or minute > 59:
        return None
    weekday = 6 if day in ("cn", "chu nhat") else int(day) - 2
    return WeeklyTime(weekday, hour, minute)


async def show_settings(ctx: Ctx, intro: Markup | None = None) -> None:
    if _asks_unit_first(ctx, "settings"):
        return
    unit = unit_of(ctx)
    if unit is None:
        _refuse(ctx)
        return
    schedule = await schedules.effective(ctx.session, unit.id)
    held = await pauses.for_unit(ctx.session, unit.id, ctx.local_now.date())
    text = ctx.t(
        "officer.settings",
        unit=unit.label,
        first=weekday_name(ctx, schedule.first_reminder),
        second=weekday_name(ctx, schedule.second_reminder),
        digest=weekday_name(ctx, schedule.digest_at),
        minutes=schedule.escalation_minutes,
    )
    for pause in held:
        text = Markup(f"{text}\n") + ctx.t(
            "officer.holiday_line",
            first=ctx.t.date(pause.first_day),
            last=ctx.t.date(pause.last_day),
        )
    keys = ["first_reminder", "second_reminder", "digest_at", "escalation", "holiday"]
    if held:
        keys.append("cancel_holiday")
    options = [Choice(id=k, label=str(ctx.t(f"officer.set_{k}"))) for k in keys]
    ctx.legacy_ask(FLOW, "settings", text, [*options, _back(ctx)], intro=intro)


@step(FLOW, "settings")
async def on_settings(ctx: Ctx, event: InEvent) -> None:
    chosen = await _picked(ctx, event)
    unit = unit_of(ctx)
    if chosen is None:
        return
    if unit is None:
        _refuse(ctx)
        return
    ctx.data["setting"] = chosen
    if chosen in ("first_reminder", "second_reminder", "digest_at"):
        ctx.legacy_ask(FLOW, "set_time", ctx.t("officer.ask_weekly_time"))
    elif chosen == "escalation":
        ctx.legacy_ask(
            FLOW,
            "set_minutes",
            ctx.t("officer.ask_minutes", low=MIN_ESCALATION, high=MAX_ESCALATION),
        )
    elif chosen == "holiday":
        ctx.legacy_ask(FLOW, "holiday_first", ctx.t("officer.ask_holiday_first"))
    else:
        held = await pauses.for_unit(ctx.session, unit.id, ctx.local_now.date())
        options = [
            Choice(
                id=str(p.id),
                label=str(
                    ctx.t(
                        "officer.holiday_line",
                        first=ctx.t.date(p.first_day),
                        last=ctx.t.date(p.last_day),
                    )
                ),
            )
            for p in held
        ]
        ctx.legacy_ask(
            FLOW, "holiday_cancel", ctx.t("officer.ask_holiday_cancel"), [*options, _back(ctx)]
        )


@step(FLOW, "set_time")
async def on_set_time(ctx: Ctx, event: InEvent) -> None:
    unit = unit_of(ctx)
    moment = parse_weekly(event.text or "") if event.kind == "text" else None
    if moment is None:
        ctx.reprompt(ctx.t("officer.weekly_time_expected"))
        return
    if unit is None:
        _refuse(ctx)
        return
    field = str(ctx.data.get("setting"))
    await schedules.change(ctx.session, unit.id, ctx.person.id, ctx.now, **{field: moment})
    await show_settings(ctx, ctx.t("officer.saved"))


@step(FLOW, "set_minutes")
async def on_set_minutes(ctx: Ctx, event: InEvent) -> None:
    unit = unit_of(ctx)
    typed = (event.text or "").strip() if event.kind == "text" else ""
    minutes = int(typed) if typed.isdecimal() else 0
    if not MIN_ESCALATION <= minutes <= MAX_ESCALATION:
        ctx.reprompt(ctx.t("officer.minutes_expected", low=MIN_ESCALATION, high=MAX_ESCALATION))
        return
    if unit is None:
        _refuse(ctx)
        return
    await schedules.change(ctx.session, unit.id, ctx.person.id, ctx.now, escalation_minutes=minutes)
    await show_settings(ctx, ctx.t("officer.saved"))


@step(FLOW, "holiday_first")
async def on_holiday_first(ctx: Ctx, event: InEvent) -> None:
    today = ctx.local_now.date()
    reading = when.read_coming(event.text or "", today) if event.kind == "text" else None
    if reading is None or when.coming_problem(reading.day, today) is not None:
        ctx.reprompt(ctx.t("officer.future_day_expected"))
        return
    if reading.doubt:
        ctx.data["pending_first_day"] = reading.day.isoformat()
        question = ctx.t("officer.confirm_holiday_first", date=ctx.t.date(reading.day))
        ctx.legacy_ask(FLOW, "holiday_confirm", question, drafting.yes_no_choices(ctx))
        return
    _ask_holiday_last(ctx, reading.day)


def _ask_holiday_last(ctx: Ctx, first: date) -> None:
    ctx.data["first_day"] = first.isoformat()
    ctx.legacy_ask(FLOW, "holiday_last", ctx.t("officer.ask_holiday_last", first=ctx.t.date(first)))


@step(FLOW, "holiday_confirm")
async def on_holiday_confirm(ctx: Ctx, event: InEvent) -> None:
    """ "Ý đồng chí là 01/12/2026?": yes keeps that first day, no asks for it with its year;
    another day typed instead is read as the first day."""
    answer = drafting.yes_or_no(ctx, event)
    if isinstance(answer, StaleChoice):
        ctx.reprompt(ctx.t("error.stale_choice"))
        return
    if answer is None:
        if event.kind == "text" and when.read_coming(event.text or "", ctx.local_now.date()):
            await on_holiday_first(ctx, event)
        else:
            ctx.reprompt(ctx.t("officer.yes_no_expected"))
        return
    pending = ctx.data.pop("pending_first_day", None)
    if answer and pending:
        _ask_holiday_last(ctx, date.fromisoformat(str(pending)))
    else:
        ctx.legacy_ask(FLOW, "holiday_first", ctx.t("officer.ask_holiday_first_with_year"))


@step(FLOW, "holiday_last")
async def on_holiday_last(ctx: Ctx, event: InEvent) -> None:
    unit = unit_of(ctx)
    first = date.fromisoformat(str(ctx.data.get("first_day")))
    last = when.read_day_from(event.text or "", first) if event.kind == "text" else None
    if last is None or last - first > timedelta(days=MAX_HOLIDAY_DAYS):
        ctx.reprompt(ctx.t("officer.holiday_last_expected", first=ctx.t.date(first)))
        return
    if last < ctx.local_now.date():
        ctx.reprompt(ctx.t("officer.holiday_over", last=ctx.t.date(last)))
        return
    if unit is None:
        _refuse(ctx)
        return
    await pauses.add(
        ctx.session,
        first_day=first,
        last_day=last,
        now=ctx.now,
        created_by=ctx.person.id,
        unit_id=unit.id,
    )
    await show_settings(ctx, ctx.t("officer.holiday_saved"))


@step(FLOW, "holiday_cancel")
async def on_holiday_cancel(ctx: Ctx, event: InEvent) -> None:
    chosen = await _picked(ctx, event)
    unit = unit_of(ctx)
    if chosen is None:
        return
    held = await pauses.for_unit(ctx.session, unit.id, ctx.local_now.date()) if unit else []
    pause = next((p for p in held if str(p.id) == chosen), None)
    if pause is None:
        _refuse(ctx)
        return
    pause.cancelled_at = ctx.now
    await show_settings(ctx, ctx.t("officer.holiday_cancelled"))


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


# Declared flows of this module; handlers/flows/__init__.py gathers them.
FLOWS: tuple[Flow[Any], ...] = ()
