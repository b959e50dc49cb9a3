"""The officer's conversations: summaries, silent hamlets, open incidents, exports, invites,
the model registry, and the schedule. Everything stays inside the officer's own subtree."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import date, timedelta

from markupsafe import Markup

from handlers import alerts, digest_text, periods
from handlers.choices import with_letters_hint
from handlers.context import Ctx
from handlers.digest import build
from handlers.digest_delivery import Extras, messages, workbook_message
from handlers.flows import drafting, followup, menu
from handlers.messages import Choice, InEvent
from handlers.periods import Period
from handlers.registry import step
from storage import alerts as alert_records
from storage import audit, invites, pauses, registry, schedules
from storage.enums import ModelStatus, Role, UnitKind
from storage.models import ModelInstance, ModelType, Organization, Report, Unit
from storage.schedules import WeeklyTime
from storage.text import fold

FLOW = "officer"
BACK = "back"
MAX_CHOICES = 25
INVITE_DAYS = 14
MIN_ESCALATION, MAX_ESCALATION = 5, 24 * 60
PERIODS: dict[str, Callable[..., Period]] = {
    "this_week": periods.this_week,
    "last_week": periods.last_week,
    "this_month": periods.this_month,
    "last_month": periods.last_month,
}
INVITE_ROLES = (Role.REPORTER, Role.DEPUTY, Role.OFFICER)
HAMLET_ROLES = (Role.REPORTER, Role.DEPUTY)
OFFICE_KINDS = (UnitKind.PROVINCE, UnitKind.DISTRICT, UnitKind.COMMUNE)
_WEEKLY = re.compile(r"^(?:thu\s*|t)?([2-7]|cn|chu nhat)\s+(\d{1,2})\s*(?:h|gio)?\s*(\d{2})?$")


def unit_of(ctx: Ctx) -> Unit | None:
    return ctx.role_unit(Role.OFFICER, Role.ADMIN)


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


# Summary -------------------------------------------------------------------------------


async def ask_summary(ctx: Ctx) -> None:
    ctx.ask(FLOW, "summary", ctx.t("officer.ask_period"), _period_choices(ctx))


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
        file_key=f"request:{ctx.inbox_id}",
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
            key = "officer.refused" if not found else "officer.ambiguous"
            ctx.say(ctx.t(key))
            return
        target = found[0]
    ctx.reset()
    await send_summary(ctx, target, periods.last_week(ctx.local_now))
    menu.show(ctx)


# Silent hamlets ------------------------------------------------------------------------


async def show_missing(ctx: Ctx, unit: Unit | None = None, period: Period | None = None) -> None:
    """The hamlets that have not reported: this week's of the officer's own unit from the
    menu; a digest's own unit and period from its button."""
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
    unit = unit or unit_of(ctx)
    if unit is None:
        _refuse(ctx)
        return
    found = await registry.open_incidents(ctx.session, unit.id, MAX_CHOICES * 4)
    readable = [r for r in found if not r.sensitive or await followup.may_act(ctx, r)]
    if not readable:
        menu.show(ctx, ctx.t("officer.no_open"))
        return
    labels = await _unit_labels(ctx, {r.unit_id for r in readable})
    options = [
        Choice(
            id=str(r.id),
            label=str(
                ctx.t(
                    "officer.open_line",
                    number=r.id,
                    hamlet=labels[r.unit_id],
                    category=ctx.t(f"category.{r.category}"),
                    status=ctx.t(f"status.{r.status.value if r.status else 'open'}"),
                    age=max(0, (ctx.now - r.received_at).days),
                )
            ),
        )
        for r in readable[:MAX_CHOICES]
    ]
    ctx.ask(FLOW, "open", ctx.t("officer.pick_incident"), [*options, _back(ctx)])


async def _unit_labels(ctx: Ctx, unit_ids: set[int]) -> dict[int, str]:
    found: dict[int, str] = {}
    for unit_id in unit_ids:
        found[unit_id] = (await ctx.session.get_one(Unit, unit_id)).label
    return found


@step(FLOW, "open")
async def on_open(ctx: Ctx, event: InEvent) -> None:
    chosen = await _picked(ctx, event)
    if chosen is None:
        return
    report = await ctx.session.get(Report, int(chosen))
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
    details = await alerts.describe(ctx.session, report, ctx.t, ctx.tz)
    history = await alert_records.events_of(ctx.session, report.id)
    text = details.text
    if history:
        text += "\n" + str(ctx.t("officer.events", count=len(history)))
    ctx.data["report_id"] = report.id
    ctx.ask(FLOW, "incident", Markup(text), [*details.choices, _back(ctx)])


