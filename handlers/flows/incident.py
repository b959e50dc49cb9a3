"""Reporting an incident, and the one-tap "nothing to report this week"."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from handlers import access, alerts, when
from handlers.access import Need
from handlers.context import Ctx, Picked, StaleChoice
from handlers.flow import Flow, Step
from handlers.flows import drafting
from handlers.flows.drafting import Draft, DraftFlow
from handlers.messages import Choice, InEvent
from handlers.services import filing
from handlers.steps import Steps
from storage.clock import iso_week
from storage.enums import IncidentCategory
from storage.models import Report, Unit
from storage.text import clean

MAX_PLACE = 300


class At(Steps, flow="incident"):
    CATEGORY = "category"
    URGENCY = "urgency"
    TEXT = "text"
    WHEN = "when"
    DATE = "date"
    DAY_CONFIRM = "day_confirm"
    PLACE = "place"
    PHOTOS = "photos"
    CONFIRM = "confirm"
    EDIT = "edit"
    QUIET_CONFIRM = "quiet_confirm"


class IncidentDraft(Draft):
    category: IncidentCategory | None = None
    urgent: bool | None = None
    text: str | None = None
    # Typed words, or a shared location: never both.
    place: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    # The week "nothing to report" is asked about when it already has reports.
    quiet_week: str | None = None


def category_choices(ctx: Ctx) -> list[Choice]:
    return [Choice(id=c.value, label=str(ctx.t(f"category.{c.value}"))) for c in IncidentCategory]


def urgency_choices(ctx: Ctx) -> list[Choice]:
    return [
        Choice(id="yes", label=str(ctx.t("incident.urgent_yes"))),
        Choice(id="no", label=str(ctx.t("incident.urgent_no"))),
    ]


def yes_no(ctx: Ctx) -> list[Choice]:
    """The two answers of a confirmation, typed as "có" / "không" or 1 / 2."""
    return [
        Choice(id="yes", label=str(ctx.t("confirm.yes"))),
        Choice(id="no", label=str(ctx.t("confirm.no"))),
    ]


async def start(ctx: Ctx) -> None:
    ctx.begin(IncidentDraft())
    await ask_category(ctx)


async def ask_category(ctx: Ctx) -> None:
    ctx.ask(At.CATEGORY, ctx.t("incident.ask_category"), category_choices(ctx))


async def ask_urgency(ctx: Ctx) -> None:
    ctx.ask(At.URGENCY, ctx.t("incident.ask_urgency"), urgency_choices(ctx))


async def ask_text(ctx: Ctx) -> None:
    ctx.ask(At.TEXT, ctx.t("incident.ask_text", limit=drafting.MAX_TEXT))


async def ask_place(ctx: Ctx) -> None:
    skip = [Choice(id="skip", label=str(ctx.t("common.skip")))]
    if ctx.traits.shares_location:
        ctx.ask(At.PLACE, ctx.t("incident.ask_place"), skip, ask_location=True)
    else:
        ctx.ask(At.PLACE, ctx.t("incident.ask_place_text"), skip)


async def on_category(ctx: Ctx, event: InEvent) -> None:
    chosen = ctx.choose(event)
    if chosen is not None:
        REPORT.of(ctx).category = IncidentCategory(chosen)
        await REPORT.advance(ctx, At.CATEGORY)


async def on_urgency(ctx: Ctx, event: InEvent) -> None:
    urgent = _urgency_answer(ctx, event)
    if urgent is not None:
        REPORT.of(ctx).urgent = urgent
        await REPORT.advance(ctx, At.URGENCY)


def _urgency_answer(ctx: Ctx, event: InEvent) -> bool | None:
    """A button, the number or a whole label first; then what people write ("khẩn", "gấp",
    "ko", "bình thường"), since "khẩn" alone is in both labels."""
    picked = ctx.pick(event, loose=False)
    if isinstance(picked, Picked):
        return picked.id == "yes"
    typed = when.urgency(event.text or "") if event.kind == "text" else None
    if typed is not None and not isinstance(picked, StaleChoice):
        return typed
    chosen = ctx.choose(event)
    return None if chosen is None else chosen == "yes"


async def on_text(ctx: Ctx, event: InEvent) -> None:
    draft = REPORT.of(ctx)
    if event.kind == "photo" and event.photos and event.text:
        room = max(drafting.MAX_PHOTOS - len(draft.photos), 0)
        draft.photos = draft.photos + event.photos[:room]
        event = event.model_copy(update={"kind": "text"})
    text = drafting.text_answer(ctx, event)
    if text is not None:
        draft.text = text
        await REPORT.advance(ctx, At.TEXT)


async def on_place(ctx: Ctx, event: InEvent) -> None:
    draft = REPORT.of(ctx)
    if event.kind == "location" and event.location is not None:
        draft.place = None
        draft.latitude, draft.longitude = event.location.latitude, event.location.longitude
        await REPORT.advance(ctx, At.PLACE)
        return
    picked = ctx.pick(event, loose=False)
    if isinstance(picked, Picked):
        draft.place, draft.latitude, draft.longitude = None, None, None
        await REPORT.advance(ctx, At.PLACE)
        return
    place = clean(event.text or "") if event.kind == "text" else ""
    if isinstance(picked, StaleChoice) or not place:
        located = ctx.traits.shares_location
        ctx.reprompt(
            ctx.t("incident.place_expected" if located else "incident.place_text_expected")
        )
        return
    if len(place) > MAX_PLACE:
        ctx.reprompt(ctx.t("error.text_too_long", limit=MAX_PLACE, length=len(place)))
        return
    draft.place, draft.latitude, draft.longitude = place, None, None
    await REPORT.advance(ctx, At.PLACE)


async def summarize(ctx: Ctx, draft: IncidentDraft) -> Markup:
    place: Markup | str
    if draft.latitude is not None and draft.longitude is not None:
        place = ctx.t(
            "incident.place_gps", lat=f"{draft.latitude:.5f}", lon=f"{draft.longitude:.5f}"
        )
    else:
        place = draft.place or ctx.t("common.none")
    assert draft.category is not None
    return ctx.t(
        "incident.summary",
        category=ctx.t(f"category.{draft.category.value}"),
        urgency=ctx.t("incident.urgent_yes" if draft.urgent else "incident.urgent_no"),
        text=draft.text,
        date=drafting.when_text(ctx, draft.when),
        place=place,
        photos=len(draft.photos),
    )


async def save(ctx: Ctx, draft: IncidentDraft) -> filing.Filed:
    assert draft.category is not None and draft.text is not None
    report = await filing.file_incident(
        ctx.session,
        drafting.filer(ctx, access.hamlet_of(ctx)),
        category=draft.category,
        urgent=bool(draft.urgent),
        text=draft.text,
        occurred=drafting.occurred(ctx, draft.when),
        place=draft.place,
        latitude=draft.latitude,
        longitude=draft.longitude,
        photos=draft.photos,
    )
    alerted = await alert_officers(ctx, report) if report.urgent else 0
    return filing.Filed(report, alerted)


async def alert_officers(ctx: Ctx, report: Report) -> int:
    """In the transaction that stores the report: the officers on duty hear of it at once.
    How many were alerted."""
    notices = await alerts.raise_alert(ctx.session, report, ctx.now, ctx.tz, ctx.t.locale)
    ctx.notices.extend(notices)
    return len(notices)


async def nothing_to_report(ctx: Ctx) -> None:
    """One tap when the week is empty: it was quiet. Tapped twice, it is still one report.
    When the week already has a report, "nothing to report" would contradict it: ask first."""
    hamlet = access.hamlet_of(ctx)
    week = iso_week(ctx.local_now)
    covered = await reports_of_week(ctx, hamlet, week)
    if covered and not await filing.has_quiet_week(ctx.session, hamlet.id, week):
        ctx.begin(IncidentDraft(quiet_week=week))
        question = ctx.t(
            "nothing.confirm_covered", week=ctx.t.week(week), numbers=numbers_text(covered)
        )
        ctx.ask(At.QUIET_CONFIRM, question, yes_no(ctx))
        return
    said, _ = await record_nothing(ctx, hamlet, week)
    ctx.finish(said)


async def on_quiet_confirm(ctx: Ctx, event: InEvent) -> None:
    chosen = ctx.choose(event)
    if chosen is None:
        return
    hamlet = access.hamlet_of(ctx)
    week = REPORT.of(ctx).quiet_week
    if not week:
        ctx.finish()
        return
    if chosen != "yes":
        ctx.finish(ctx.t("nothing.not_recorded", week=ctx.t.week(week)))
        return
    said, _ = await record_nothing(ctx, hamlet, week)
    ctx.finish(said)


async def reports_of_week(ctx: Ctx, hamlet: Unit, week: str) -> list[int]:
    """The numbers of the hamlet's incidents and activities of `week`, still standing."""
    return await filing.numbers_of_week(ctx.session, hamlet.id, week)


