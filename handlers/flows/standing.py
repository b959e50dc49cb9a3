"""Messages outside the conversation whose buttons work at any step: urgent alerts, weekly
reminders, digests and the question whether to link an account.

Their token names what they act on, so a press needs nothing of the step the person is at:

| kind     | token              | options                     | handled by                |
|----------|--------------------|-----------------------------|---------------------------|
| alert    | `r<report>`        | ack, work, done, note       | `followup.act_on_incident` |
| reminder | `w<week>.<hamlet>` | ok, inc, pause              | `followup.on_reminder`     |
| digest   | `d<unit>.<period>` | missing, open, xlsx         | `_on_digest`, here         |
| link     | `k<link>`          | yes, no                     | `linking.on_answer`        |

Each press is checked against the presser's rights; a forged or foreign one changes nothing
and gets a short answer. Where a channel has no buttons their options are lettered, and a
typed letter presses them (`typed_press`; `handlers.choices` says why letters).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from handlers import alerts, digest_delivery, reminders
from handlers.choices import match, parse_code
from handlers.context import Ctx
from handlers.flows import followup, linking, menu, officer
from handlers.messages import InEvent, OutMessage, is_standing
from handlers.services import digest_buttons
from storage import outbox

Handler = Callable[[Ctx, str, str], Awaitable[None]]


@dataclass(frozen=True)
class StandingKind:
    name: str
    prefix: str
    handle: Handler


async def _on_alert(ctx: Ctx, token: str, action: str) -> None:
    report_id = alerts.report_id_of(token)
    if report_id is None:
        followup.answer(ctx, ctx.t("error.stale_choice"))
        return
    await followup.act_on_incident(ctx, report_id, action)


async def _on_reminder(ctx: Ctx, token: str, action: str) -> None:
    reminder = reminders.parse_token(token)
    if reminder is None:
        followup.answer(ctx, ctx.t("error.stale_choice"))
        return
    await followup.on_reminder(ctx, *reminder, action)


async def _on_digest(ctx: Ctx, token: str, action: str) -> None:
    """What the officer reading a digest asks next, for that digest's unit and period."""
    parsed = digest_delivery.parse_token(token)
    if parsed is None:
        followup.answer(ctx, ctx.t("error.stale_choice"))
        return
    unit = None
    if action in digest_delivery.ACTIONS:
        unit = await digest_buttons.unit_overseen(ctx.session, ctx.roles, parsed[0])
    if unit is None:
        followup.answer(ctx, ctx.t("officer.refused"))
        return
    period = parsed[1]
    if not ctx.is_idle:
        ctx.say(ctx.t("cancel.done"))
    ctx.reset()
    if action == "missing":
        await officer.show_missing(ctx, unit, period)
    elif action == "open":
        await officer.list_open(ctx, unit)
    else:
        await officer.send_workbook(ctx, unit, period)
        ctx.finish()


KINDS = (
    StandingKind("alert", alerts.TOKEN_PREFIX, _on_alert),
    StandingKind("reminder", reminders.TOKEN_PREFIX, _on_reminder),
    StandingKind("digest", digest_delivery.TOKEN_PREFIX, _on_digest),
    StandingKind("link", linking.TOKEN_PREFIX, linking.on_answer),
)
_BY_PREFIX = {kind.prefix: kind for kind in KINDS}


def kind_of(token: str | None) -> StandingKind | None:
    return _BY_PREFIX.get(token[0]) if token and is_standing(token) else None


def is_press(event: InEvent) -> bool:
    return event.kind == "choice" and is_standing(event.choice_token)


async def on_press(ctx: Ctx, event: InEvent) -> None:
    token, action = event.choice_token or "", event.choice_id or ""
    kind = kind_of(token)
    if kind is None:
        followup.answer(ctx, ctx.t("error.stale_choice"))
        return
    await kind.handle(ctx, token, action)


async def typed_press(ctx: Ctx, event: InEvent) -> InEvent | None:
    """Where there are no buttons, what presses a standing message's option by typing:
    its letter ("a", or "a96" for the alert about report #96) at any step, or its whole
    label at the menu when the menu has no such option. None: the text is for the step."""
    if ctx.traits.buttons or event.kind != "text" or not event.text:
        return None
    text = event.text
    code = parse_code(text)
    if code is not None and code.ref is not None:
        if code.index >= len(alerts.ACTIONS):
            return None
        return _press(event, alerts.token(code.ref), alerts.ACTIONS[code.index])
    if code is None and not (ctx.is_idle and _may_be_a_label(ctx, text)):
        return None
    stored = await outbox.latest_standing(ctx.session, ctx.identity.id)
    if stored is None:
        return None
    latest = OutMessage.model_validate(stored)
    if code is not None:
        if code.index >= len(latest.choices):
            return None
        return _press(event, latest.choice_token, latest.choices[code.index].id)
    found = match(text, latest.choices, loose=False)
    return None if found is None else _press(event, latest.choice_token, found)


def _may_be_a_label(ctx: Ctx, text: str) -> bool:
    stripped = text.strip()
    if not stripped or stripped.startswith("/") or stripped.isdecimal():
        return False
    return match(stripped, menu.choices(ctx)) is None


def _press(event: InEvent, token: str | None, choice_id: str) -> InEvent:
    return event.model_copy(
        update={"kind": "choice", "text": None, "choice_token": token, "choice_id": choice_id}
    )
