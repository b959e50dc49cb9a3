"""What an urgent alert's and a reminder's buttons do (`handlers.flows.standing` routes the
presses here), and the steps they lead to: an officer's note, a hamlet head's pause.

Each action is checked against the presser's rights; once done, every copy of the message
shows what changed (`alerts.spread`, `_settle_reminder`). An alert's buttons act in one tap,
since every officer sees on the alert who set what; from the open-incidents list, where a
tap is easily misplaced, "Đã xử lý" is confirmed first, and the officer lands back on the
list after a change or a note.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from markupsafe import Markup

from handlers import alerts, reminders
from handlers.channels import traits_for
from handlers.context import Ctx, Notice, Picked, StaleChoice
from handlers.flow import Flow
from handlers.flows import drafting, incident, menu
from handlers.i18n import Translator
from handlers.messages import Choice, InEvent, OutMessage
from handlers.registry import step
from storage import alerts as alert_records
from storage import outbox, pauses, people, reports
from storage.clock import iso_week
from storage.enums import IncidentEventKind, IncidentStatus, ReportKind, Role
from storage.models import IncidentEvent, Report, Unit
from storage.text import fold

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


async def act_on_incident(
    ctx: Ctx, report_id: int, action: str, *, from_list: bool = False
) -> None:
    """An officer's action on an incident: from an alert's button (one tap, every copy
    redrawn) or from the open-incidents list (`from_list`: "Đã xử lý" is confirmed first,
    and after a note or a change the officer is back on the list)."""
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
        ctx.data.update(report_id=report.id, from_list=from_list)
        ctx.legacy_ask(
            FLOW, "note", ctx.t("alert.ask_note", number=report.id, limit=drafting.MAX_TEXT)
        )
        return
    new = alerts.STATUS_BY_ACTION[action]
    if from_list and new is IncidentStatus.RESOLVED and not _is_past(report, new):
        ctx.data.update(report_id=report.id, from_list=True)
        question = ctx.t("alert.confirm_resolved", number=report.id)
        ctx.legacy_ask(FLOW, "resolve_confirm", question, incident.yes_no(ctx))
        return
    await _change_status(ctx, report, new)


def _is_past(report: Report, new: IncidentStatus) -> bool:
    return alerts.RANK[new] <= alerts.RANK[report.status or IncidentStatus.OPEN]


@step(FLOW, "resolve_confirm")
async def on_resolve_confirm(ctx: Ctx, event: InEvent) -> None:
    chosen = ctx.choose(event)
    if chosen is None:
        return
    report_id = int(ctx.data.get("report_id", 0))
    ctx.reset()
    if chosen != "yes":
        ctx.say(ctx.t("alert.not_changed", number=report_id))
        await _back_to_list(ctx)
        return
    report = await ctx.session.get(Report, report_id, with_for_update=True)
    if report is None or not await may_act(ctx, report):
        menu.show(ctx, ctx.t("officer.refused"))
        return
    await _change_status(ctx, report, IncidentStatus.RESOLVED)
    await _back_to_list(ctx)


async def _back_to_list(ctx: Ctx) -> None:
    from handlers.flows import officer  # officer's steps call this module

    await officer.list_open(ctx)


async def _change_status(ctx: Ctx, report: Report, new: IncidentStatus) -> None:
    current = report.status or IncidentStatus.OPEN
    if _is_past(report, new):
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
    saved = ctx.t("alert.note_saved", number=report.id)
    if ctx.data.get("from_list"):
        ctx.reset()
        ctx.say(saved)
        await _back_to_list(ctx)
        return
    menu.show(ctx, saved)


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
    token = reminders.token(week, hamlet.id)
    covered = await incident.reports_of_week(ctx, hamlet, week)
    if covered:
        # A reminder's tap stays one tap: a week that has a report needs no "quiet" on top.
        numbers = incident.numbers_text(covered)
        settled = ctx.t("reminder.settled_covered", numbers=numbers)
        await _settle_reminder(ctx, token, f"c{covered[-1]}", settled)
        answer(ctx, ctx.t("reminder.covered", week=ctx.t.week(week), numbers=numbers))
        return
    said, saved = await incident.record_nothing(ctx, hamlet, week)
    if saved is not None:
        done = ctx.t("reminder.settled", name=ctx.person.full_name, at=ctx.t.moment(ctx.local_now))
        await _settle_reminder(ctx, token, f"n{saved.id}", done)
    answer(ctx, said)


async def _settle_reminder(ctx: Ctx, token: str, change: str, done: Markup) -> None:
    """Every copy of the reminder (the deputy's too) loses its buttons and says it is done,
    where the platform can redraw a message; elsewhere the answer to the tap is enough.
    `change` names what settled it, so each copy is redrawn once for it."""
    for copy in await outbox.standing_copies(ctx.session, token):
        if copy.identity_id is None or not traits_for(copy.channel).edits_messages:
            continue
        shown = OutMessage.model_validate(copy.message)
        redrawn = OutMessage(text=f"{shown.text}\n\n{done}", replaces=copy.idempotency_key)
        key = f"redraw:{change}:{copy.idempotency_key}"
        ctx.notices.append(Notice(key, copy.identity_id, copy.channel, copy.chat_key, redrawn))


PAUSE_DAYS = (3, 7, 14, 30)
MAX_PAUSE_DAYS = 60
# Typed at the pause question, as people say it, diacritics optional (folded).
RESUME_WORDS = frozenset({"bat lai", "bat lai nhac", "bat nhac", "mo lai", "mo lai nhac"})
_PAUSE_WORDS = r"(?:tam dung|dung)(?: nhac)?(?: bao cao)?"
_PAUSE_TYPED = re.compile(rf"^(?:{_PAUSE_WORDS})?\s*(\d{{1,3}})?\s*(?:ngay)?$")
# "tạm dừng" without a number: one week, the time between two reminders.
DEFAULT_PAUSE_DAYS = 7


async def ask_pause(ctx: Ctx) -> None:
    options = [Choice(id=str(d), label=str(ctx.t("pause.days", days=d))) for d in PAUSE_DAYS]
    current = await pauses.for_person(ctx.session, ctx.person.id, ctx.local_now.date())
    intro = None
    if current is not None:
        options.append(Choice(id="resume", label=str(ctx.t("pause.resume"))))
        intro = ctx.t("pause.current", until=ctx.t.date(current.last_day))
    ctx.legacy_ask(FLOW, "pause", ctx.t("pause.ask", limit=MAX_PAUSE_DAYS), options, intro=intro)


def _typed_pause(text: str) -> str | int | None:
    """What typed words ask for: "resume", a number of days, or None (not understood).
    A number that is no option's position (those were read first) is a count of days."""
    key = fold(text)
    if key in RESUME_WORDS:
        return "resume"
    found = _PAUSE_TYPED.match(key) if key else None
    if found is None:
        return None
    if found.group(1):
        return int(found.group(1))
    return DEFAULT_PAUSE_DAYS if key.startswith(("tam dung", "dung")) else None


async def _resume(ctx: Ctx) -> None:
    current = await pauses.for_person(ctx.session, ctx.person.id, ctx.local_now.date())
    if current is None:
        menu.show(ctx, ctx.t("pause.not_paused"))
        return
    current.cancelled_at = ctx.now
    menu.show(ctx, ctx.t("pause.resumed"))


@step(FLOW, "pause")
async def on_pause(ctx: Ctx, event: InEvent) -> None:
    picked = ctx.pick(event, loose=False)
    today = ctx.local_now.date()
    wanted: str | int | None
    if isinstance(picked, Picked):
        wanted = picked.id if picked.id == "resume" else int(picked.id)
    elif isinstance(picked, StaleChoice):
        ctx.reprompt(ctx.t("error.stale_choice"))
        return
    else:
        wanted = _typed_pause(event.text or "") if event.kind == "text" else None
    if wanted == "resume":
        await _resume(ctx)
        return
    days = wanted if isinstance(wanted, int) else 0
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


# Declared flows of this module; handlers/flows/__init__.py gathers them.
FLOWS: tuple[Flow[Any], ...] = ()
