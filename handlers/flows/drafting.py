"""Steps shared by every report: what happened, photos, the summary to confirm or change."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from markupsafe import Markup

from handlers import when
from handlers.context import Ctx, Picked, StaleChoice
from handlers.flows import menu
from handlers.messages import Choice, InEvent
from handlers.registry import step
from storage.models import Report
from storage.text import clean

MAX_TEXT = 2000
MIN_TEXT = 3
MAX_PHOTOS = 10
MAX_AGE_DAYS = 365
DRAFT = "draft"

Asker = Callable[[Ctx], Awaitable[None]]
Saver = Callable[[Ctx, dict[str, Any]], Awaitable[Report]]
Summarizer = Callable[[Ctx, dict[str, Any]], Awaitable[Markup]]


@dataclass(frozen=True)
class DraftFlow:
    name: str
    order: tuple[str, ...]
    askers: dict[str, Asker]
    editable: tuple[tuple[str, str], ...]
    summarize: Summarizer
    save: Saver


FLOWS: dict[str, DraftFlow] = {}


def draft(ctx: Ctx) -> dict[str, Any]:
    value = ctx.data.setdefault(DRAFT, {})
    assert isinstance(value, dict)
    return value


async def advance(ctx: Ctx, flow: DraftFlow, done: str) -> None:
    """Ask the next question, or go back to the summary when a single field was changed."""
    if ctx.data.pop("editing", False):
        await ask_confirm(ctx, flow)
        return
    position = flow.order.index(done)
    if position + 1 < len(flow.order):
        await flow.askers[flow.order[position + 1]](ctx)
    else:
        await ask_confirm(ctx, flow)


def text_answer(ctx: Ctx, event: InEvent) -> str | None:
    """The typed text when it fits a report; otherwise says why and returns None."""
    if event.kind != "text":
        ctx.reprompt(ctx.t("error.text_expected"))
        return None
    text = clean(event.text or "")
    if len(text) < MIN_TEXT:
        ctx.reprompt(ctx.t("error.text_too_short", minimum=MIN_TEXT))
        return None
    if len(text) > MAX_TEXT:
        ctx.reprompt(ctx.t("error.text_too_long", limit=MAX_TEXT, length=len(text)))
        return None
    return text


WHEN_STEP = "when"


def when_choices(ctx: Ctx) -> list[Choice]:
    return [
        Choice(id="today", label=str(ctx.t("incident.today"))),
        Choice(id="yesterday", label=str(ctx.t("incident.yesterday"))),
        Choice(id="other", label=str(ctx.t("incident.other_day"))),
    ]


def yes_no_choices(ctx: Ctx) -> list[Choice]:
    return [
        Choice(id="yes", label=str(ctx.t("when.yes"))),
        Choice(id="no", label=str(ctx.t("when.no"))),
    ]


async def ask_when(ctx: Ctx, flow: DraftFlow) -> None:
    ctx.legacy_ask(flow.name, WHEN_STEP, ctx.t(f"{flow.name}.ask_when"), when_choices(ctx))


def typed_when(ctx: Ctx, event: InEvent) -> when.Reading | None:
    return when.read_past(event.text or "", ctx.local_now) if event.kind == "text" else None


async def take_when(ctx: Ctx, flow: DraftFlow, reading: when.Reading) -> None:
    """Keep the day (and time) read, refuse one that cannot be, ask about a guessed year."""
    problem = when.past_problem(reading, ctx.local_now, MAX_AGE_DAYS)
    if problem is when.Problem.FUTURE_DAY:
        ctx.reprompt(ctx.t("error.future_date", date=ctx.t.date(reading.day)))
    elif problem is when.Problem.FUTURE_TIME:
        ctx.reprompt(ctx.t("when.future_time"))
    elif problem is when.Problem.TOO_OLD:
        ctx.reprompt(ctx.t("error.old_date", days=MAX_AGE_DAYS))
    elif reading.doubt:
        ctx.data["pending_when"] = _stored_when(reading)
        question = ctx.t("when.confirm_day", date=when_text(ctx, _stored_when(reading)))
        ctx.legacy_ask(flow.name, "day_confirm", question, yes_no_choices(ctx))
    else:
        draft(ctx).update(_stored_when(reading))
        await advance(ctx, flow, WHEN_STEP)


def _stored_when(reading: when.Reading) -> dict[str, Any]:
    return {
        "day": reading.day.isoformat(),
        "time": reading.at.strftime("%H:%M") if reading.at else None,
    }


def when_text(ctx: Ctx, values: dict[str, Any]) -> Markup | str:
    """The day, and the time when one was said: nothing invented is shown."""
    day = ctx.t.date(day_of(ctx, values))
    at = values.get("time")
    return ctx.t("when.day_at", date=day, time=at) if at else day


def day_of(ctx: Ctx, values: dict[str, Any]) -> date:
    """The draft's day; a draft begun before activities had one is today's."""
    return date.fromisoformat(values["day"]) if values.get("day") else ctx.local_now.date()


def occurred(ctx: Ctx, values: dict[str, Any]) -> tuple[datetime, bool]:
    """When it happened, and whether the time of day is known. A day without a time is kept
    at its local noon, which stays that day in any zone a reader converts it to."""
    day = day_of(ctx, values)
    at = values.get("time")
    if at:
        return datetime.combine(day, time.fromisoformat(at), tzinfo=ctx.tz), True
    return datetime.combine(day, time(12), tzinfo=ctx.tz), False


def _register_when(flow: DraftFlow) -> None:
    @step(flow.name, WHEN_STEP)
    async def on_when(ctx: Ctx, event: InEvent) -> None:
        # A whole sentence ("15h hôm qua") is read before a label it contains ("Hôm qua").
        today = ctx.local_now.date()
        picked = ctx.pick(event, loose=False)
        reading = typed_when(ctx, event)
        if reading is not None and not isinstance(picked, Picked):
            await take_when(ctx, flow, reading)
            return
        if picked is None:
            picked = ctx.pick(event)
        if isinstance(picked, Picked):
            if picked.id == "other":
                ctx.legacy_ask(flow.name, "date", ctx.t(f"{flow.name}.ask_date"))
                return
            day = today if picked.id == "today" else today - timedelta(days=1)
            await take_when(ctx, flow, when.Reading(day))
            return
        key = "error.stale_choice" if isinstance(picked, StaleChoice) else "incident.when_expected"
        ctx.reprompt(ctx.t(key))

    @step(flow.name, "date")
    async def on_date(ctx: Ctx, event: InEvent) -> None:
        reading = typed_when(ctx, event)
        if reading is None:
            ctx.reprompt(ctx.t("incident.date_expected"))
            return
        await take_when(ctx, flow, reading)

    @step(flow.name, "day_confirm")
    async def on_day_confirm(ctx: Ctx, event: InEvent) -> None:
        answer = yes_or_no(ctx, event)
        if isinstance(answer, StaleChoice):
            ctx.reprompt(ctx.t("error.stale_choice"))
            return
        if answer is None:
            reading = typed_when(ctx, event)
            if reading is None:
                ctx.reprompt(ctx.t("when.yes_no_expected"))
            else:
                await take_when(ctx, flow, reading)
            return
        pending = ctx.data.pop("pending_when", None)
        if answer and isinstance(pending, dict):
            draft(ctx).update(pending)
            await advance(ctx, flow, WHEN_STEP)
        else:
            ctx.legacy_ask(flow.name, "date", ctx.t("when.ask_date_with_year"))


def yes_or_no(ctx: Ctx, event: InEvent) -> bool | StaleChoice | None:
    """Yes or no to the question asked, pressed or typed ("có", "ừ", "không", "ko");
    None when the answer is neither."""
    picked = ctx.pick(event, loose=False)
    if isinstance(picked, Picked):
        return picked.id == "yes"
    if isinstance(picked, StaleChoice):
        return picked
    return when.yes_no(event.text or "") if event.kind == "text" else None


async def ask_photos(ctx: Ctx, flow: DraftFlow) -> None:
    """Ask for photos; once the limit is reached, say so and offer only "Xong"."""
    count = len(draft(ctx).get("photos", []))
    if count >= MAX_PHOTOS:
        key = "report.photos_full"
    else:
        key = "report.ask_photos_more" if count else "report.ask_photos"
    done = Choice(id="done", label=str(ctx.t("report.photos_done" if count else "common.skip")))
    ctx.legacy_ask(flow.name, "photos", ctx.t(key, count=count, limit=MAX_PHOTOS), [done])


async def ask_confirm(ctx: Ctx, flow: DraftFlow) -> None:
    summary = await flow.summarize(ctx, draft(ctx))
    options = [
        Choice(id="send", label=str(ctx.t("report.send"))),
        Choice(id="edit", label=str(ctx.t("report.edit"))),
        Choice(id="cancel", label=str(ctx.t("report.cancel"))),
    ]
    ctx.legacy_ask(flow.name, "confirm", ctx.t("report.confirm", summary=summary), options)


def register(flow: DraftFlow) -> None:
    FLOWS[flow.name] = flow
    if WHEN_STEP in flow.order:
        _register_when(flow)

    @step(flow.name, "photos")
    async def on_photos(ctx: Ctx, event: InEvent) -> None:
        if event.kind == "photo" and event.photos:
            photos: list[str] = draft(ctx).get("photos", [])
            room = MAX_PHOTOS - len(photos)
            if room <= 0:
                ctx.reprompt(ctx.t("report.photos_full", limit=MAX_PHOTOS))
                return
            draft(ctx)["photos"] = photos + event.photos[:room]
            await ask_photos(ctx, flow)
            return
        picked = ctx.pick(event)
        typed_done = event.kind == "text" and when.no_more(event.text or "")
        if isinstance(picked, Picked) or (picked is None and typed_done):
            await advance(ctx, flow, "photos")
        elif isinstance(picked, StaleChoice):
            ctx.reprompt(ctx.t("error.stale_choice"))
        else:
            ctx.reprompt(ctx.t("report.photos_expected"))

    @step(flow.name, "confirm")
    async def on_confirm(ctx: Ctx, event: InEvent) -> None:
        chosen = ctx.choose(event)
        if chosen is None:
            return
        if chosen == "send":
            report = await flow.save(ctx, draft(ctx))
            saved = ctx.t("report.saved", number=report.id)
            if ctx.data.get("alerted"):
                saved = Markup(f"{saved}\n{ctx.t('report.officers_alerted')}")
            menu.show(ctx, saved)
        elif chosen == "edit":
            options = [Choice(id=name, label=str(ctx.t(label))) for name, label in flow.editable]
            ctx.legacy_ask(flow.name, "edit", ctx.t("report.which_field"), options)
        else:
            menu.show(ctx, ctx.t("cancel.done"))

    @step(flow.name, "edit")
    async def on_edit(ctx: Ctx, event: InEvent) -> None:
        chosen = ctx.choose(event)
        if chosen is None:
            return
        ctx.data["editing"] = True
        await flow.askers[chosen](ctx)
