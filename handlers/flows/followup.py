"""What an urgent alert's and a reminder's buttons do (`handlers.flows.standing` routes the
presses here), and the steps they lead to: an officer's note, a hamlet head's pause.

Each action is checked against the presser's rights; once done, every copy of the message
shows what changed (`alerts.spread`, `_settle_reminder`).
"""

from __future__ import annotations

from datetime import timedelta

from markupsafe import Markup

from handlers import alerts, reminders
from handlers.channels import traits_for
from handlers.context import Ctx, Notice, Picked, StaleChoice
from handlers.flows import drafting, incident, menu
from handlers.i18n import Translator
from handlers.messages import Choice, InEvent, OutMessage
from handlers.registry import step
from storage import alerts as alert_records
from storage import outbox, pauses, people, reports
from storage.clock import iso_week
from storage.enums import IncidentEventKind, IncidentStatus, ReportKind, Role
from storage.models import IncidentEvent, Report, Unit

FLOW = "followup"
REMINDER_WEEKS_BACK = 1


def answer(ctx: Ctx, text: Markup | str) -> None:
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
    # Two officers pressing at once: the second waits and finds the first one's status.
    report = await ctx.session.get(Report, report_id, with_for_update=True)
    if (
        report is None
        or report.kind is not ReportKind.INCIDENT
        or action not in alerts.ACTIONS
        or not await may_act(ctx, report)
    ):
        answer(ctx, ctx.t("officer.refused"))
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
        state = alerts.state_text(await alerts.load(ctx.session, report), ctx.t, ctx.tz)
        answer(ctx, ctx.t("alert.already", number=report.id, status=state))
        return
    report.status = new
    changes = {"status": [current.value, new.value]}
    reports.record_change(ctx.session, report, ctx.person.id, "status", changes, ctx.now)
    change = alert_records.record(
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
    await _spread(ctx, report, change)
    await _tell_reporter(ctx, report, "followup.status_changed", f"status:r{report.id}-{new.value}")
    answer(ctx, ctx.t("alert.updated", number=report.id, status=ctx.t(f"status.{new.value}")))


async def _spread(ctx: Ctx, report: Report, change: IncidentEvent) -> None:
    await ctx.session.flush()
    ctx.notices += await alerts.spread(
        ctx.session, report, change, ctx.person, ctx.tz, ctx.t.locale
    )


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
    await _spread(ctx, report, event_row)
    await _tell_reporter(ctx, report, "followup.note", f"note:e{event_row.id}", note=text)
    menu.show(ctx, ctx.t("alert.note_saved", number=report.id))


async def on_reminder(ctx: Ctx, week: str, hamlet_id: int, action: str) -> None:
    hamlet = next(
        (
            r.unit
            for r in ctx.roles
            if r.role in (Role.REPORTER, Role.DEPUTY) and r.unit.id == hamlet_id
        ),
        None,
    )
    if hamlet is None or action not in reminders.ACTIONS:
        answer(ctx, ctx.t("officer.refused"))
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
        answer(ctx, ctx.t("reminder.too_old", week=ctx.t.week(week)))
        return
    said, saved = await incident.record_nothing(ctx, hamlet, week)
    if saved is not None:
        await _settle_reminder(ctx, reminders.token(week, hamlet.id), saved)
    answer(ctx, said)


async def _settle_reminder(ctx: Ctx, token: str, saved: Report) -> None:
    """Every copy of the reminder (the deputy's too) loses its buttons and says it is done,
    where the platform can redraw a message; elsewhere the answer to the tap is enough."""
    for copy in await outbox.standing_copies(ctx.session, token):
        if copy.identity_id is None or not traits_for(copy.channel).edits_messages:
            continue
        shown = OutMessage.model_validate(copy.message)
        done = ctx.t("reminder.settled", name=ctx.person.full_name, at=ctx.t.moment(ctx.local_now))
        redrawn = OutMessage(text=f"{shown.text}\n\n{done}", replaces=copy.idempotency_key)
        key = f"redraw:n{saved.id}:{copy.idempotency_key}"
        ctx.notices.append(Notice(key, copy.identity_id, copy.channel, copy.chat_key, redrawn))


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
