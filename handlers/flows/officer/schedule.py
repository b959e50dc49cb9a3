"""The unit's schedule: reminder and digest times, the escalation delay, and holidays."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from markupsafe import Markup

from handlers import when
from handlers.context import Ctx, StaleChoice
from handlers.flow import Flow
from handlers.flows import drafting
from handlers.flows.officer.common import (
    FLOW,
    MAX_ESCALATION,
    MAX_HOLIDAY_DAYS,
    MIN_ESCALATION,
    _back,
    _picked,
    _refuse,
    unit_of,
)
from handlers.flows.officer.units import _asks_unit_first
from handlers.messages import Choice, InEvent
from handlers.registry import step
from storage import pauses, schedules
from storage.schedules import WeeklyTime
from storage.text import fold

_WEEKLY = re.compile(r"^(?:thu\s*|t)?([2-7]|cn|chu nhat)\s+(\d{1,2})\s*(?:h|gio)?\s*(\d{2})?$")


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


# Declared flows of this module; the package gathers them.
FLOWS: tuple[Flow[Any], ...] = ()
