"""Binding an account to a hamlet or a unit with an invite code, once the person agreed to
the privacy notice, then the person's name, phone and whether residents may see it; the same
details can be changed later ("Thông tin của tôi")."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from markupsafe import Markup

from handlers.context import Ctx, Picked, StaleChoice
from handlers.flow import Flow
from handlers.flows import menu, privacy
from handlers.messages import Choice, InEvent, OutMessage
from handlers.registry import step
from handlers.titles import addressed, capitalized, role_title, role_word
from storage import invites, people
from storage import privacy as consent
from storage.enums import Role
from storage.models import InviteCode, Person, Unit
from storage.text import clean

FLOW = "onboarding"
PROFILE_FLOW = "profile"
MAX_NAME = 100
_CODE_SHAPE = re.compile(r"^[A-Za-z0-9]{4}[ -]?[A-Za-z0-9]{4}$")
_PHONE_SEPARATORS = re.compile(r"[\s.\-()]")
_PHONE = re.compile(r"^0[1-9][0-9]{8}$")
# What the conversation carries between the steps of joining and of changing one's details.
JOINED = "joined"
EDITING = "editing"
KEEP, SKIP, REMOVE, YES, NO, BACK = "keep", "skip", "remove", "yes", "no", "back"
NAME, PHONE, SHARE, HIDE = "name", "phone", "share", "hide"


def looks_like_code(text: str) -> bool:
    return bool(_CODE_SHAPE.match(text.strip()))


def phone_number(text: str) -> str | None:
    """A Vietnamese number as 10 digits from 0 (+84 and 84 become 0), or None."""
    digits = _PHONE_SEPARATORS.sub("", text.strip())
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    return digits if _PHONE.match(digits) else None


async def ask_code(ctx: Ctx) -> None:
    ctx.legacy_ask(FLOW, "code", ctx.t("onboarding.ask_code"))


@step(FLOW, "code")
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
    unit = await ctx.session.get_one(Unit, invite.unit_id)
    if any(r.role == invite.role and r.unit.id == unit.id for r in ctx.roles):
        ctx.reset()
        menu.show(ctx, ctx.t("onboarding.already", unit=unit.label))
        return
    await _join(ctx, invite, unit)


# Consent -------------------------------------------------------------------------------
# Asked before the role is given and before a name or a phone is asked for, so that a person
# who does not agree leaves nothing but the account they wrote from.

CONSENTING = "consenting"
AGREE, REFUSE = "agree", "refuse"


async def _join(ctx: Ctx, invite: InviteCode, unit: Unit) -> None:
    if consent.has_agreed(ctx.person):
        await _bind(ctx, invite, unit)
        return
    ctx.data = {CONSENTING: invite.id}
    options = [
        Choice(id=AGREE, label=str(ctx.t("privacy.agree"))),
        Choice(id=REFUSE, label=str(ctx.t("privacy.refuse"))),
    ]
    ctx.legacy_ask(FLOW, "consent", await privacy.consent_question(ctx, invite.role, unit), options)


@step(FLOW, "consent")
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
    # Locked, so that two people agreeing at once cannot both take a code meant for one.
    invite = await ctx.session.get(InviteCode, ctx.data.get(CONSENTING), with_for_update=True)
    if invite is None:
        ctx.reset()
        menu.show(ctx)
        return
    unit = await ctx.session.get_one(Unit, invite.unit_id)
    if not agreed:
        ctx.reset()
        menu.show(ctx, await privacy.declined(ctx, invite, unit))
        return
    problem = _no_longer_open(ctx, invite, unit)
    if problem is not None:
        ctx.reset()
        menu.show(ctx, problem)
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
    invite.uses += 1
    replaced = []
    if invite.role is Role.REPORTER:
        heads = await people.holders(ctx.session, unit.id, Role.REPORTER, ctx.now)
        replaced = [head for head in heads if head.id != ctx.person.id]
    assignment = await people.assign(
        ctx.session, ctx.person.id, unit.id, invite.role, ctx.now, invite.id
    )
    ctx.roles = await people.active_roles(ctx.session, ctx.person.id, ctx.now)
    await _tell_replaced(ctx, replaced, unit, assignment.id)
    role_name = role_word(ctx.t, invite.role, unit)
    ctx.say(ctx.t("onboarding.done", role=role_name, unit=unit.label))
    ctx.data = {
        JOINED: {
            "invite": invite.id,
            "assignment": assignment.id,
            "replaced": [head.full_name for head in replaced],
        }
    }
    _ask_name(ctx)


async def _tell_replaced(ctx: Ctx, replaced: list[Person], unit: Unit, assignment: int) -> None:
    text = ctx.t(
        "handover.ended",
        title=role_title(ctx.t, Role.REPORTER, unit),
        day=ctx.t.date(ctx.local_now.date()),
    )
    for identity in await people.identities_of(ctx.session, [head.id for head in replaced]):
        ctx.notify(identity, OutMessage(text=str(text)), f"handover:a{assignment}:{identity.id}")


async def _tell_inviter(ctx: Ctx) -> None:
    """The officer who made the code hears who took it (and whom they replace)."""
    joined = ctx.data.pop(JOINED, None)
    if not isinstance(joined, dict):
        return
    invite = await ctx.session.get(InviteCode, joined["invite"])
    if invite is None or invite.created_by_person_id in (None, ctx.person.id):
        return
    unit = await ctx.session.get_one(Unit, invite.unit_id)
    values = {
        "who": capitalized(addressed(ctx.t, ctx.person.full_name, [invite.role])),
        "title": role_title(ctx.t, invite.role, unit),
    }
    previous = [addressed(ctx.t, name, [Role.REPORTER]) for name in joined["replaced"]]
    if previous:
        text = ctx.t("handover.joined_instead", previous=Markup(", ").join(previous), **values)
    else:
        text = ctx.t("handover.joined", **values)
    key = f"joined:a{joined['assignment']}"
    for identity in await people.identities_of(ctx.session, [invite.created_by_person_id]):
        ctx.notify(identity, OutMessage(text=str(text)), f"{key}:{identity.id}")


# Name, phone, consent ------------------------------------------------------------------


def _ask_name(ctx: Ctx, *, editing: bool = False) -> None:
    current = ctx.person.full_name if editing else ctx.identity.display_name
    keep = [Choice(id=KEEP, label=str(ctx.t("onboarding.keep_name", name=current)))]
    question = ctx.t("profile.ask_name" if editing else "onboarding.ask_name")
    ctx.data[EDITING] = editing
    ctx.legacy_ask(FLOW, "name", question, keep if current else None)


@step(FLOW, "name")
async def on_name(ctx: Ctx, event: InEvent) -> None:
    picked = ctx.pick(event, loose=False)
    if not isinstance(picked, Picked):
        name = clean(event.text or "") if event.kind == "text" else ""
        if not 2 <= len(name) <= MAX_NAME or "\n" in name:
            ctx.reprompt(ctx.t("onboarding.bad_name", limit=MAX_NAME))
            return
        ctx.person.full_name = name
    if ctx.data.get(EDITING):
        await show_profile(ctx, ctx.t("profile.saved"))
        return
    await _tell_inviter(ctx)
    _ask_phone(ctx)


def _ask_phone(ctx: Ctx, *, editing: bool = False) -> None:
    how = "button" if ctx.traits.shares_contact else "typed"
    if editing:
        question = ctx.t(f"profile.ask_phone_{how}")
        options = [Choice(id=KEEP, label=str(ctx.t("profile.keep")))]
        if ctx.person.phone:
            options.insert(0, Choice(id=REMOVE, label=str(ctx.t("profile.remove_phone"))))
    else:
        question = ctx.t(f"onboarding.ask_phone_{how}", name=ctx.person.full_name)
        options = [Choice(id=SKIP, label=str(ctx.t("onboarding.skip_phone")))]
    ctx.data[EDITING] = editing
    ctx.legacy_ask(FLOW, "phone", question, options, ask_contact=ctx.traits.shares_contact)


@step(FLOW, "phone")
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
    ctx.legacy_ask(FLOW, "share", question, options)


@step(FLOW, "share")
async def on_share(ctx: Ctx, event: InEvent) -> None:
    chosen = ctx.choose(event)
    if chosen is None:
        return
    ctx.person.share_phone = chosen == YES
    await _details_done(ctx)


async def _details_done(ctx: Ctx) -> None:
    if ctx.data.get(EDITING):
        await show_profile(ctx, ctx.t("profile.saved"))
        return
    ctx.reset()
    menu.show(ctx, ctx.t("onboarding.thanks", name=ctx.person.full_name))


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
    options.append(Choice(id=BACK, label=str(ctx.t("common.back_to_menu"))))
    parts.append(ctx.t("profile.question"))
    ctx.data = {}
    ctx.legacy_ask(PROFILE_FLOW, "me", Markup("\n").join(parts), options, intro=intro)


@step(PROFILE_FLOW, "me")
async def on_profile(ctx: Ctx, event: InEvent) -> None:
    chosen = ctx.choose(event)
    if chosen is None:
        return
    if chosen == NAME:
        _ask_name(ctx, editing=True)
    elif chosen == PHONE:
        _ask_phone(ctx, editing=True)
    elif chosen in (SHARE, HIDE):
        ctx.person.share_phone = chosen == SHARE
        await show_profile(ctx, ctx.t("profile.saved"))
    else:
        menu.show(ctx)


def _refuse(ctx: Ctx, said: Markup) -> None:
    if ctx.flow == FLOW:
        ctx.reprompt(said)
    else:
        ctx.reset()
        menu.show(ctx, said)


async def _locked_out(ctx: Ctx, problem: Markup | None = None) -> bool:
    """A locked account is told when it may type a code again and taken to the menu, where
    questions and everything else still work; nobody is kept at a question they cannot pass."""
    until = await invites.locked_until(ctx.session, ctx.identity.id, ctx.now)
    if until is None:
        return False
    locked = ctx.t("onboarding.slow_down", minutes=_minutes(until - ctx.now))
    ctx.reset()
    menu.show(ctx, locked if problem is None else Markup("\n").join([problem, locked]))
    return True


def _minutes(left: timedelta) -> int:
    """Whole minutes, rounded up: "1 phút" rather than "0 phút" for the last seconds."""
    return -(-left // timedelta(minutes=1))


# Declared flows of this module; handlers/flows/__init__.py gathers them.
FLOWS: tuple[Flow[Any], ...] = ()