@step(FLOW, "incident")
async def on_incident(ctx: Ctx, event: InEvent) -> None:
    chosen = await _picked(ctx, event)
    if chosen is None:
        return
    report_id = int(ctx.data.get("report_id", 0))
    ctx.reset()
    await followup.act_on_incident(ctx, report_id, chosen)
    if ctx.is_idle:
        await list_open(ctx)


# Export --------------------------------------------------------------------------------


async def ask_export(ctx: Ctx) -> None:
    ctx.ask(FLOW, "export", ctx.t("officer.ask_export_period"), _period_choices(ctx))


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
        ctx.session, digest, ctx.t, ctx.tz, f"request:{ctx.inbox_id}", ctx.now, ctx.person.id
    )
    ctx.replies.append(message)


# Invites -------------------------------------------------------------------------------


async def ask_invite_role(ctx: Ctx) -> None:
    options = [Choice(id=r.value, label=str(ctx.t(f"role.{r.value}"))) for r in INVITE_ROLES]
    ctx.ask(FLOW, "invite_role", ctx.t("officer.ask_invite_role"), [*options, _back(ctx)])


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
    found = await registry.current_units(ctx.session, unit.id, kinds, MAX_CHOICES + 1)
    if not found:
        menu.show(ctx, ctx.t("officer.no_units"))
        return
    if len(found) > MAX_CHOICES:
        ctx.ask(FLOW, "invite_unit", ctx.t("officer.type_unit"))
        return
    options = [Choice(id=str(u.id), label=u.label) for u in found]
    ctx.ask(FLOW, "invite_unit", ctx.t("officer.ask_invite_unit"), [*options, _back(ctx)])


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
    invite = await invites.create(
        ctx.session,
        unit_id=target.id,
        role=role,
        now=ctx.now,
        valid_for=timedelta(days=INVITE_DAYS),
        created_by_person_id=ctx.person.id,
    )
    menu.show(
        ctx,
        ctx.t(
            "officer.invite_code",
            code=invite.code,
            role=ctx.t(f"role.{role.value}"),
            unit=target.label,
            until=ctx.t.date(invite.expires_at.astimezone(ctx.tz).date()),
        ),
    )


async def _unit_answer(
    ctx: Ctx, event: InEvent, root: Unit, kinds: tuple[UnitKind, ...]
) -> Unit | None:
    """The unit of the subtree the answer names: an offered choice, or a typed name or code."""
    if ctx.offered:
        chosen = await _picked(ctx, event)
        if chosen is None:
            return None
        unit = await ctx.session.get(Unit, int(chosen))
        if (
            unit is None
            or unit.kind not in kinds
            or not await alert_records.in_subtree(ctx.session, root.id, unit.id)
        ):
            _refuse(ctx)
            return None
        return unit
    typed = (event.text or "").strip() if event.kind == "text" else ""
    found = await registry.find_in_subtree(ctx.session, root.id, typed, kinds) if typed else []
    if len(found) == 1:
        return found[0]
    ctx.reprompt(ctx.t("officer.unit_not_found" if not found else "officer.ambiguous"))
    return None


# Model registry ------------------------------------------------------------------------


async def list_models(ctx: Ctx, intro: Markup | None = None) -> None:
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
    ctx.ask(FLOW, "models", question, [add, *options, _back(ctx)], intro=intro)


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
        found = await registry.current_units(
            ctx.session, unit.id, (UnitKind.HAMLET,), MAX_CHOICES + 1
        )
        if not found:
            menu.show(ctx, ctx.t("officer.no_units"))
        elif len(found) > MAX_CHOICES:
            ctx.ask(FLOW, "model_hamlet", ctx.t("officer.type_unit"))
        else:
            options = [Choice(id=str(u.id), label=u.label) for u in found]
            ctx.ask(FLOW, "model_hamlet", ctx.t("officer.ask_hamlet"), [*options, _back(ctx)])
        return
    instance = await ctx.session.get(ModelInstance, int(chosen))
    if instance is None or not await alert_records.in_subtree(
        ctx.session, unit.id, instance.hamlet_id
    ):
        _refuse(ctx)
        return
    await _show_model(ctx, instance)


async def _show_model(ctx: Ctx, instance: ModelInstance) -> None:
    model_type = await ctx.session.get_one(ModelType, instance.model_type_id)
    organization = await ctx.session.get_one(Organization, instance.organization_id)
    hamlet = await ctx.session.get_one(Unit, instance.hamlet_id)
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
    ctx.ask(FLOW, "model", text, [*options, _back(ctx)])


MODEL_STATUS_BY_ACTION = {
    "pause": ModelStatus.PAUSED,
    "stop": ModelStatus.STOPPED,
    "resume": ModelStatus.ACTIVE,
}


