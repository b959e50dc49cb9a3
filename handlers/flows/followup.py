"""Buttons that live outside the conversation: urgent alerts and weekly reminders.

Their token names what they act on (`r<report>` for an alert, `w<week>.<hamlet>` for a
reminder), so they work at any step. Each press is checked against the presser's rights: a
forged or foreign press changes nothing and gets a short answer.
"""

from __future__ import annotations

from datetime import timedelta

from markupsafe import Markup

from handlers import alerts, reminders
from handlers.context import Ctx, Picked, StaleChoice
from handlers.flows import drafting, incident, menu
from handlers.i18n import Translator
from handlers.messages import Choice, InEvent, OutMessage
from handlers.registry import step
from storage import alerts as alert_records
from storage import pauses, people, reports
from storage.clock import iso_week
from storage.enums import IncidentEventKind, IncidentStatus, ReportKind, Role
from storage.models import Report, Unit

FLOW = "followup"
REMINDER_WEEKS_BACK = 1


def is_global(event: InEvent) -> bool:
    token = event.choice_token or ""
    return event.kind == "choice" and bool(token) and not token.isdecimal()


async def on_global(ctx: Ctx, event: InEvent) -> None:
    token = event.choice_token or ""
    report_id = alerts.report_id_of(token)
    if report_id is not None:
        await act_on_incident(ctx, report_id, event.choice_id or "")
        return
    reminder = reminders.parse_token(token)
    if reminder is not None:
        await _on_reminder(ctx, *reminder, event.choice_id or "")
        return
    _answer(ctx, ctx.t("error.stale_choice"))


def _answer(ctx: Ctx, text: Markup | str) -> None:
    """A short answer, then the question the person was at, so nothing of it is lost."""
    ctx.say(text)
    if not ctx.is_idle:
        ctx.resume()


async def may_act(ctx: Ctx, report: Report) -> bool:
    """An officer of a unit above the report's hamlet; for confidential ones, one named."""
    for active in ctx.roles:
        if active.role not in alert_records.OFFICER_ROLES:
            continue
        if report.sensitive and not active.confidential:
            continue
        if await alert_records.in_subtree(ctx.session, active.unit.id, report.unit_id):
            return True
    return False


async def act_on_incident(ctx: Ctx, report_id: int, action: str) -> None:
    report = await ctx.session.get(Report, report_id)
    if (
        report is None
        or report.kind is not ReportKind.INCIDENT
        or action not in alerts.ACTIONS
        or not await may_act(ctx, report)
    ):
        _answer(ctx, ctx.t("officer.refused"))
        return
    if action == "note":
        if not ctx.is_idle:
            ctx.say(ctx.t("cancel.done"))
        ctx.reset()
        ctx.data["report_id"] = report.id
        ctx.ask(FLOW, "note", ctx.t("alert.ask_note", number=report.id, limit=drafting.MAX_TEXT))
        return
    new = alerts.STATUS_BY_ACTION[action]
    current = report.status or IncidentStatus.OPEN
    if alerts.RANK[new] <= alerts.RANK[current]:
        status = ctx.t(f"status.{current.value}")
        _answer(ctx, ctx.t("alert.already", number=report.id, status=status))
        return
    report.status = new
    changes = {"status": [current.value, new.value]}
    reports.record_change(ctx.session, report, ctx.person.id, "status", changes, ctx.now)
    alert_records.record(
        ctx.session,
        report.id,
        IncidentEventKind.STATUS,
        ctx.now,
        person_id=ctx.person.id,
        status=new,
    )
    alert = await alert_records.for_report(ctx.session, report.id)
    if alert is not None and alert.acknowledged_at is None:
        alert.acknowledged_at, alert.acknowledged_by_person_id = ctx.now, ctx.person.id
        alert.escalate_at = None
    await _tell_reporter(ctx, report, "followup.status_changed", f"status:r{report.id}-{new.value}")
    _answer(ctx, ctx.t("alert.updated", number=report.id, status=ctx.t(f"status.{new.value}")))


