"""Reminders to hamlet heads whose hamlet has not reported this week."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.channels import FULL, ChannelTraits, traits_for
from handlers.choices import with_letters_hint
from handlers.context import Notice
from handlers.i18n import Translator
from handlers.messages import Choice, OutMessage
from storage import pauses, people, reminders
from storage.clock import week_days
from storage.models import Identity
from storage.schedules import ScheduleBook

TOKEN_PREFIX = "w"
ACTIONS = ("ok", "inc", "pause")


def token(week: str, hamlet_id: int) -> str:
    return f"{TOKEN_PREFIX}{week}.{hamlet_id}"


def parse_token(choice_token: str) -> tuple[str, int] | None:
    """(week, hamlet id) of a reminder's buttons; None for any other token."""
    if not choice_token.startswith(TOKEN_PREFIX):
        return None
    week, _, hamlet = choice_token[len(TOKEN_PREFIX) :].partition(".")
    if not hamlet.isdecimal() or len(week) != 8 or week[4:6] != "-W" or not week[:4].isdecimal():
        return None
    return week, int(hamlet)


def message(
    t: Translator,
    number: int,
    week: str,
    hamlet_id: int,
    hamlet: str,
    traits: ChannelTraits = FULL,
) -> OutMessage:
    choices = [Choice(id=action, label=str(t(f"reminder.{action}"))) for action in ACTIONS]
    text = t("reminder.first" if number == 1 else "reminder.second", week=t.week(week), unit=hamlet)
    reminder = OutMessage(text=str(text), choices=choices, choice_token=token(week, hamlet_id))
    return with_letters_hint(reminder, t, traits)


async def notices(
    session: AsyncSession,
    *,
    number: int,
    week: str,
    hamlet_ids: set[int] | None,
    book: ScheduleBook,
    now: datetime,
    tz: ZoneInfo,
    default_locale: str,
) -> list[Notice]:
    """One reminder per account of each head due one; the key makes a second run a no-op."""
    monday, _ = week_days(week)
    due = await reminders.silent_hamlet_heads(session, week, monday, now)
    if hamlet_ids is not None:
        due = [d for d in due if d.hamlet_id in hamlet_ids]
    paused_units, paused_people = await pauses.paused_on(session, now.astimezone(tz).date())
    ancestors = {d.hamlet_id: book.ancestors(d.hamlet_id) for d in due}
    due = reminders.without_paused(due, ancestors, paused_units, paused_people)
    accounts: dict[int, list[Identity]] = defaultdict(list)
    for identity in await people.identities_of(session, {d.person_id for d in due}):
        accounts[identity.person_id].append(identity)
    found: list[Notice] = []
    for d in due:
        for identity in accounts[d.person_id]:
            t = Translator(identity.locale or default_locale)
            found.append(
                Notice(
                    f"reminder{number}:{week}:{d.hamlet_id}:{identity.id}",
                    identity.id,
                    identity.channel,
                    identity.chat_key,
                    message(
                        t, number, week, d.hamlet_id, d.hamlet_label, traits_for(identity.channel)
                    ),
                )
            )
    return found
