"""Urgent incidents reach the officers on duty at once, and climb until someone answers.

Tiers: the commune's officers on duty, then its deputies, then each unit above it. A tier with
nobody to tell is recorded and skipped. Social evils and sensitive reports go only to officers
named for confidential reports, at every tier.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from markupsafe import Markup
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.context import Notice
from handlers.i18n import Translator
from handlers.messages import Choice, OutMessage
from storage import alerts, people, schedules, units
from storage.enums import AlertDuty, IncidentEventKind, IncidentStatus
from storage.models import Person, Report, Unit, UrgentAlert

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


@dataclass(frozen=True)
class Tier:
    unit_id: int
    duties: tuple[AlertDuty, ...]


async def tiers(session: AsyncSession, commune_id: int) -> list[Tier]:
    found = [Tier(commune_id, (AlertDuty.ON_DUTY,)), Tier(commune_id, (AlertDuty.DEPUTY,))]
    commune = await session.get_one(Unit, commune_id)
    for above in reversed((await units.ancestors(session, commune))[:-1]):
        found.append(Tier(above.id, (AlertDuty.ON_DUTY, AlertDuty.DEPUTY)))
    return found


async def describe(
    session: AsyncSession, report: Report, t: Translator, tz: ZoneInfo
) -> OutMessage:
    """The alert with its buttons, valid at any step of the officer's conversation."""
    unit = await session.get_one(Unit, report.unit_id)
    reporter = await session.get(Person, report.reporter_id) if report.reporter_id else None
    place: Markup | str
    if report.latitude is not None and report.longitude is not None:
        place = t("incident.place_gps", lat=f"{report.latitude:.5f}", lon=f"{report.longitude:.5f}")
    else:
        place = report.place or t("common.none")
    text = t(
        "alert.text",
        number=report.id,
        unit=unit.label,
        category=t(f"category.{report.category}"),
        date=t.date(report.occurred_at.astimezone(tz).date()),
        text=report.text,
        place=place,
        reporter=reporter.full_name if reporter else t("common.none"),
        status=t(f"status.{(report.status or IncidentStatus.OPEN).value}"),
    )
    return OutMessage(text=str(text), choices=action_choices(t), choice_token=token(report.id))


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
    found: list[Notice] = []
    for identity in await people.identities_of(session, person_ids):
        t = Translator(identity.locale or default_locale)
        message = await describe(session, report, t, tz)
        if waited_minutes is not None:
            intro = t("alert.escalated", minutes=waited_minutes)
            message = message.model_copy(update={"text": f"{intro}\n{message.text}"})
        key = f"alert:r{report.id}-l{level}:{commune_id}:{identity.id}"
        found.append(Notice(key, identity.id, identity.channel, identity.chat_key, message))
    return found


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
