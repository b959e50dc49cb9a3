"""Urgent incidents reach the officers on duty at once, and climb until someone answers.

Tiers (`handlers.alert_tiers`): the commune's officers on duty, then its deputies, then each
unit above it. A tier with nobody to tell is recorded and skipped. Social evils and sensitive
reports go only to officers named for confidential reports, at every tier. How far an alert's
follow-up has got is read in `handlers.alert_state`; every copy of the alert shows it, and a
change to it reaches them all.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from markupsafe import Markup
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.alert_state import Alert as Alert
from handlers.alert_state import load as load
from handlers.alert_state import state_text as state_text
from handlers.alert_tiers import tiers
from handlers.channels import FULL, ChannelTraits, traits_for
from handlers.choices import letters
from handlers.context import Notice
from handlers.i18n import Translator
from handlers.messages import Choice, OutMessage
from storage import alerts, outbox, people, schedules
from storage.enums import IncidentEventKind, IncidentStatus
from storage.models import IncidentEvent, Person, Report, Unit, UrgentAlert

__all__ = [
    "ACTIONS",
    "RANK",
    "STATUS_BY_ACTION",
    "TOKEN_PREFIX",
    "Alert",
    "choices_left",
    "describe",
    "escalate_due",
    "load",
    "raise_alert",
    "render",
    "report_id_of",
    "spread",
    "state_text",
    "token",
]

TOKEN_PREFIX = "r"
STATUS_BY_ACTION = {
    "ack": IncidentStatus.ACKNOWLEDGED,
    "work": IncidentStatus.IN_PROGRESS,
    "done": IncidentStatus.RESOLVED,
}
ACTIONS = (*STATUS_BY_ACTION, "note")
RANK = {
    IncidentStatus.OPEN: 0,
    IncidentStatus.ACKNOWLEDGED: 1,
    IncidentStatus.IN_PROGRESS: 2,
    IncidentStatus.RESOLVED: 3,
}


def token(report_id: int) -> str:
    return f"{TOKEN_PREFIX}{report_id}"


def report_id_of(choice_token: str) -> int | None:
    number = choice_token[len(TOKEN_PREFIX) :]
    return int(number) if choice_token.startswith(TOKEN_PREFIX) and number.isdecimal() else None


def action_choices(t: Translator) -> list[Choice]:
    return [Choice(id=action, label=str(t(f"alert.{action}"))) for action in ACTIONS]


def choices_left(t: Translator, status: IncidentStatus) -> list[Choice]:
    """The buttons that still make sense: a later status, and a note at any time."""
    return [
        choice
        for choice in action_choices(t)
        if choice.id not in STATUS_BY_ACTION or RANK[STATUS_BY_ACTION[choice.id]] > RANK[status]
    ]


def render(alert: Alert, t: Translator, tz: ZoneInfo, traits: ChannelTraits = FULL) -> OutMessage:
    """The alert with its buttons, valid at any step of the officer's conversation.

    Where there are no buttons the options are lettered and the message says how to answer;
    all four stay listed there, so a letter always means the same thing.
    """
    report = alert.report
    place: Markup | str
    if report.latitude is not None and report.longitude is not None:
        place = t("incident.place_gps", lat=f"{report.latitude:.5f}", lon=f"{report.longitude:.5f}")
    else:
        place = report.place or t("common.none")
    lines = [
        t(
            "alert.text",
            number=report.id,
            unit=alert.unit.label,
            category=t(f"category.{report.category}"),
            date=t.date(report.occurred_at.astimezone(tz).date()),
            text=report.text,
            place=place,
            reporter=alert.reporter or t("common.none"),
            status=state_text(alert, t, tz),
        )
    ]
    if alert.last_note is not None:
        note = alert.last_note
        at = t.moment(note.at.astimezone(tz))
        lines.append(t("alert.last_note", note=note.note, officer=note.officer, at=at))
    if traits.buttons:
        choices = choices_left(t, alert.status)
    else:
        choices = action_choices(t)
        hint = t("alert.type_letters", letters=letters(len(choices), t), example=f"a{report.id}")
        lines.append(Markup("\n") + hint)
    text = Markup("\n").join(lines)
    return OutMessage(text=str(text), choices=choices, choice_token=token(report.id))


async def describe(
    session: AsyncSession,
    report: Report,
    t: Translator,
    tz: ZoneInfo,
    traits: ChannelTraits = FULL,
) -> OutMessage:
    return render(await load(session, report), t, tz, traits)


async def _notices(
    session: AsyncSession,
    person_ids: list[int],
    report: Report,
    level: int,
    commune_id: int,
    tz: ZoneInfo,
    default_locale: str,
    waited_minutes: int | None,
) -> list[Notice]:
    identities = await people.identities_of(session, person_ids)
    if not identities:
        return []
    alert = await load(session, report)
    found: list[Notice] = []
    for identity in identities:
        t = Translator(identity.locale or default_locale)
        message = render(alert, t, tz, traits_for(identity.channel))
        if waited_minutes is not None:
            intro = t("alert.escalated", minutes=waited_minutes)
            message = message.model_copy(update={"text": f"{intro}\n{message.text}"})
        key = f"alert:r{report.id}-l{level}:{commune_id}:{identity.id}"
        found.append(Notice(key, identity.id, identity.channel, identity.chat_key, message))
    return found


async def spread(
    session: AsyncSession,
    report: Report,
    change: IncidentEvent,
    actor: Person,
    tz: ZoneInfo,
    default_locale: str,
) -> list[Notice]:
    """Every copy of the report's alert shows the change: redrawn in place where the
    platform can edit a message (the actor's own copy too), and told in one line to the
    other recipients where it cannot. Each copy once per change."""
    copies = await outbox.standing_copies(session, token(report.id))
    identities = await people.identities_by_id(
        session, {c.identity_id for c in copies if c.identity_id is not None}
    )
    alert = await load(session, report)
    found: list[Notice] = []
    told: set[int] = set()
    for copy in copies:
        identity = identities.get(copy.identity_id or 0)
        if identity is None or not identity.active:
            continue
        t = Translator(identity.locale or default_locale)
        traits = traits_for(copy.channel)
        if traits.edits_messages:
            redrawn = render(alert, t, tz, traits).model_copy(
                update={"replaces": copy.idempotency_key}
            )
            key = f"redraw:e{change.id}:{copy.idempotency_key}"
            found.append(Notice(key, identity.id, copy.channel, copy.chat_key, redrawn))
        elif identity.person_id != actor.id and identity.id not in told:
            told.add(identity.id)
            line = _news(t, alert, change, actor, tz)
            key = f"alert-news:e{change.id}:{identity.id}"
            found.append(Notice(key, identity.id, copy.channel, copy.chat_key, line))
    return found


def _news(
    t: Translator, alert: Alert, change: IncidentEvent, actor: Person, tz: ZoneInfo
) -> OutMessage:
    at = t.moment(change.at.astimezone(tz))
    number = alert.report.id
    if change.kind is IncidentEventKind.NOTE:
        text = t("alert.news_note", number=number, officer=actor.full_name, at=at, note=change.note)
    else:
        status = t(f"status.{(change.status or alert.status).value}")
        text = t("alert.news_status", number=number, officer=actor.full_name, at=at, status=status)
    return OutMessage(text=str(text))


async def _advance(
    session: AsyncSession,
    alert: UrgentAlert,
    report: Report,
    now: datetime,
    tz: ZoneInfo,
    default_locale: str,
    *,
    waited_minutes: int | None,
) -> list[Notice]:
    """Tell the next tier that has someone to tell; record every step."""
    schedule = await schedules.effective(session, alert.commune_id)
    ladder = await tiers(session, alert.commune_id)
    level = alert.level + 1
    first = alert.level < 0
    while level < len(ladder):
        tier = ladder[level]
        person_ids = await alerts.officers_at(
            session, tier.unit_id, tier.duties, now, confidential_only=report.sensitive
        )
        notices = await _notices(
            session, person_ids, report, level, alert.commune_id, tz, default_locale, waited_minutes
        )
        if notices:
            kind = IncidentEventKind.ALERTED if first else IncidentEventKind.ESCALATED
            alerts.record(session, report.id, kind, now, level=level, recipients=len(notices))
            alert.level = level
            alert.escalate_at = now + timedelta(minutes=schedule.escalation_minutes)
            return notices
        alerts.record(session, report.id, IncidentEventKind.NO_RECIPIENT, now, level=level)
        level += 1
    alert.level, alert.escalate_at = len(ladder) - 1, None
    alerts.record(session, report.id, IncidentEventKind.EXHAUSTED, now, level=alert.level)
    return []


async def raise_alert(
    session: AsyncSession, report: Report, now: datetime, tz: ZoneInfo, default_locale: str
) -> list[Notice]:
    """Alert the first tier about a new urgent report; once per report."""
    if await alerts.for_report(session, report.id) is not None:
        return []
    hamlet = await session.get_one(Unit, report.unit_id)
    alert = UrgentAlert(
        report_id=report.id, commune_id=hamlet.parent_id or hamlet.id, level=-1, created_at=now
    )
    session.add(alert)
    await session.flush()
    return await _advance(session, alert, report, now, tz, default_locale, waited_minutes=None)


async def escalate_due(
    session: AsyncSession, now: datetime, tz: ZoneInfo, default_locale: str
) -> list[Notice]:
    """Move every alert nobody acknowledged in time one tier up."""
    found: list[Notice] = []
    for alert in await alerts.due(session, now):
        report = await session.get_one(Report, alert.report_id)
        if report.withdrawn_at is not None or report.status is not IncidentStatus.OPEN:
            alert.escalate_at = None
            continue
        waited = int((now - alert.created_at).total_seconds() // 60)
        found += await _advance(
            session, alert, report, now, tz, default_locale, waited_minutes=waited
        )
    return found
