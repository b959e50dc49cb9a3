"""Invites: the officer makes a code for a role in a unit of their subtree."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from markupsafe import Markup

from handlers import access
from handlers.access import Need
from handlers.context import Ctx
from handlers.flow import Flow, FlowState, Step
from handlers.flows.officer.common import (
    AS_DEPUTY,
    HAMLET_ROLES,
    INVITE_DAYS,
    INVITE_ROLES,
    OFFICE_KINDS,
    REPLACE,
    ask_unit_in,
    unit_answer,
)
from handlers.flows.officer.units import asks_unit_first
from handlers.messages import Choice, InEvent
from handlers.services.invites import heads_of, invite_person
from handlers.services.own_units import unit_in_area
from handlers.steps import Steps
from handlers.titles import capitalized, role_word
from storage.enums import Role, UnitKind
from storage.models import Unit


class At(Steps, flow="invites"):
    ROLE = "invite_role"
    UNIT = "invite_unit"
    HANDOVER = "invite_handover"


class InviteState(FlowState):
    """The role the newcomer is invited to, and the hamlet whose head they may replace."""

    role: Role | None = None
    unit_id: int | None = None


async def ask_invite_role(ctx: Ctx) -> None:
    if asks_unit_first(ctx, "invite"):
        return
    ctx.begin(InviteState())
    options = [Choice(id=r.value, label=str(ctx.t(f"role.{r.value}"))) for r in INVITE_ROLES]
    ctx.ask(At.ROLE, ctx.t("officer.ask_invite_role"), [*options, ctx.back_choice()])


def _kinds(role: Role) -> tuple[UnitKind, ...]:
    return (UnitKind.HAMLET,) if role in HAMLET_ROLES else OFFICE_KINDS


async def on_invite_role(ctx: Ctx, event: InEvent) -> None:
    chosen = ctx.choose(event)
    if chosen is None:
        return
    unit = access.office(ctx)
    role = Role(chosen)
    ctx.state(InviteState).role = role
    await ask_unit_in(ctx, At.UNIT, unit, _kinds(role))


async def on_invite_unit(ctx: Ctx, event: InEvent) -> None:
    unit = access.office(ctx)
    role = ctx.state(InviteState).role
    if role is None:
        raise access.NotAllowed
    target = await unit_answer(ctx, event, unit, _kinds(role), at=At.UNIT)
    if target is None:
        return
    heads = await heads_of(ctx.session, target.id, ctx.now) if role is Role.REPORTER else []
    if heads:
        _ask_handover(ctx, target, heads)
        return
    await _create_invite(ctx, target, role)


def _ask_handover(ctx: Ctx, hamlet: Unit, heads: list[str]) -> None:
    """A hamlet has one head: the officer says whether the newcomer replaces them."""
    names, head = ", ".join(heads), role_word(ctx.t, Role.REPORTER, hamlet)
    question = ctx.t("officer.ask_handover", unit=capitalized(hamlet.label), role=head, name=names)
    options = [
        Choice(id=REPLACE, label=str(ctx.t("officer.handover_replace", name=names, role=head))),
        Choice(
            id=AS_DEPUTY,
            label=str(
                ctx.t("officer.handover_deputy", deputy=role_word(ctx.t, Role.DEPUTY, hamlet))
            ),
        ),
    ]
    ctx.state(InviteState).unit_id = hamlet.id
    ctx.ask(At.HANDOVER, question, [*options, ctx.back_choice()])


async def on_invite_handover(ctx: Ctx, event: InEvent) -> None:
    chosen = ctx.choose(event)
    if chosen is None:
        return
    unit = access.office(ctx)
    hamlet_id = ctx.state(InviteState).unit_id
    hamlet = await unit_in_area(ctx.session, unit.id, hamlet_id) if hamlet_id else None
    if hamlet is None:
        raise access.NotAllowed
    await _create_invite(ctx, hamlet, Role.REPORTER if chosen == REPLACE else Role.DEPUTY)


async def _create_invite(ctx: Ctx, target: Unit, role: Role) -> None:
    invite = await invite_person(
        ctx.session,
        unit_id=target.id,
        role=role,
        now=ctx.now,
        valid_for=timedelta(days=INVITE_DAYS),
        by_person_id=ctx.person.id,
    )
    parts = [
        ctx.t(
            "officer.invite_code",
            code=invite.code,
            role=ctx.t(f"role.{role.value}"),
            unit=target.label,
            until=ctx.t.date(invite.expires_at.astimezone(ctx.tz).date()),
        )
    ]
    heads = await heads_of(ctx.session, target.id, ctx.now) if role is Role.REPORTER else []
    if heads:
        head = role_word(ctx.t, Role.REPORTER, target)
        parts.append(ctx.t("officer.invite_replaces", name=", ".join(heads), role=head))
    ctx.finish(Markup("\n").join(parts))


INVITES = Flow(
    At,
    InviteState,
    needs=Need.OFFICER,
    entry=(At.ROLE,),
    steps={
        At.ROLE: Step(on_invite_role, then=(At.UNIT,)),
        At.UNIT: Step(on_invite_unit, then=(At.HANDOVER,)),
        At.HANDOVER: Step(on_invite_handover),
    },
)
FLOWS: tuple[Flow[Any], ...] = (INVITES,)
