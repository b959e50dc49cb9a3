"""Reporting an incident, and the one-tap "nothing to report this week"."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup
from sqlalchemy import select

from handlers import alerts, when
from handlers.context import Ctx, Picked, StaleChoice
from handlers.flow import Flow
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
    ctx.legacy_ask(FLOW, "category", ctx.t("incident.ask_category"), category_choices(ctx))


async def ask_urgency(ctx: Ctx) -> None:
    ctx.legacy_ask(FLOW, "urgency", ctx.t("incident.ask_urgency"), urgency_choices(ctx))


async def ask_text(ctx: Ctx) -> None:
    ctx.legacy_ask(FLOW, "text", ctx.t("incident.ask_text", limit=drafting.MAX_TEXT))


async def ask_when(ctx: Ctx) -> None:
    await drafting.ask_when(ctx, INCIDENT)


async def ask_place(ctx: Ctx) -> None:
    skip = [Choice(id="skip", label=str(ctx.t("common.skip")))]
    if ctx.traits.shares_location:
        ctx.legacy_ask(FLOW, "place", ctx.t("incident.ask_place"), skip, ask_location=True)
    else:
        ctx.legacy_ask(FLOW, "place", ctx.t("incident.ask_place_text"), skip)


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
    urgent = _urgency_answer(ctx, event)
    if urgent is not None:
        draft(ctx)["urgent"] = urgent
        await drafting.advance(ctx, INCIDENT, "urgency")


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


@step(FLOW, "text")
async def on_text(ctx: Ctx, event: InEvent) -> None:
    if event.kind == "photo" and event.photos and event.text:
        photos = draft(ctx).setdefault("photos", [])
        photos.extend(event.photos[: max(drafting.MAX_PHOTOS - len(photos), 0)])
        event = event.model_copy(update={"kind": "text"})
    text = drafting.text_answer(ctx, event)
    if text is not None:
        draft(ctx)["text"] = text
        await drafting.advance(ctx, INCIDENT, "text")


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
        date=drafting.when_text(ctx, values),
        place=place,
        photos=len(values.get("photos", [])),
    )


async def save(ctx: Ctx, values: dict[str, Any]) -> Report:
    hamlet = ctx.hamlet
    assert hamlet is not None
    moment, time_known = drafting.occurred(ctx, values)
    category = IncidentCategory(values["category"])
    report = Report(
        unit_id=hamlet.id,
        reporter_id=ctx.person.id,
        kind=ReportKind.INCIDENT,
        category=category.value,
        urgent=bool(values["urgent"]),
        sensitive=category.confidential,
        text=values["text"],
        occurred_at=moment,
        occurred_time_known=time_known,
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


def yes_no(ctx: Ctx) -> list[Choice]:
    """The two answers of a confirmation, typed as "có" / "không" or 1 / 2."""
    return [
        Choice(id="yes", label=str(ctx.t("confirm.yes"))),
        Choice(id="no", label=str(ctx.t("confirm.no"))),
    ]


async def nothing_to_report(ctx: Ctx) -> None:
    """One tap when the week is empty: it was quiet. Tapped twice, it is still one report.
    When the week already has a report, "nothing to report" would contradict it: ask first."""
    hamlet = ctx.hamlet
    assert hamlet is not None
    week = iso_week(ctx.local_now)
    covered = await reports_of_week(ctx, hamlet, week)
    if covered and not await _has_quiet_week(ctx, hamlet, week):
        ctx.data = {"week": week}
        question = ctx.t(
            "nothing.confirm_covered", week=ctx.t.week(week), numbers=numbers_text(covered)
        )
        ctx.legacy_ask(FLOW, "quiet_confirm", question, yes_no(ctx))
        return
    said, _ = await record_nothing(ctx, hamlet, week)
    menu.show(ctx, said)


@step(FLOW, "quiet_confirm")
async def on_quiet_confirm(ctx: Ctx, event: InEvent) -> None:
    chosen = ctx.choose(event)
    if chosen is None:
        return
    hamlet = ctx.hamlet
    week = str(ctx.data.get("week", ""))
    if hamlet is None or not week:
        menu.show(ctx)
        return
    if chosen != "yes":
        menu.show(ctx, ctx.t("nothing.not_recorded", week=ctx.t.week(week)))
        return
    said, _ = await record_nothing(ctx, hamlet, week)
    menu.show(ctx, said)


async def reports_of_week(ctx: Ctx, hamlet: Unit, week: str) -> list[int]:
    """The numbers of the hamlet's incidents and activities of `week`, still standing."""
    found = await ctx.session.execute(
        select(Report.id)
        .where(
            Report.unit_id == hamlet.id,
            Report.week == week,
            Report.kind != ReportKind.NOTHING,
            Report.withdrawn_at.is_(None),
        )
        .order_by(Report.id)
    )
    return list(found.scalars())


def numbers_text(numbers: list[int]) -> str:
    return ", ".join(f"#{number}" for number in numbers)


async def _has_quiet_week(ctx: Ctx, hamlet: Unit, week: str) -> bool:
    existing = await ctx.session.execute(
        select(Report.id).where(
            Report.unit_id == hamlet.id,
            Report.week == week,
            Report.kind == ReportKind.NOTHING,
            Report.withdrawn_at.is_(None),
        )
    )
    return existing.first() is not None


async def record_nothing(ctx: Ctx, hamlet: Unit, week: str) -> tuple[Markup, Report | None]:
    """Store "nothing to report" for `week` unless it is there: what to tell the person,
    and the report when one was stored."""
    if await _has_quiet_week(ctx, hamlet, week):
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


# Declared flows of this module; handlers/flows/__init__.py gathers them.
FLOWS: tuple[Flow[Any], ...] = ()
