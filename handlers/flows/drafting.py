"""Steps shared by every report: when it happened, photos, the summary to confirm or change.

A report's flow lists these steps in its `At` class (WHEN = "when"...) and takes their table
entries from `DraftFlow.steps()`; its draft is a `Draft` with the report's own fields.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Generic, TypeVar

from markupsafe import Markup
from pydantic import BaseModel, Field

from handlers import when
from handlers.context import Ctx, Picked, StaleChoice
from handlers.flow import FlowState, Step
from handlers.messages import Choice, InEvent
from handlers.services.filing import Filed, Filer, Occurred
from handlers.steps import Steps
from storage.models import Unit
from storage.text import clean

MAX_TEXT = 2000
MIN_TEXT = 3
MAX_PHOTOS = 10
MAX_AGE_DAYS = 365

# The shared steps' names, as each report's `At` class declares them.
WHEN, DATE, DAY_CONFIRM, PHOTOS = "when", "date", "day_confirm", "photos"
CONFIRM, EDIT = "confirm", "edit"


class When(BaseModel):
    """The day it happened, and the time of day when one was said: nothing is invented."""

    day: date
    at: time | None = None


class Draft(FlowState):
    """What every report's draft holds besides its own fields."""

    when: When | None = None
    photos: list[str] = Field(default_factory=list)
    # A day read with a guessed year, kept until the person says it is the one meant.
    pending_when: When | None = None
    # One field is being changed from the summary, which is shown again after it.
    editing: bool = False


D = TypeVar("D", bound=Draft)
Asker = Callable[[Ctx], Awaitable[None]]


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


def when_choices(ctx: Ctx) -> list[Choice]:
    days = (("today", "today"), ("yesterday", "yesterday"), ("other", "other_day"))
    return [Choice(id=day, label=str(ctx.t(f"incident.{key}"))) for day, key in days]


def yes_no_choices(ctx: Ctx) -> list[Choice]:
    return [Choice(id=answer, label=str(ctx.t(f"when.{answer}"))) for answer in ("yes", "no")]


def yes_or_no(ctx: Ctx, event: InEvent) -> bool | StaleChoice | None:
    """Yes or no to the question asked, pressed or typed ("có", "ừ", "không", "ko");
    None when the answer is neither."""
    picked = ctx.pick(event, loose=False)
    if isinstance(picked, Picked):
        return picked.id == "yes"
    if isinstance(picked, StaleChoice):
        return picked
    return when.yes_no(event.text or "") if event.kind == "text" else None


def typed_when(ctx: Ctx, event: InEvent) -> when.Reading | None:
    return when.read_past(event.text or "", ctx.local_now) if event.kind == "text" else None


def when_text(ctx: Ctx, said: When | None) -> Markup | str:
    """The day, and the time when one was said."""
    day = ctx.t.date(said.day if said else ctx.local_now.date())
    if said is None or said.at is None:
        return day
    return ctx.t("when.day_at", date=day, time=said.at.strftime("%H:%M"))


def occurred(ctx: Ctx, said: When | None) -> Occurred:
    """When it happened. A day without a time is kept at its local noon, which stays that day
    in any zone a reader converts it to."""
    day = said.day if said else ctx.local_now.date()
    if said is not None and said.at is not None:
        return Occurred(datetime.combine(day, said.at, tzinfo=ctx.tz), time_known=True)
    return Occurred(datetime.combine(day, time(12), tzinfo=ctx.tz), time_known=False)


def filer(ctx: Ctx, hamlet: Unit) -> Filer:
    """This person filing for `hamlet`, from the message being answered."""
    return Filer(hamlet.id, ctx.person.id, ctx.identity.channel, ctx.now, ctx.inbox_id)