async def _tell_reporter(ctx: Ctx, report: Report, key: str, kind: str, note: str = "") -> None:
    if report.reporter_id is None:
        return
    unit = await ctx.session.get_one(Unit, report.unit_id)
    for identity in await people.identities_of(ctx.session, [report.reporter_id]):
        t = Translator(identity.locale or ctx.t.locale)
        text = t(
            key,
            number=report.id,
            status=t(f"status.{(report.status or IncidentStatus.OPEN).value}"),
            officer=ctx.person.full_name,
            unit=unit.label,
            note=note,
        )
        ctx.notify(identity, OutMessage(text=str(text)), f"{kind}:{unit.id}:{identity.id}")


@step(FLOW, "note")
async def on_note(ctx: Ctx, event: InEvent) -> None:
    text = drafting.text_answer(ctx, event)
    if text is None:
        return
    report = await ctx.session.get(Report, int(ctx.data.get("report_id", 0)))
    if report is None or not await may_act(ctx, report):
        menu.show(ctx, ctx.t("officer.refused"))
        return
    event_row = alert_records.record(
        ctx.session, report.id, IncidentEventKind.NOTE, ctx.now, person_id=ctx.person.id, note=text
    )
    await ctx.session.flush()
    await _tell_reporter(ctx, report, "followup.note", f"note:e{event_row.id}", note=text)
    menu.show(ctx, ctx.t("alert.note_saved", number=report.id))


async def _on_reminder(ctx: Ctx, week: str, hamlet_id: int, action: str) -> None:
    hamlet = next(
        (
            r.unit
            for r in ctx.roles
            if r.role in (Role.REPORTER, Role.DEPUTY) and r.unit.id == hamlet_id
        ),
        None,
    )
    if hamlet is None or action not in reminders.ACTIONS:
        _answer(ctx, ctx.t("officer.refused"))
        return
    if action == "inc":
        if not ctx.is_idle:
            ctx.say(ctx.t("cancel.done"))
        ctx.reset()
        await incident.start(ctx)
        return
    if action == "pause":
        if not ctx.is_idle:
            ctx.say(ctx.t("cancel.done"))
        ctx.reset()
        await ask_pause(ctx)
        return
    recent = {
        iso_week(ctx.local_now - timedelta(weeks=back)) for back in range(REMINDER_WEEKS_BACK + 1)
    }
    if week not in recent:
        _answer(ctx, ctx.t("reminder.too_old", week=ctx.t.week(week)))
        return
    _answer(ctx, await incident.record_nothing(ctx, hamlet, week))


PAUSE_DAYS = (3, 7, 14, 30)
MAX_PAUSE_DAYS = 60


async def ask_pause(ctx: Ctx) -> None:
    options = [Choice(id=str(d), label=str(ctx.t("pause.days", days=d))) for d in PAUSE_DAYS]
    current = await pauses.for_person(ctx.session, ctx.person.id, ctx.local_now.date())
    intro = None
    if current is not None:
        options.append(Choice(id="resume", label=str(ctx.t("pause.resume"))))
        intro = ctx.t("pause.current", until=ctx.t.date(current.last_day))
    ctx.ask(FLOW, "pause", ctx.t("pause.ask", limit=MAX_PAUSE_DAYS), options, intro=intro)


@step(FLOW, "pause")
async def on_pause(ctx: Ctx, event: InEvent) -> None:
    picked = ctx.pick(event, loose=False)
    today = ctx.local_now.date()
    if isinstance(picked, Picked) and picked.id == "resume":
        current = await pauses.for_person(ctx.session, ctx.person.id, today)
        if current is not None:
            current.cancelled_at = ctx.now
        menu.show(ctx, ctx.t("pause.resumed"))
        return
    if isinstance(picked, Picked):
        days = int(picked.id)
    elif isinstance(picked, StaleChoice):
        ctx.reprompt(ctx.t("error.stale_choice"))
        return
    else:
        typed = (event.text or "").strip() if event.kind == "text" else ""
        days = int(typed) if typed.isdecimal() else 0
    if not 1 <= days <= MAX_PAUSE_DAYS:
        ctx.reprompt(ctx.t("pause.days_expected", limit=MAX_PAUSE_DAYS))
        return
    last = today + timedelta(days=days - 1)
    await pauses.add(
        ctx.session,
        first_day=today,
        last_day=last,
        now=ctx.now,
        created_by=ctx.person.id,
        person_id=ctx.person.id,
    )
    menu.show(ctx, ctx.t("pause.saved", until=ctx.t.date(last)))
