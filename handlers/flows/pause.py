"""A hamlet head's pause of the weekly reminders (away, ill, the harvest): a few days up to
two months, or the reminders back on; the menu's "Tạm dừng nhắc" and a reminder's button."""

from __future__ import annotations

import re
from typing import Any

from handlers.access import Need
from handlers.context import Ctx, Picked, StaleChoice
from handlers.flow import Flow, NoState, Step
from handlers.messages import Choice, InEvent
from handlers.services import followup as use_case
from handlers.steps import Steps
from storage import pauses
from storage.text import fold


class At(Steps, flow="pause"):
    PAUSE = "pause"


PAUSE_DAYS = (3, 7, 14, 30)
MAX_PAUSE_DAYS = 60
# Typed at the pause question, as people say it, diacritics optional (folded).
RESUME_WORDS = frozenset({"bat lai", "bat lai nhac", "bat nhac", "mo lai", "mo lai nhac"})
_PAUSE_WORDS = r"(?:tam dung|dung)(?: nhac)?(?: bao cao)?"
_PAUSE_TYPED = re.compile(rf"^(?:{_PAUSE_WORDS})?\s*(\d{{1,3}})?\s*(?:ngay)?$")
# "tạm dừng" without a number: one week, the time between two reminders.
DEFAULT_PAUSE_DAYS = 7


async def ask_pause(ctx: Ctx) -> None:
    ctx.begin(NoState())
    options = [Choice(id=str(d), label=str(ctx.t("pause.days", days=d))) for d in PAUSE_DAYS]
    current = await pauses.for_person(ctx.session, ctx.person.id, ctx.local_now.date())
    intro = None
    if current is not None:
        options.append(Choice(id="resume", label=str(ctx.t("pause.resume"))))
        intro = ctx.t("pause.current", until=ctx.t.date(current.last_day))
    ctx.ask(At.PAUSE, ctx.t("pause.ask", limit=MAX_PAUSE_DAYS), options, intro=intro)


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
        resumed = await use_case.resume_reminders(ctx.session, ctx.person.id, today, ctx.now)
        ctx.finish(ctx.t("pause.resumed" if resumed else "pause.not_paused"))
        return
    days = wanted if isinstance(wanted, int) else 0
    if not 1 <= days <= MAX_PAUSE_DAYS:
        ctx.reprompt(ctx.t("pause.days_expected", limit=MAX_PAUSE_DAYS))
        return
    last = await use_case.pause_reminders(ctx.session, ctx.person.id, today, days, ctx.now)
    ctx.finish(ctx.t("pause.saved", until=ctx.t.date(last)))


PAUSE = Flow(At, NoState, needs=Need.REPORTER, entry=(At.PAUSE,), steps={At.PAUSE: Step(on_pause)})
FLOWS: tuple[Flow[Any], ...] = (PAUSE,)
