"""Binding an account to a hamlet or a unit with an invite code, once the person agreed to
the privacy notice; `handlers/flows/profile.py` then asks their name and phone."""

from __future__ import annotations

import re
from datetime import timedelta

from markupsafe import Markup

from handlers.context import Ctx, Picked, StaleChoice
from handlers.flows import privacy
from handlers.flows.onboarding_steps import At, Joined, OnboardingState
from handlers.flows.profile import ask_name
from handlers.messages import Choice, InEvent, OutMessage
from handlers.services import joining
from handlers.titles import role_title, role_word
from storage import invites, people
from storage import privacy as consent
from storage.enums import Role
from storage.models import InviteCode, Person, Unit

_CODE_SHAPE = re.compile(r"^[A-Za-z0-9]{4}[ -]?[A-Za-z0-9]{4}$")
AGREE, REFUSE = "agree", "refuse"


def looks_like_code(text: str) -> bool:
    return bool(_CODE_SHAPE.match(text.strip()))


async def ask_code(ctx: Ctx) -> None:
    ctx.begin(OnboardingState())
    ctx.ask(At.CODE, ctx.t("onboarding.ask_code"))


async def on_code(ctx: Ctx, event: InEvent) -> None:
    if event.kind != "text" or not event.text:
        ctx.reprompt(ctx.t("error.text_expected"))
        return
    if not looks_like_code(event.text):
        ctx.reprompt(ctx.t("onboarding.bad_shape"))
        return
    await redeem(ctx, event.text)


async def redeem(ctx: Ctx, text: str) -> None:
    if await _locked_out(ctx):
        return
    invite = await invites.find(ctx.session, text) if looks_like_code(text) else None
    problem = None
    if invite is None:
        problem = "onboarding.unknown"
    elif invite.expires_at <= ctx.now:
        problem = "onboarding.expired"
    elif invite.uses >= invite.max_uses:
        problem = "onboarding.used"
    if problem is not None or invite is None:
        await invites.record_failure(ctx.session, ctx.identity.id, ctx.now, text)
        said = ctx.t(problem or "onboarding.unknown")
        if await _locked_out(ctx, said):
            return
        if invite is None and await invites.flooded(ctx.session, ctx.now):
            said = ctx.t("guessing.busy", minutes=_minutes(invites.FLOOD_WINDOW))
        _refuse(ctx, said)
        return
    unit = await joining.unit_of(ctx.session, invite)
    if any(r.role == invite.role and r.unit.id == unit.id for r in ctx.roles):
        ctx.finish(ctx.t("onboarding.already", unit=unit.label))
        return
    await _join(ctx, invite, unit)


# Consent -------------------------------------------------------------------------------
# Asked before the role is given and before a name or a phone is asked for, so that a person
# who does not agree leaves nothing but the account they wrote from.


async def _join(ctx: Ctx, invite: InviteCode, unit: Unit) -> None:
    if consent.has_agreed(ctx.person):
        await _bind(ctx, invite, unit)
        return
    ctx.begin(OnboardingState(consenting=invite.id))
    options = [
        Choice(id=AGREE, label=str(ctx.t("privacy.agree"))),
        Choice(id=REFUSE, label=str(ctx.t("privacy.refuse"))),
    ]
    ctx.ask(At.CONSENT, await privacy.consent_question(ctx, invite.role, unit), options)


async def on_consent(ctx: Ctx, event: InEvent) -> None:
    picked = ctx.pick(event, loose=False)
    if isinstance(picked, StaleChoice):
        ctx.reprompt(ctx.t("error.stale_choice"))
        return
    if isinstance(picked, Picked):
        agreed: bool | None = picked.id == AGREE
    else:
        agreed = privacy.consent_answer(event.text or "") if event.kind == "text" else None
    if agreed is None:
        ctx.reprompt(ctx.t("privacy.pick"))
        return
    consenting = ctx.state(OnboardingState).consenting
    invite = None
    if consenting is not None:
        invite = await joining.invite_to_take(ctx.session, consenting)
    if invite is None:
        ctx.finish()
        return
    unit = await joining.unit_of(ctx.session, invite)
    if not agreed:
        ctx.finish(await privacy.declined(ctx, invite, unit))
        return
    problem = _no_longer_open(ctx, invite, unit)
    if problem is not None:
        ctx.finish(problem)
        return
    consent.agree(ctx.person, ctx.now)
    await _bind(ctx, invite, unit)


def _no_longer_open(ctx: Ctx, invite: InviteCode, unit: Unit) -> Markup | None:
    """The code may have run out, or been used, while the person read the question."""
    if invite.expires_at <= ctx.now:
        return ctx.t("onboarding.expired")
    if invite.uses >= invite.max_uses:
        return ctx.t("onboarding.used")
    if any(r.role == invite.role and r.unit.id == unit.id for r in ctx.roles):
        return ctx.t("onboarding.already", unit=unit.label)
    return None


async def _bind(ctx: Ctx, invite: InviteCode, unit: Unit) -> None:
    """Give the invite's role; a head it replaces is told at once, the inviter once the
    newcomer has said their name."""
    taken = await joining.take(ctx.session, ctx.person.id, invite, unit, ctx.now)
    ctx.roles = taken.roles
    await _tell_replaced(ctx, taken.replaced, unit, taken.assignment_id)
    role_name = role_word(ctx.t, invite.role, unit)
    ctx.say(ctx.t("onboarding.done", role=role_name, unit=unit.label))
    replaced = [head.full_name for head in taken.replaced]
    joined = Joined(invite=invite.id, assignment=taken.assignment_id, replaced=replaced)
    ctx.begin(OnboardingState(joined=joined))
    ask_name(ctx)


async def _tell_replaced(ctx: Ctx, replaced: list[Person], unit: Unit, assignment: int) -> None:
    text = ctx.t(
        "handover.ended",
        title=role_title(ctx.t, Role.REPORTER, unit),
        day=ctx.t.date(ctx.local_now.date()),
    )
    for identity in await people.identities_of(ctx.session, [head.id for head in replaced]):
        ctx.notify(identity, OutMessage(text=str(text)), f"handover:a{assignment}:{identity.id}")


def _refuse(ctx: Ctx, said: Markup) -> None:
    if ctx.flow == At.flow:
        ctx.reprompt(said)
    else:
        ctx.finish(said)


async def _locked_out(ctx: Ctx, problem: Markup | None = None) -> bool:
    """A locked account is told when it may type a code again and taken to the menu, where
    questions and everything else still work; nobody is kept at a question they cannot pass."""
    until = await invites.locked_until(ctx.session, ctx.identity.id, ctx.now)
    if until is None:
        return False
    locked = ctx.t("onboarding.slow_down", minutes=_minutes(until - ctx.now))
    ctx.finish(locked if problem is None else Markup("\n").join([problem, locked]))
    return True


def _minutes(left: timedelta) -> int:
    """Whole minutes, rounded up: "1 phút" rather than "0 phút" for the last seconds."""
    return -(-left // timedelta(minutes=1))
