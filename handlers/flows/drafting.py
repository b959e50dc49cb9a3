"""Steps shared by every report: what happened, photos, the summary to confirm or change."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from markupsafe import Markup

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


DATE_PATTERN = re.compile(r"^\s*(\d{1,2})\s*[/.\-]\s*(\d{1,2})(?:\s*[/.\-]\s*(\d{2,4}))?\s*$")


def parse_day(text: str, today: date) -> date | None:
    """'25/11', '25/11/2026' or '25-11-26', day first as Vietnamese dates are written."""
    found = DATE_PATTERN.match(text)
    if not found:
        return None
    day, month, year_text = found.groups()
    year = int(year_text) if year_text else today.year
    if year < 100:
        year += 2000
    try:
        parsed = date(year, int(month), int(day))
    except ValueError:
        return None
    if not year_text and parsed > today:
        parsed = parsed.replace(year=year - 1)
    return parsed


def check_day(ctx: Ctx, day: date) -> bool:
    today = ctx.local_now.date()
    if day > today:
        ctx.reprompt(ctx.t("error.future_date", date=ctx.t.date(day)))
        return False
    if day < today - timedelta(days=MAX_AGE_DAYS):
        ctx.reprompt(ctx.t("error.old_date", days=MAX_AGE_DAYS))
        return False
    return True


def occurred_at(ctx: Ctx, day: date) -> datetime:
    """Now for today; noon local time for an earlier day."""
    if day == ctx.local_now.date():
        return ctx.now
    return datetime(day.year, day.month, day.day, 12, tzinfo=ctx.tz)


async def ask_photos(ctx: Ctx, flow: DraftFlow) -> None:
    count = len(draft(ctx).get("photos", []))
    key = "report.ask_photos_more" if count else "report.ask_photos"
    done = Choice(id="done", label=str(ctx.t("report.photos_done" if count else "common.skip")))
    ctx.ask(flow.name, "photos", ctx.t(key, count=count, limit=MAX_PHOTOS), [done])


async def ask_confirm(ctx: Ctx, flow: DraftFlow) -> None:
    summary = await flow.summarize(ctx, draft(ctx))
    options = [
        Choice(id="send", label=str(ctx.t("report.send"))),
        Choice(id="edit", label=str(ctx.t("report.edit"))),
        Choice(id="cancel", label=str(ctx.t("report.cancel"))),
    ]
    ctx.ask(flow.name, "confirm", ctx.t("report.confirm", summary=summary), options)


def register(flow: DraftFlow) -> None:
    FLOWS[flow.name] = flow

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
        if isinstance(picked, Picked):
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
            ctx.ask(flow.name, "edit", ctx.t("report.which_field"), options)
        else:
            menu.show(ctx, ctx.t("cancel.done"))

    @step(flow.name, "edit")
    async def on_edit(ctx: Ctx, event: InEvent) -> None:
        chosen = ctx.choose(event)
        if chosen is None:
            return
        ctx.data["editing"] = True
        await flow.askers[chosen](ctx)