@dataclass(frozen=True)
class DraftFlow(Generic[D]):
    """A report asked field by field in `order`, then summarized to send, change or drop.

    `askers` ask the report's own fields; the shared ones (when, photos) are asked here.
    """

    at: type[Steps]
    state: type[D]
    order: tuple[Steps, ...]
    askers: Mapping[Steps, Asker]
    editable: tuple[tuple[Steps, str], ...]
    summarize: Callable[[Ctx, D], Awaitable[Markup]]
    save: Callable[[Ctx, D], Awaitable[Filed]]

    def of(self, ctx: Ctx) -> D:
        return ctx.state(self.state)

    def after(self, done: Steps) -> tuple[Steps, ...]:
        """Where answering `done` may lead: its next question, or the summary."""
        position = self.order.index(done)
        return (*self.order[position + 1 : position + 2], self.at(CONFIRM))

    def steps(self) -> dict[Steps, Step]:
        """The table entries of the shared steps."""
        at = self.at
        day_read = self.after(at(WHEN))
        return {
            at(WHEN): Step(self.on_when, then=(at(DATE), at(DAY_CONFIRM), *day_read)),
            at(DATE): Step(self.on_date, then=(at(DAY_CONFIRM), *day_read)),
            at(DAY_CONFIRM): Step(self.on_day_confirm, then=(at(DATE), *day_read)),
            at(PHOTOS): Step(self.on_photos, then=self.after(at(PHOTOS))),
            at(CONFIRM): Step(self.on_confirm, then=(at(EDIT),)),
            at(EDIT): Step(self.on_edit, then=tuple(field for field, _ in self.editable)),
        }

    async def ask(self, ctx: Ctx, field: Steps) -> None:
        if field == self.at(WHEN):
            ctx.ask(field, ctx.t(f"{self.at.flow}.ask_when"), when_choices(ctx))
        elif field == self.at(PHOTOS):
            self.ask_photos(ctx)
        else:
            await self.askers[field](ctx)

    async def advance(self, ctx: Ctx, done: Steps) -> None:
        """Ask the next question, or go back to the summary when a single field was changed."""
        draft = self.of(ctx)
        if draft.editing:
            draft.editing = False
            await self.ask_confirm(ctx)
            return
        position = self.order.index(done)
        if position + 1 < len(self.order):
            await self.ask(ctx, self.order[position + 1])
        else:
            await self.ask_confirm(ctx)

    async def take_when(self, ctx: Ctx, reading: when.Reading) -> None:
        """Keep the day (and time) read, refuse one that cannot be, ask about a guessed year."""
        problem = when.past_problem(reading, ctx.local_now, MAX_AGE_DAYS)
        said = When(day=reading.day, at=reading.at)
        if problem is when.Problem.FUTURE_DAY:
            ctx.reprompt(ctx.t("error.future_date", date=ctx.t.date(reading.day)))
        elif problem is when.Problem.FUTURE_TIME:
            ctx.reprompt(ctx.t("when.future_time"))
        elif problem is when.Problem.TOO_OLD:
            ctx.reprompt(ctx.t("error.old_date", days=MAX_AGE_DAYS))
        elif reading.doubt:
            self.of(ctx).pending_when = said
            question = ctx.t("when.confirm_day", date=when_text(ctx, said))
            ctx.ask(self.at(DAY_CONFIRM), question, yes_no_choices(ctx))
        else:
            self.of(ctx).when = said
            await self.advance(ctx, self.at(WHEN))

    async def on_when(self, ctx: Ctx, event: InEvent) -> None:
        # A whole sentence ("15h hôm qua") is read before a label it contains ("Hôm qua").
        today = ctx.local_now.date()
        picked = ctx.pick(event, loose=False)
        reading = typed_when(ctx, event)
        if reading is not None and not isinstance(picked, Picked):
            await self.take_when(ctx, reading)
            return
        if picked is None:
            picked = ctx.pick(event)
        if isinstance(picked, Picked):
            if picked.id == "other":
                ctx.ask(self.at(DATE), ctx.t(f"{self.at.flow}.ask_date"))
                return
            day = today if picked.id == "today" else today - timedelta(days=1)
            await self.take_when(ctx, when.Reading(day))
            return
        key = "error.stale_choice" if isinstance(picked, StaleChoice) else "incident.when_expected"
        ctx.reprompt(ctx.t(key))

    async def on_date(self, ctx: Ctx, event: InEvent) -> None:
        reading = typed_when(ctx, event)
        if reading is None:
            ctx.reprompt(ctx.t("incident.date_expected"))
            return
        await self.take_when(ctx, reading)

    async def on_day_confirm(self, ctx: Ctx, event: InEvent) -> None:
        answer = yes_or_no(ctx, event)
        if isinstance(answer, StaleChoice):
            ctx.reprompt(ctx.t("error.stale_choice"))
            return
        if answer is None:
            reading = typed_when(ctx, event)
            if reading is None:
                ctx.reprompt(ctx.t("when.yes_no_expected"))
            else:
                await self.take_when(ctx, reading)
            return
        draft = self.of(ctx)
        pending, draft.pending_when = draft.pending_when, None
        if answer and pending is not None:
            draft.when = pending
            await self.advance(ctx, self.at(WHEN))
        else:
            ctx.ask(self.at(DATE), ctx.t("when.ask_date_with_year"))

    def ask_photos(self, ctx: Ctx) -> None:
        """Ask for photos; once the limit is reached, say so and offer only "Xong"."""
        count = len(self.of(ctx).photos)
        if count >= MAX_PHOTOS:
            key = "report.photos_full"
        else:
            key = "report.ask_photos_more" if count else "report.ask_photos"
        done = Choice(id="done", label=str(ctx.t("report.photos_done" if count else "common.skip")))
        ctx.ask(self.at(PHOTOS), ctx.t(key, count=count, limit=MAX_PHOTOS), [done])

    async def on_photos(self, ctx: Ctx, event: InEvent) -> None:
        if event.kind == "photo" and event.photos:
            draft = self.of(ctx)
            room = MAX_PHOTOS - len(draft.photos)
            if room <= 0:
                ctx.reprompt(ctx.t("report.photos_full", limit=MAX_PHOTOS))
                return
            draft.photos = draft.photos + event.photos[:room]
            self.ask_photos(ctx)
            return
        picked = ctx.pick(event)
        typed_done = event.kind == "text" and when.no_more(event.text or "")
        if isinstance(picked, Picked) or (picked is None and typed_done):
            await self.advance(ctx, self.at(PHOTOS))
        elif isinstance(picked, StaleChoice):
            ctx.reprompt(ctx.t("error.stale_choice"))
        else:
            ctx.reprompt(ctx.t("report.photos_expected"))

    async def ask_confirm(self, ctx: Ctx) -> None:
        summary = await self.summarize(ctx, self.of(ctx))
        actions = ("send", "edit", "cancel")
        options = [Choice(id=key, label=str(ctx.t(f"report.{key}"))) for key in actions]
        ctx.ask(self.at(CONFIRM), ctx.t("report.confirm", summary=summary), options)

    async def on_confirm(self, ctx: Ctx, event: InEvent) -> None:
        chosen = ctx.choose(event)
        if chosen is None:
            return
        if chosen == "send":
            filed = await self.save(ctx, self.of(ctx))
            saved = ctx.t("report.saved", number=filed.report.id)
            if filed.alerted:
                saved = Markup(f"{saved}\n{ctx.t('report.officers_alerted')}")
            ctx.finish(saved)
        elif chosen == "edit":
            options = [Choice(id=field, label=str(ctx.t(label))) for field, label in self.editable]
            ctx.ask(self.at(EDIT), ctx.t("report.which_field"), options)
        else:
            ctx.finish(ctx.t("cancel.done"))

    async def on_edit(self, ctx: Ctx, event: InEvent) -> None:
        chosen = ctx.choose(event)
        if chosen is None:
            return
        self.of(ctx).editing = True
        await self.ask(ctx, self.at(chosen))