@step(FLOW, "model")
async def on_model(ctx: Ctx, event: InEvent) -> None:
    chosen = await _picked(ctx, event)
    unit = unit_of(ctx)
    if chosen is None:
        return
    instance = await ctx.session.get(ModelInstance, int(ctx.data.get("instance_id", 0)))
    if (
        unit is None
        or instance is None
        or chosen not in MODEL_STATUS_BY_ACTION
        or not await alert_records.in_subtree(ctx.session, unit.id, instance.hamlet_id)
    ):
        _refuse(ctx)
        return
    instance.status = MODEL_STATUS_BY_ACTION[chosen]
    status = ctx.t(f"model_status.{instance.status.value}")
    await list_models(ctx, ctx.t("officer.model_updated", status=status))


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
    ctx.ask(FLOW, "model_type", ctx.t("officer.ask_model_type"), [*options, _back(ctx)])


@step(FLOW, "model_type")
async def on_model_type(ctx: Ctx, event: InEvent) -> None:
    chosen = await _picked(ctx, event)
    if chosen is None:
        return
    ctx.data["model_type_id"] = int(chosen)
    found = await registry.organizations(ctx.session)
    options = [Choice(id=str(o.id), label=o.name) for o in found]
    ctx.ask(FLOW, "model_org", ctx.t("officer.ask_organization"), [*options, _back(ctx)])


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
    model_type_id = int(ctx.data.get("model_type_id", 0))
    same_type = await registry.models_in(ctx.session, unit.id, MAX_CHOICES, hamlet_id)
    others = [
        o.name
        for i, _, o, _ in same_type
        if i.model_type_id == model_type_id
        and i.status is not ModelStatus.STOPPED
        and o.id != int(chosen)
    ]
    instance = ModelInstance(
        model_type_id=model_type_id,
        hamlet_id=hamlet_id,
        organization_id=int(chosen),
        started_on=ctx.local_now.date(),
        status=ModelStatus.ACTIVE,
    )
    ctx.session.add(instance)
    await ctx.session.flush()
    intro = ctx.t("officer.model_added")
    if others:
        intro = Markup(
            f"{intro}\n{ctx.t('officer.model_overlap', organizations=', '.join(others))}"
        )
    await list_models(ctx, intro)


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
    ctx.ask(FLOW, "settings", text, [*options, _back(ctx)], intro=intro)


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
        ctx.ask(FLOW, "set_time", ctx.t("officer.ask_weekly_time"))
    elif chosen == "escalation":
        ctx.ask(
            FLOW,
            "set_minutes",
            ctx.t("officer.ask_minutes", low=MIN_ESCALATION, high=MAX_ESCALATION),
        )
    elif chosen == "holiday":
        ctx.ask(FLOW, "holiday_first", ctx.t("officer.ask_holiday_first"))
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
        ctx.ask(FLOW, "holiday_cancel", ctx.t("officer.ask_holiday_cancel"), [*options, _back(ctx)])


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


def _future_day(ctx: Ctx, event: InEvent) -> date | None:
    """A day typed dd/mm or dd/mm/yyyy, from today to a year ahead; dd/mm is the next one."""
    today = ctx.local_now.date()
    found = drafting.DATE_PATTERN.match(event.text or "") if event.kind == "text" else None
    if found is None:
        return None
    day, month, year_text = found.groups()
    year = int(year_text) if year_text else today.year
    year += 2000 if year < 100 else 0
    try:
        parsed = date(year, int(month), int(day))
        if not year_text and parsed < today:
            parsed = parsed.replace(year=year + 1)
    except ValueError:
        return None
    return parsed if today <= parsed <= today + timedelta(days=366) else None


@step(FLOW, "holiday_first")
async def on_holiday_first(ctx: Ctx, event: InEvent) -> None:
    first = _future_day(ctx, event)
    if first is None:
        ctx.reprompt(ctx.t("officer.future_day_expected"))
        return
    ctx.data["first_day"] = first.isoformat()
    ctx.ask(FLOW, "holiday_last", ctx.t("officer.ask_holiday_last", first=ctx.t.date(first)))


@step(FLOW, "holiday_last")
async def on_holiday_last(ctx: Ctx, event: InEvent) -> None:
    unit = unit_of(ctx)
    first = date.fromisoformat(str(ctx.data.get("first_day")))
    last = _future_day(ctx, event)
    if last is None or last < first or last - first > timedelta(days=60):
        ctx.reprompt(ctx.t("officer.holiday_last_expected", first=ctx.t.date(first)))
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
    await COMMANDS[name](ctx, argument)
