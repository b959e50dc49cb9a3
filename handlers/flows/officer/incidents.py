"""The open incidents of the officer's unit, and one incident with its history."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup
from sqlalchemy import func, select

from handlers import alerts, picklist
from handlers.context import Ctx
from handlers.flow import Flow
from handlers.flows import followup, menu
from handlers.flows.officer.common import (
    BACK,
    FLOW,
    HISTORY,
    MAX_LISTED,
    Listed,
    _back,
    _picked,
    _refuse,
    unit_of,
)
from handlers.flows.officer.units import _asks_unit_first
from handlers.messages import Choice, InEvent
from handlers.registry import step
from storage import alerts as alert_records
from storage import audit, people, registry
from storage.models import (
    IncidentEvent,
    Person,
    Report,
    ReportPhoto,
    Unit,
)


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


# Declared flows of this module; the package gathers them.
FLOWS: tuple[Flow[Any], ...] = ()
