"""The unit's schedule: reminder and digest times, the escalation delay, and holidays."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any, Literal

from markupsafe import Markup

from handlers import access, when
from handlers.access import Need
from handlers.context import Ctx, StaleChoice
from handlers.flow import Flow, FlowState, Step
from handlers.flows import drafting
from handlers.flows.officer.common import MAX_ESCALATION, MAX_HOLIDAY_DAYS, MIN_ESCALATION
from handlers.flows.officer.units import asks_unit_first
from handlers.messages import Choice, InEvent
from handlers.services.schedules import cancel_holiday
from handlers.steps import Steps
from storage import pauses, schedules
from storage.schedules import WeeklyTime
from storage.text import fold

_WEEKLY = re.compile(r"^(?:thu\s*|t)?([2-7]|cn|chu nhat)\s+(\d{1,2})\s*(?:h|gio)?\s*(\d{2})?$")
Setting = Literal[
    "first_reminder", "second_reminder", "digest_at", "escalation", "holiday", "cancel_holiday"
]
TIMES: tuple[Setting, ...] = ("first_reminder", "second_reminder", "digest_at")
SETTINGS: tuple[Setting, ...] = (*TIMES, "escalation", "holiday")
EVERY_SETTING: tuple[Setting, ...] = (*SETTINGS, "cancel_holiday")


class At(Steps, flow="schedule"):
    SETTINGS = "settings"
    SET_TIME = "set_time"
    SET_MINUTES = "set_minutes"
    HOLIDAY_FIRST = "holiday_first"
    HOLIDAY_CONFIRM = "holiday_confirm"
    HOLIDAY_LAST = "holiday_last"
    HOLIDAY_CANCEL = "holiday_cancel"


class ScheduleState(FlowState):
    """What the officer is changing, and the first day of the holiday being added (a doubtful
    one until they confirm it)."""

    setting: Setting | None = None
    pending_first_day: date | None = None
    first_day: date | None = None


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
    if asks_unit_first(ctx, "settings"):
        return
    unit = access.office(ctx)
    ctx.begin(ScheduleState())
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
    keys = EVERY_SETTING if held else SETTINGS
    options = [Choice(id=k, label=str(ctx.t(f"officer.set_{k}"))) for k in keys]
    ctx.ask(At.SETTINGS, text, [*options, ctx.back_choice()], intro=intro)


async def on_settings(ctx: Ctx, event: InEvent) -> None:
    chosen = ctx.choose(event)
    if chosen is None:
        return
    unit = access.office(ctx)
    setting = next((s for s in EVERY_SETTING if s == chosen), None)
    ctx.state(ScheduleState).setting = setting
    if setting in TIMES:
        ctx.ask(At.SET_TIME, ctx.t("officer.ask_weekly_time"))
    elif setting == "escalation":
        ctx.ask(
            At.SET_MINUTES, ctx.t("officer.ask_minutes", low=MIN_ESCALATION, high=MAX_ESCALATION)
        )
    elif setting == "holiday":
        ctx.ask(At.HOLIDAY_FIRST, ctx.t("officer.ask_holiday_first"))
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
        question = ctx.t("officer.ask_holiday_cancel")
        ctx.ask(At.HOLIDAY_CANCEL, question, [*options, ctx.back_choice()])


async def on_set_time(ctx: Ctx, event: InEvent) -> None:
    moment = parse_weekly(event.text or "") if event.kind == "text" else None
    if moment is None:
        ctx.reprompt(ctx.t("officer.weekly_time_expected"))
        return
    unit = access.office(ctx)
    field = ctx.state(ScheduleState).setting
    if field not in TIMES:
        raise access.NotAllowed
    await schedules.change(ctx.session, unit.id, ctx.person.id, ctx.now, **{field: moment})
    await show_settings(ctx, ctx.t("officer.saved"))


async def on_set_minutes(ctx: Ctx, event: InEvent) -> None:
    typed = (event.text or "").strip() if event.kind == "text" else ""
    minutes = int(typed) if typed.isdecimal() else 0
    if not MIN_ESCALATION <= minutes <= MAX_ESCALATION:
        ctx.reprompt(ctx.t("officer.minutes_expected", low=MIN_ESCALATION, high=MAX_ESCALATION))
        return
    unit = access.office(ctx)
    await schedules.change(ctx.session, unit.id, ctx.person.id, ctx.now, escalation_minutes=minutes)
    await show_settings(ctx, ctx.t("officer.saved"))


async def on_holiday_first(ctx: Ctx, event: InEvent) -> None:
    today = ctx.local_now.date()
    reading = when.read_coming(event.text or "", today) if event.kind == "text" else None
    if reading is None or when.coming_problem(reading.day, today) is not None:
        ctx.reprompt(ctx.t("officer.future_day_expected"))
        return
    if reading.doubt:
        ctx.state(ScheduleState).pending_first_day = reading.day
        question = ctx.t("officer.confirm_holiday_first", date=ctx.t.date(reading.day))
        ctx.ask(At.HOLIDAY_CONFIRM, question, drafting.yes_no_choices(ctx))
        return
    _ask_holiday_last(ctx, reading.day)


def _ask_holiday_last(ctx: Ctx, first: date) -> None:
    ctx.state(ScheduleState).first_day = first
    ctx.ask(At.HOLIDAY_LAST, ctx.t("officer.ask_holiday_last", first=ctx.t.date(first)))


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
    state = ctx.state(ScheduleState)
    pending, state.pending_first_day = state.pending_first_day, None
    if answer and pending:
        _ask_holiday_last(ctx, pending)
    else:
        ctx.ask(At.HOLIDAY_FIRST, ctx.t("officer.ask_holiday_first_with_year"))


async def on_holiday_last(ctx: Ctx, event: InEvent) -> None:
    first = ctx.state(ScheduleState).first_day
    if first is None:
        raise access.NotAllowed
    last = when.read_day_from(event.text or "", first) if event.kind == "text" else None
    if last is None or last - first > timedelta(days=MAX_HOLIDAY_DAYS):
        ctx.reprompt(ctx.t("officer.holiday_last_expected", first=ctx.t.date(first)))
        return
    if last < ctx.local_now.date():
        ctx.reprompt(ctx.t("officer.holiday_over", last=ctx.t.date(last)))
        return
    unit = access.office(ctx)
    await pauses.add(
        ctx.session,
        first_day=first,
        last_day=last,
        now=ctx.now,
        created_by=ctx.person.id,
        unit_id=unit.id,
    )
    await show_settings(ctx, ctx.t("officer.holiday_saved"))


async def on_holiday_cancel(ctx: Ctx, event: InEvent) -> None:
    chosen = ctx.choose(event)
    if chosen is None:
        return
    unit = access.office(ctx)
    today = ctx.local_now.date()
    pause_id = int(chosen) if chosen.isdecimal() else 0
    if not await cancel_holiday(ctx.session, unit.id, pause_id, today, ctx.now):
        raise access.NotAllowed
    await show_settings(ctx, ctx.t("officer.holiday_cancelled"))


SCHEDULE = Flow(
    At,
    ScheduleState,
    needs=Need.OFFICER,
    entry=(At.SETTINGS,),
    steps={
        At.SETTINGS: Step(
            on_settings,
            then=(At.SET_TIME, At.SET_MINUTES, At.HOLIDAY_FIRST, At.HOLIDAY_CANCEL),
        ),
        At.SET_TIME: Step(on_set_time),
        At.SET_MINUTES: Step(on_set_minutes),
        At.HOLIDAY_FIRST: Step(on_holiday_first, then=(At.HOLIDAY_CONFIRM, At.HOLIDAY_LAST)),
        At.HOLIDAY_CONFIRM: Step(on_holiday_confirm, then=(At.HOLIDAY_FIRST, At.HOLIDAY_LAST)),
        At.HOLIDAY_LAST: Step(on_holiday_last),
        At.HOLIDAY_CANCEL: Step(on_holiday_cancel),
    },
)
FLOWS: tuple[Flow[Any], ...] = (SCHEDULE,)