def numbers_text(numbers: list[int]) -> str:
    return ", ".join(f"#{number}" for number in numbers)


async def record_nothing(ctx: Ctx, hamlet: Unit, week: str) -> tuple[Markup, Report | None]:
    """Store "nothing to report" for `week` unless it is there: what to tell the person,
    and the report when one was stored."""
    if await filing.has_quiet_week(ctx.session, hamlet.id, week):
        return ctx.t("nothing.already", week=ctx.t.week(week)), None
    report = await filing.file_quiet_week(ctx.session, drafting.filer(ctx, hamlet), week)
    return ctx.t("nothing.saved", unit=hamlet.label, week=ctx.t.week(week)), report


REPORT = DraftFlow(
    At,
    IncidentDraft,
    order=(At.CATEGORY, At.URGENCY, At.TEXT, At.WHEN, At.PLACE, At.PHOTOS),
    askers={
        At.CATEGORY: ask_category,
        At.URGENCY: ask_urgency,
        At.TEXT: ask_text,
        At.PLACE: ask_place,
    },
    editable=(
        (At.CATEGORY, "field.category"),
        (At.URGENCY, "field.urgency"),
        (At.TEXT, "field.text"),
        (At.WHEN, "field.when"),
        (At.PLACE, "field.place"),
        (At.PHOTOS, "field.photos"),
    ),
    summarize=summarize,
    save=save,
)

INCIDENT = Flow(
    At,
    IncidentDraft,
    needs=Need.REPORTER,
    entry=(At.CATEGORY, At.QUIET_CONFIRM),
    steps={
        At.CATEGORY: Step(on_category, then=(At.URGENCY, At.CONFIRM)),
        At.URGENCY: Step(on_urgency, then=(At.TEXT, At.CONFIRM)),
        At.TEXT: Step(on_text, then=(At.WHEN, At.CONFIRM)),
        At.PLACE: Step(on_place, then=(At.PHOTOS, At.CONFIRM)),
        At.QUIET_CONFIRM: Step(on_quiet_confirm),
        # when, date, day_confirm, photos, confirm, edit
        **REPORT.steps(),
    },
)
# Declared flows of this module; handlers/flows/__init__.py gathers them.
FLOWS: tuple[Flow[Any], ...] = (INCIDENT,)
