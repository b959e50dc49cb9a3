"""The open incidents of the officer's unit, and one incident with its history."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from handlers import access, alerts, picklist
from handlers.access import Need
from handlers.context import BACK, Ctx
from handlers.flow import Flow, FlowState, Step
from handlers.flows import followup
from handlers.flows.officer.common import HISTORY, MAX_LISTED
from handlers.flows.officer.units import asks_unit_first
from handlers.messages import Choice, InEvent
from handlers.services import incidents
from handlers.steps import Steps
from storage import registry
from storage.models import IncidentEvent, Report, Unit


class At(Steps, flow="open_incidents"):
    OPEN = "open"
    INCIDENT = "incident"


class OpenIncidentsState(FlowState):
    """The unit whose open incidents are listed (the officer's, or a digest's), and the
    incident opened from the list."""

    unit_id: int = 0
    report_id: int = 0


async def list_open(ctx: Ctx, unit: Unit | None = None) -> None:
    """The open incidents of the officer's unit (or a digest's), a page at a time."""
    if unit is None and asks_unit_first(ctx, "open"):
        return
    unit = unit or access.office(ctx)
    entries = await _open_entries(ctx, unit)
    if not entries:
        ctx.finish(ctx.t("officer.no_open"))
        return
    ctx.begin(OpenIncidentsState(unit_id=unit.id))
    picklist.ask(ctx, At.OPEN, _open_question(ctx, unit), entries, [ctx.back_choice()])


def _open_question(ctx: Ctx, unit: Unit) -> Markup:
    return Markup("\n").join(
        [ctx.t("officer.open_in", unit=unit.label), ctx.t("officer.pick_incident")]
    )


async def _open_entries(ctx: Ctx, unit: Unit) -> list[picklist.Entry]:
    found = await registry.open_incidents(ctx.session, unit.id, MAX_LISTED)
    readable = [r for r in found if not r.sensitive or await followup.may_act(ctx, r)]
    hamlets = await incidents.units_by_id(ctx.session, {r.unit_id for r in readable})
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


async def on_open(ctx: Ctx, event: InEvent) -> None:
    state = ctx.state(OpenIncidentsState)
    listed = await incidents.find_unit(ctx.session, state.unit_id) if state.unit_id else None
    unit = listed or access.office(ctx)
    entries = await _open_entries(ctx, unit)
    question = _open_question(ctx, unit)
    tail = [ctx.back_choice()]
    chosen = await picklist.answer(ctx, event, At.OPEN, entries, question, tail)
    if chosen == BACK:
        ctx.finish()
        return
    if chosen is None:
        return
    report = await incidents.find_report(ctx.session, int(chosen)) if chosen.isdecimal() else None
    if report is None or not await followup.may_act(ctx, report):
        raise access.NotAllowed
    incidents.record_view(ctx.session, report, ctx.person.id, ctx.now)
    await _show_incident(ctx, report)


async def _show_incident(ctx: Ctx, report: Report, intro: Markup | None = None) -> None:
    """What the officer needs to act: the report, who sent it, where, and what was done."""
    details = await incidents.details(ctx.session, report)
    lines = [_incident_text(ctx, details)]
    options = alerts.choices_left(ctx.t, details.alert.status)
    if details.events:
        lines.append(ctx.t("officer.events", count=details.events))
        options.append(Choice(id=HISTORY, label=str(ctx.t("officer.see_history"))))
    ctx.state(OpenIncidentsState).report_id = report.id
    question = Markup("\n").join(lines)
    ctx.ask(At.INCIDENT, question, [*options, ctx.back_choice()], intro=intro)


def _incident_text(ctx: Ctx, details: incidents.Details) -> Markup:
    alert = details.alert
    report = alert.report
    title = "officer.incident_title_urgent" if report.urgent else "officer.incident_title"
    photos = details.photos
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
                reporter=_reporter(ctx, details),
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


def _reporter(ctx: Ctx, details: incidents.Details) -> Markup | str:
    reporter = details.reporter
    if reporter is None:
        return ctx.t("common.none")
    if reporter.phone:
        return ctx.t("officer.reporter_phone", name=reporter.full_name, phone=reporter.phone)
    return reporter.full_name


async def _history(ctx: Ctx, report: Report) -> Markup:
    """Every step of the follow-up: when, who, what, and the note."""
    found = await incidents.history(ctx.session, report.id)
    lines = [ctx.t("officer.history_title", number=report.id, count=len(found.events))]
    for event in found.events:
        lines.append(
            ctx.t(
                "officer.history_line",
                at=ctx.t.moment(event.at.astimezone(ctx.tz)),
                who=found.names.get(event.person_id or 0) or ctx.t("officer.history_system"),
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


async def on_incident(ctx: Ctx, event: InEvent) -> None:
    chosen = ctx.choose(event)
    if chosen is None:
        return
    report_id = ctx.state(OpenIncidentsState).report_id
    if chosen == HISTORY:
        report = await incidents.find_report(ctx.session, report_id)
        if report is None or not await followup.may_act(ctx, report):
            raise access.NotAllowed
        await _show_incident(ctx, report, intro=await _history(ctx, report))
        return
    ctx.reset()
    # A note or "Đã xử lý" goes on in the follow-up's own steps; anything else is done here
    # and the officer is back on the list.
    await followup.act_on_incident(ctx, report_id, chosen, from_list=True)
    if ctx.is_idle:
        await list_open(ctx)


OPEN_INCIDENTS = Flow(
    At,
    OpenIncidentsState,
    needs=Need.OFFICER,
    entry=(At.OPEN,),
    steps={
        At.OPEN: Step(on_open, then=(At.INCIDENT,)),
        At.INCIDENT: Step(on_incident, then=(At.OPEN,)),
    },
)
# Declared flows of this module; the package gathers them.
FLOWS: tuple[Flow[Any], ...] = (OPEN_INCIDENTS,)
