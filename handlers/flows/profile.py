"""The person's name, phone and whether residents may see it: asked once a code is taken,
changed later from "Thông tin của tôi"."""

from __future__ import annotations

import re

from markupsafe import Markup

from handlers.context import Ctx, Picked, StaleChoice
from handlers.flow import NoState
from handlers.flows.onboarding_steps import At, OnboardingState, Profile
from handlers.messages import Choice, InEvent, OutMessage
from handlers.services import joining
from handlers.titles import addressed, capitalized, role_title
from storage import people
from storage.enums import Role
from storage.text import clean

MAX_NAME = 100
_PHONE_SEPARATORS = re.compile(r"[\s.\-()]")
_PHONE = re.compile(r"^0[1-9][0-9]{8}$")
KEEP, SKIP, REMOVE, YES, NO = "keep", "skip", "remove", "yes", "no"
NAME, PHONE, SHARE, HIDE = "name", "phone", "share", "hide"


def phone_number(text: str) -> str | None:
    """A Vietnamese number as 10 digits from 0 (+84 and 84 become 0), or None."""
    digits = _PHONE_SEPARATORS.sub("", text.strip())
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    return digits if _PHONE.match(digits) else None


def ask_name(ctx: Ctx) -> None:
    editing = ctx.state(OnboardingState).editing
    current = ctx.person.full_name if editing else ctx.identity.display_name
    keep = [Choice(id=KEEP, label=str(ctx.t("onboarding.keep_name", name=current)))]
    question = ctx.t("profile.ask_name" if editing else "onboarding.ask_name")
    ctx.ask(At.NAME, question, keep if current else None)


async def on_name(ctx: Ctx, event: InEvent) -> None:
    picked = ctx.pick(event, loose=False)
    if not isinstance(picked, Picked):
        name = clean(event.text or "") if event.kind == "text" else ""
        if not 2 <= len(name) <= MAX_NAME or "\n" in name:
            ctx.reprompt(ctx.t("onboarding.bad_name", limit=MAX_NAME))
            return
        ctx.person.full_name = name
    if ctx.state(OnboardingState).editing:
        await show_profile(ctx, ctx.t("profile.saved"))
        return
    await _tell_inviter(ctx)
    ask_phone(ctx)


async def _tell_inviter(ctx: Ctx) -> None:
    """The officer who made the code hears who took it (and whom they replace)."""
    state = ctx.state(OnboardingState)
    joined, state.joined = state.joined, None
    if joined is None:
        return
    found = await joining.inviter_to_tell(ctx.session, joined.invite, ctx.person.id)
    if found is None:
        return
    invite, unit, inviter = found
    values = {
        "who": capitalized(addressed(ctx.t, ctx.person.full_name, [invite.role])),
        "title": role_title(ctx.t, invite.role, unit),
    }
    previous = [addressed(ctx.t, name, [Role.REPORTER]) for name in joined.replaced]
    if previous:
        text = ctx.t("handover.joined_instead", previous=Markup(", ").join(previous), **values)
    else:
        text = ctx.t("handover.joined", **values)
    key = f"joined:a{joined.assignment}"
    for identity in await people.identities_of(ctx.session, [inviter]):
        ctx.notify(identity, OutMessage(text=str(text)), f"{key}:{identity.id}")


def ask_phone(ctx: Ctx) -> None:
    how = "button" if ctx.traits.shares_contact else "typed"
    if ctx.state(OnboardingState).editing:
        question = ctx.t(f"profile.ask_phone_{how}")
        options = [Choice(id=KEEP, label=str(ctx.t("profile.keep")))]
        if ctx.person.phone:
            options.insert(0, Choice(id=REMOVE, label=str(ctx.t("profile.remove_phone"))))
    else:
        question = ctx.t(f"onboarding.ask_phone_{how}", name=ctx.person.full_name)
        options = [Choice(id=SKIP, label=str(ctx.t("onboarding.skip_phone")))]
    ctx.ask(At.PHONE, question, options, ask_contact=ctx.traits.shares_contact)


