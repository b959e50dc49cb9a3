"""What an urgent alert's and a reminder's buttons do (`handlers.flows.standing` routes the
presses here), and the steps an officer's press leads to: a note, a confirmation.

Each action is checked against the presser's rights; once done, every copy of the message
shows what changed (`alerts.spread`, `_settle_reminder`). An alert's buttons act in one tap,
since every officer sees on the alert who set what; from the open-incidents list, where a
tap is easily misplaced, "Đã xử lý" is confirmed first, and the officer lands back on the
list after a change or a note.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from markupsafe import Markup

from handlers import access, alerts, reminders
from handlers.channels import traits_for
from handlers.context import REPORTER_ROLES, Ctx, Notice
from handlers.flow import Flow, FlowState, Step
from handlers.flows import drafting, incident, pause
from handlers.i18n import Translator
from handlers.messages import InEvent, OutMessage
from handlers.services import followup as use_case
from handlers.services import recent_reports
from handlers.steps import Steps
from storage import outbox, people
from storage.clock import iso_week
from storage.enums import IncidentStatus, ReportKind
from storage.models import IncidentEvent, Report

REMINDER_WEEKS_BACK = 1


class At(Steps, flow="followup"):
    RESOLVE_CONFIRM = "resolve_confirm"
    NOTE = "note"


class FollowupState(FlowState):
    """The incident an officer is noting or resolving, and whether they came from the list
    of open incidents (and go back to it)."""

    report_id: int = 0
    from_list: bool = False


def answer(ctx: Ctx, text: Markup | str) -> None:
    """A short answer, then the question the person was at, so nothing of it is lost."""
    ctx.say(text)
    if not ctx.is_idle:
        ctx.resume()


async def may_act(ctx: Ctx, report: Report) -> bool:
    """An officer of a unit above the report's hamlet; for confidential ones, one named."""
    return await use_case.may_act(ctx.session, ctx.roles, report)


async def act_on_incident(
    ctx: Ctx, report_id: int, action: str, *, from_list: bool = False
) -> None:
    """An officer's action on an incident: from an alert's button (one tap, every copy
    redrawn) or from the open-incidents list (`from_list`: "Đã xử lý" is confirmed first,
    and after a note or a change the officer is back on the list)."""
    report = await use_case.lock_report(ctx.session, report_id)
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
        ctx.begin(FollowupState(report_id=report.id, from_list=from_list))
        ctx.ask(At.NOTE, ctx.t("alert.ask_note", number=report.id, limit=drafting.MAX_TEXT))
        return
    new = alerts.STATUS_BY_ACTION[action]
    if from_list and new is IncidentStatus.RESOLVED and not _is_past(report, new):
        ctx.begin(FollowupState(report_id=report.id, from_list=True))
        question = ctx.t("alert.confirm_resolved", number=report.id)
        ctx.ask(At.RESOLVE_CONFIRM, question, incident.yes_no(ctx))
        return
    await _change_status(ctx, report, new)


def _is_past(report: Report, new: IncidentStatus) -> bool:
    return alerts.RANK[new] <= alerts.RANK[report.status or IncidentStatus.OPEN]


async def on_resolve_confirm(ctx: Ctx, event: InEvent) -> None:
    chosen = ctx.choose(event)
    if chosen is None:
        return
    report_id = ctx.state(FollowupState).report_id
    ctx.reset()
    if chosen != "yes":
        ctx.say(ctx.t("alert.not_changed", number=report_id))
        await _back_to_list(ctx)
        return
    report = await use_case.lock_report(ctx.session, report_id)
    if report is None or not await may_act(ctx, report):
        raise access.NotAllowed
    await _change_status(ctx, report, IncidentStatus.RESOLVED)
    await _back_to_list(ctx)


async def _back_to_list(ctx: Ctx) -> None:
    from handlers.flows import officer  # officer's steps call this module

    await officer.list_open(ctx)


async def _change_status(ctx: Ctx, report: Report, new: IncidentStatus) -> None:
    if _is_past(report, new):
        state = alerts.state_text(await alerts.load(ctx.session, report), ctx.t, ctx.tz)
        answer(ctx, ctx.t("alert.already", number=report.id, status=state))
        return
    change = await use_case.change_status(ctx.session, report, new, ctx.person.id, ctx.now)
    await _spread(ctx, report, change)
    await _tell_reporter(ctx, report, "followup.status_changed", f"status:r{report.id}-{new.value}")
    answer(ctx, ctx.t("alert.updated", number=report.id, status=ctx.t(f"status.{new.value}")))


async def _spread(ctx: Ctx, report: Report, change: IncidentEvent) -> None:
    ctx.notices += await alerts.spread(
        ctx.session, report, change, ctx.person, ctx.tz, ctx.t.locale
    )


async def _tell_reporter(ctx: Ctx, report: Report, key: str, kind: str, note: str = "") -> None:
    if report.reporter_id is None:
        return
    unit = await recent_reports.unit_of(ctx.session, report)
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


async def on_note(ctx: Ctx, event: InEvent) -> None:
    text = drafting.text_answer(ctx, event)
    if text is None:
        return
    state = ctx.state(FollowupState)
    report = await use_case.find_report(ctx.session, state.report_id)
    if report is None or not await may_act(ctx, report):
        raise access.NotAllowed
    note = await use_case.add_note(ctx.session, report, text, ctx.person.id, ctx.now)
    await _spread(ctx, report, note)
    await _tell_reporter(ctx, report, "followup.note", f"note:e{note.id}", note=text)
    saved = ctx.t("alert.note_saved", number=report.id)
    if state.from_list:
        ctx.reset()
        ctx.say(saved)
        await _back_to_list(ctx)
        return
    ctx.finish(saved)


async def on_reminder(ctx: Ctx, week: str, hamlet_id: int, action: str) -> None:
    hamlets = {r.unit.id: r.unit for r in ctx.roles if r.role in REPORTER_ROLES}
    hamlet = hamlets.get(hamlet_id)
    if hamlet is None or action not in reminders.ACTIONS:
        answer(ctx, ctx.t("officer.refused"))
        return
    if action in ("inc", "pause"):
        if not ctx.is_idle:
            ctx.say(ctx.t("cancel.done"))
        ctx.reset()
        await (incident.start if action == "inc" else pause.ask_pause)(ctx)
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


FOLLOWUP = Flow(
    At,
    FollowupState,
    # Any officer may be here; whether one may act on this report is checked per report.
    needs=access.Need.OFFICER,
    entry=(At.RESOLVE_CONFIRM, At.NOTE),
    steps={
        At.RESOLVE_CONFIRM: Step(on_resolve_confirm),
        At.NOTE: Step(on_note),
    },
)
# Declared flows of this module; handlers/flows/__init__.py gathers them.
FLOWS: tuple[Flow[Any], ...] = (FOLLOWUP,)
