"""Binding an account to a hamlet or a unit with an invite code."""

from __future__ import annotations

import re

from handlers.context import Ctx, Picked
from handlers.flows import menu
from handlers.messages import Choice, InEvent
from handlers.registry import step
from storage import invites, people
from storage.models import Unit
from storage.text import clean

FLOW = "onboarding"
MAX_NAME = 100
_CODE_SHAPE = re.compile(r"^[A-Za-z0-9]{4}[ -]?[A-Za-z0-9]{4}$")


def looks_like_code(text: str) -> bool:
    return bool(_CODE_SHAPE.match(text.strip()))


async def ask_code(ctx: Ctx) -> None:
    ctx.ask(FLOW, "code", ctx.t("onboarding.ask_code"))


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
    if await invites.guessing_blocked(ctx.session, ctx.identity.id, ctx.now):
        _refuse(ctx, "onboarding.slow_down", minutes=int(invites.FAILURE_WINDOW.seconds / 60))
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
        await invites.record_failure(ctx.session, ctx.identity.id, ctx.now)
        _refuse(ctx, problem or "onboarding.unknown")
        return
    unit = await ctx.session.get_one(Unit, invite.unit_id)
    if any(r.role == invite.role and r.unit.id == unit.id for r in ctx.roles):
        ctx.reset()
        menu.show(ctx, ctx.t("onboarding.already", unit=unit.label))
        return
    invite.uses += 1
    await people.assign(ctx.session, ctx.person.id, unit.id, invite.role, ctx.now, invite.id)
    ctx.roles = await people.active_roles(ctx.session, ctx.person.id, ctx.now)
    role_name = ctx.t(f"role.{invite.role.value}")
    ctx.say(ctx.t("onboarding.done", role=role_name, unit=unit.label))
    _ask_name(ctx)


def _ask_name(ctx: Ctx) -> None:
    current = ctx.identity.display_name
    keep = [Choice(id="keep", label=str(ctx.t("onboarding.keep_name", name=current)))]
    ctx.ask(FLOW, "name", ctx.t("onboarding.ask_name"), keep if current else None)


@step(FLOW, "name")
async def on_name(ctx: Ctx, event: InEvent) -> None:
    picked = ctx.pick(event, loose=False)
    if isinstance(picked, Picked):
        _finish(ctx)
        return
    name = clean(event.text or "") if event.kind == "text" else ""
    if not 2 <= len(name) <= MAX_NAME or "\n" in name:
        ctx.reprompt(ctx.t("onboarding.bad_name", limit=MAX_NAME))
        return
    ctx.person.full_name = name
    _finish(ctx)


def _finish(ctx: Ctx) -> None:
    ctx.reset()
    menu.show(ctx, ctx.t("onboarding.thanks", name=ctx.person.full_name))


def _refuse(ctx: Ctx, key: str, **values: object) -> None:
    if ctx.flow == FLOW:
        ctx.reprompt(ctx.t(key, **values))
    else:
        ctx.reset()
        menu.show(ctx, ctx.t(key, **values))