async def on_phone(ctx: Ctx, event: InEvent) -> None:
    # A phone number is typed, so only an option's number or whole label picks it.
    picked = ctx.pick(event, loose=False)
    if isinstance(picked, Picked):
        if picked.id == REMOVE:
            ctx.person.phone, ctx.person.share_phone = None, False
        await _details_done(ctx)
        return
    if isinstance(picked, StaleChoice):
        ctx.reprompt(ctx.t("error.stale_choice"))
        return
    if event.kind == "contact" and event.phone is None:
        ctx.reprompt(ctx.t("onboarding.not_own_contact"))
        return
    typed = event.phone if event.kind == "contact" else event.text
    number = phone_number(typed or "") if event.kind in ("contact", "text") else None
    if number is None:
        ctx.reprompt(ctx.t("onboarding.bad_phone"))
        return
    ctx.person.phone = number
    if _residents_see(ctx):
        _ask_share(ctx)
    else:
        await _details_done(ctx)


def _residents_see(ctx: Ctx) -> bool:
    """Residents are shown the hamlet head's phone when allowed (hamlets.show_head); nobody
    else's, so only a head is asked."""
    return ctx.role_unit(Role.REPORTER) is not None


def _ask_share(ctx: Ctx) -> None:
    hamlet = ctx.role_unit(Role.REPORTER)
    question = ctx.t(
        "onboarding.ask_share", unit=hamlet.label if hamlet else "", phone=ctx.person.phone
    )
    options = [
        Choice(id=YES, label=str(ctx.t("onboarding.share_yes"))),
        Choice(id=NO, label=str(ctx.t("onboarding.share_no"))),
    ]
    ctx.ask(At.SHARE, question, options)


async def on_share(ctx: Ctx, event: InEvent) -> None:
    chosen = ctx.choose(event)
    if chosen is None:
        return
    ctx.person.share_phone = chosen == YES
    await _details_done(ctx)


async def _details_done(ctx: Ctx) -> None:
    if ctx.state(OnboardingState).editing:
        await show_profile(ctx, ctx.t("profile.saved"))
        return
    ctx.finish(ctx.t("onboarding.thanks", name=ctx.person.full_name))


# "Thông tin của tôi" -------------------------------------------------------------------


async def show_profile(ctx: Ctx, intro: Markup | None = None) -> None:
    person = ctx.person
    parts = [
        ctx.t(
            "profile.card",
            who=addressed(ctx.t, person.full_name, [active.role for active in ctx.roles]),
            name=person.full_name,
            phone=person.phone or ctx.t("profile.no_phone"),
        )
    ]
    options = [
        Choice(id=NAME, label=str(ctx.t("profile.change_name"))),
        Choice(id=PHONE, label=str(ctx.t("profile.change_phone"))),
    ]
    if person.phone and _residents_see(ctx):
        parts.append(ctx.t("profile.shared" if person.share_phone else "profile.private"))
        toggle = HIDE if person.share_phone else SHARE
        options.append(Choice(id=toggle, label=str(ctx.t(f"profile.{toggle}"))))
    options.append(ctx.back_choice())
    parts.append(ctx.t("profile.question"))
    ctx.begin(NoState())
    ctx.ask(Profile.ME, Markup("\n").join(parts), options, intro=intro)


async def on_profile(ctx: Ctx, event: InEvent) -> None:
    chosen = ctx.choose(event)
    if chosen is None:
        return
    if chosen == NAME:
        ctx.begin(OnboardingState(editing=True))
        ask_name(ctx)
    elif chosen == PHONE:
        ctx.begin(OnboardingState(editing=True))
        ask_phone(ctx)
    elif chosen in (SHARE, HIDE):
        ctx.person.share_phone = chosen == SHARE
        await show_profile(ctx, ctx.t("profile.saved"))
    else:
        ctx.finish()
