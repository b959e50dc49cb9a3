"""Reporting an incident, and the one-tap "nothing to report this week"."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from markupsafe import Markup
from sqlalchemy import select

from handlers import alerts
from handlers.context import Ctx, Picked, StaleChoice
from handlers.flows import drafting, menu
from handlers.flows.drafting import DraftFlow, draft
from handlers.messages import Choice, InEvent
from handlers.registry import step
from storage import reports
from storage.clock import iso_week
from storage.enums import IncidentCategory, IncidentStatus, ReportKind
from storage.models import Report, Unit
from storage.text import clean

FLOW = "incident"
MAX_PLACE = 300
SENSITIVE_CATEGORIES = {IncidentCategory.SOCIAL_EVILS}


def category_choices(ctx: Ctx) -> list[Choice]:
    return [Choice(id=c.value, label=str(ctx.t(f"category.{c.value}"))) for c in IncidentCategory]


def urgency_choices(ctx: Ctx) -> list[Choice]:
    return [
        Choice(id="yes", label=str(ctx.t("incident.urgent_yes"))),
        Choice(id="no", label=str(ctx.t("incident.urgent_no"))),
    ]


async def start(ctx: Ctx) -> None:
    ctx.data = {drafting.DRAFT: {"kind": ReportKind.INCIDENT.value}}
    await ask_category(ctx)


async def ask_category(ctx: Ctx) -> None:
    ctx.ask(FLOW, "category", ctx.t("incident.ask_category"), category_choices(ctx))


async def ask_urgency(ctx: Ctx) -> None:
    ctx.ask(FLOW, "urgency", ctx.t("incident.ask_urgency"), urgency_choices(ctx))


async def ask_text(ctx: Ctx) -> None:
    ctx.ask(FLOW, "text", ctx.t("incident.ask_text", limit=drafting.MAX_TEXT))


async def ask_when(ctx: Ctx) -> None:
    options = [
        Choice(id="today", label=str(ctx.t("incident.today"))),
        Choice(id="yesterday", label=str(ctx.t("incident.yesterday"))),
        Choice(id="other", label=str(ctx.t("incident.other_day"))),
    ]
    ctx.ask(FLOW, "when", ctx.t("incident.ask_when"), options)


async def ask_place(ctx: Ctx) -> None:
    skip = [Choice(id="skip", label=str(ctx.t("common.skip")))]
    if ctx.traits.shares_location:
        ctx.ask(FLOW, "place", ctx.t("incident.ask_place"), skip, ask_location=True)
    else:
        ctx.ask(FLOW, "place", ctx.t("incident.ask_place_text"), skip)


async def ask_photos(ctx: Ctx) -> None:
    await drafting.ask_photos(ctx, INCIDENT)


@step(FLOW, "category")
async def on_category(ctx: Ctx, event: InEvent) -> None:
    chosen = ctx.choose(event)
    if chosen is not None:
        draft(ctx)["category"] = chosen
        await drafting.advance(ctx, INCIDENT, "category")


@step(FLOW, "urgency")
async def on_urgency(ctx: Ctx, event: InEvent) -> None:
    chosen = ctx.choose(event)
    if chosen is not None:
        draft(ctx)["urgent"] = chosen == "yes"
        await drafting.advance(ctx, INCIDENT, "urgency")


@step(FLOW, "text")
async def on_text(ctx: Ctx, event: InEvent) -> None:
    if event.kind == "photo" and event.photos and event.text:
        draft(ctx).setdefault("photos", []).extend(event.photos[: drafting.MAX_PHOTOS])
        event = event.model_copy(update={"kind": "text"})
    text = drafting.text_answer(ctx, event)
    if text is not None:
        draft(ctx)["text"] = text
        await drafting.advance(ctx, INCIDENT, "text")


@step(FLOW, "when")
async def on_when(ctx: Ctx, event: InEvent) -> None:
    today = ctx.local_now.date()
    picked = ctx.pick(event)
    if isinstance(picked, Picked):
        if picked.id == "other":
            ctx.ask(FLOW, "date", ctx.t("incident.ask_date"))
            return
        await _set_day(ctx, today if picked.id == "today" else today - timedelta(days=1))
        return
    typed = drafting.parse_day(event.text or "", today) if event.kind == "text" else None
    if typed is not None:
        if drafting.check_day(ctx, typed):
            await _set_day(ctx, typed)
        return
    key = "error.stale_choice" if isinstance(picked, StaleChoice) else "incident.when_expected"
    ctx.reprompt(ctx.t(key))


@step(FLOW, "date")
async def on_date(ctx: Ctx, event: InEvent) -> None:
    typed = drafting.parse_day(event.text or "", ctx.local_now.date())
    if event.kind != "text" or typed is None:
        ctx.reprompt(ctx.t("incident.date_expected"))
        return
    if drafting.check_day(ctx, typed):
        await _set_day(ctx, typed)


async def _set_day(ctx: Ctx, day: date) -> None:
    draft(ctx)["day"] = day.isoformat()
    await drafting.advance(ctx, INCIDENT, "when")


@step(FLOW, "place")
async def on_place(ctx: Ctx, event: InEvent) -> None:
    current = draft(ctx)
    if event.kind == "location" and event.location is not None:
        current.update(
            latitude=event.location.latitude, longitude=event.location.longitude, place=None
        )
        await drafting.advance(ctx, INCIDENT, "place")
        return
    picked = ctx.pick(event, loose=False)
    if isinstance(picked, Picked):
        current.update(place=None, latitude=None, longitude=None)
        await drafting.advance(ctx, INCIDENT, "place")
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
    current.update(place=place, latitude=None, longitude=None)
    await drafting.advance(ctx, INCIDENT, "place")


async def summarize(ctx: Ctx, values: dict[str, Any]) -> Markup:
    day = date.fromisoformat(values["day"])
    if values.get("latitude") is not None:
        place = ctx.t(
            "incident.place_gps", lat=f"{values['latitude']:.5f}", lon=f"{values['longitude']:.5f}"
        )
    else:
        place = values.get("place") or ctx.t("common.none")
    return ctx.t(
        "incident.summary",
        category=ctx.t(f"category.{values['category']}"),
        urgency=ctx.t("incident.urgent_yes" if values["urgent"] else "incident.urgent_no"),
        text=values["text"],
        date=ctx.t.date(day),
        place=place,
        photos=len(values.get("photos", [])),
    )


async def save(ctx: Ctx, values: dict[str, Any]) -> Report:
    hamlet = ctx.hamlet
    assert hamlet is not None
    moment = drafting.occurred_at(ctx, date.fromisoformat(values["day"]))
    category = IncidentCategory(values["category"])
    report = Report(
        unit_id=hamlet.id,
        reporter_id=ctx.person.id,
        kind=ReportKind.INCIDENT,
        category=category.value,
        urgent=bool(values["urgent"]),
        sensitive=category in SENSITIVE_CATEGORIES,
        text=values["text"],
        occurred_at=moment,
        received_at=ctx.now,
        week=iso_week(moment.astimezone(ctx.tz)),
        place=values.get("place"),
        latitude=values.get("latitude"),
        longitude=values.get("longitude"),
        status=IncidentStatus.OPEN,
        source_inbox_id=ctx.inbox_id,
    )
    await reports.add(
        ctx.session, report, values.get("photos", []), ctx.identity.channel, ctx.person.id
    )
    if report.urgent:
        await alert_officers(ctx, report)
    return report


async def alert_officers(ctx: Ctx, report: Report) -> None:
    """In the transaction that stores the report: the officers on duty hear of it at once."""
    notices = await alerts.raise_alert(ctx.session, report, ctx.now, ctx.tz, ctx.t.locale)
    ctx.notices.extend(notices)
    ctx.data["alerted"] = len(notices)


async def nothing_to_report(ctx: Ctx) -> None:
    """One tap: this week was quiet. Tapped twice, it is still one report."""
    hamlet = ctx.hamlet
    assert hamlet is not None
    said, _ = await record_nothing(ctx, hamlet, iso_week(ctx.local_now))
    menu.show(ctx, said)


async def record_nothing(ctx: Ctx, hamlet: Unit, week: str) -> tuple[Markup, Report | None]:
    """Store "nothing to report" for `week` unless it is there: what to tell the person,
    and the report when one was stored."""
    existing = await ctx.session.execute(
        select(Report.id).where(
            Report.unit_id == hamlet.id,
            Report.week == week,
            Report.kind == ReportKind.NOTHING,
            Report.withdrawn_at.is_(None),
        )
    )
    if existing.first() is not None:
        return ctx.t("nothing.already", week=ctx.t.week(week)), None
    report = Report(
        unit_id=hamlet.id,
        reporter_id=ctx.person.id,
        kind=ReportKind.NOTHING,
        text="",
        occurred_at=ctx.now,
        received_at=ctx.now,
        week=week,
        source_inbox_id=ctx.inbox_id,
    )
    await reports.add(ctx.session, report, [], ctx.identity.channel, ctx.person.id)
    return ctx.t("nothing.saved", unit=hamlet.label, week=ctx.t.week(week)), report


INCIDENT = DraftFlow(
    name=FLOW,
    order=("category", "urgency", "text", "when", "place", "photos"),
    askers={
        "category": ask_category,
        "urgency": ask_urgency,
        "text": ask_text,
        "when": ask_when,
        "place": ask_place,
        "photos": ask_photos,
    },
    editable=(
        ("category", "field.category"),
        ("urgency", "field.urgency"),
        ("text", "field.text"),
        ("when", "field.when"),
        ("place", "field.place"),
        ("photos", "field.photos"),
    ),
    summarize=summarize,
    save=save,
)
drafting.register(INCIDENT)
